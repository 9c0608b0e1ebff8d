import { Body, Controller, HttpCode, Module, Post } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsEmail, IsInt, IsOptional, IsString, Max, Min, MinLength, ValidateNested } from 'class-validator';
import { AuthUser } from 'src/common/auth/auth-user';
import { Authenticated, CurrentUser, Public, RequireTwoFactor } from 'src/common/auth/auth.decorators';
import { QuotaService } from 'src/modules/users/quota.service';
import { UsersModule } from 'src/modules/users/users.module';

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

@Module({ imports: [UsersModule], controllers: [ProbeController, SecureProbeController] })
export class ProbeModule {}
