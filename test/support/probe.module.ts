import { Body, Controller, HttpCode, Module, Post } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsEmail, IsInt, IsOptional, IsString, Max, Min, MinLength, ValidateNested } from 'class-validator';
import { AuthUser } from 'src/common/auth/auth-user';
import { Authenticated, CurrentUser, Public, RequireTwoFactor } from 'src/common/auth/auth.decorators';
import { QuotaService } from 'src/modules/users/quota.service';
import { UsersModule } from 'src/modules/users/users.module';
import {
  CurrentOrg,
  OrgContext,
  RequirePermission,
  RequiresFeature,
} from 'src/modules/organizations/organization.decorators';
import { OrganizationsModule } from 'src/modules/organizations/organizations.module';
import { OrgPermission } from 'src/modules/organizations/organizations.permissions';
import { Feature, QuotaKey } from 'src/modules/organizations/plans';
import { UsageService } from 'src/modules/organizations/usage.service';

class ProbeAddressDto {
  @IsString()
  @MinLength(2)
  city!: string;
}

class ProbeBodyDto {
  @IsEmail()
  email!: string;

  @IsInt()
  @Min(1)
  @Max(10)
  count!: number;

  @IsOptional()
  @ValidateNested()
  @Type(() => ProbeAddressDto)
  address?: ProbeAddressDto;

  @IsOptional()
  @IsString()
  note?: string;
}

/**
 * Test-only routes that exercise the global pipeline (validation, body limit, error mapping) the way domain
 * routes will. Mounted by the e2e tests only; not part of the application.
 */
@Public()
@Controller('test-probe')
class ProbeController {
  @Post('echo')
  echo(@Body() body: ProbeBodyDto): ProbeBodyDto {
    return body;
  }

  @Post('crash')
  crash(): never {
    throw new Error('database password is hunter2');
  }
}

/** Fixture routes standing in for the sensitive and metered routes later modules add. */
@Authenticated()
@Controller('test-probe/secure')
class SecureProbeController {
  constructor(private readonly quotas: QuotaService) {}

  @Post('step-up')
  @RequireTwoFactor()
  @HttpCode(200)
  stepUp(@CurrentUser() user: AuthUser): { userId: string } {
    return { userId: user.id };
  }

  @Post('consume-import')
  @HttpCode(200)
  async consume(@CurrentUser() user: AuthUser): Promise<{ ok: true }> {
    await this.quotas.consume(user.id, 'imports');
    return { ok: true };
  }
}

/** Stand-ins for plan-gated and metered routes of later modules (campaign sends). */
@Authenticated()
@Controller('test-probe/org')
class OrgProbeController {
  constructor(private readonly usage: UsageService) {}

  @Post('campaign-send')
  @RequirePermission(OrgPermission.OrgRead)
  @RequiresFeature(Feature.Campaigns)
  @HttpCode(200)
  gated(): { ok: true } {
    return { ok: true };
  }

  @Post('consume-sends')
  @RequirePermission(OrgPermission.OrgRead)
  @HttpCode(200)
  async consume(@CurrentOrg() org: OrgContext): Promise<{ ok: true }> {
    await this.usage.consume(org.id, QuotaKey.CampaignSendsPerMonth, 100);
    return { ok: true };
  }
}

@Module({
  imports: [UsersModule, OrganizationsModule],
  controllers: [ProbeController, SecureProbeController, OrgProbeController],
})
export class ProbeModule {}
