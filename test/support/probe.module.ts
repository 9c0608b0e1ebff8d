import { Body, Controller, Module, Post } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsEmail, IsInt, IsOptional, IsString, Max, Min, MinLength, ValidateNested } from 'class-validator';

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

@Module({ controllers: [ProbeController] })
export class ProbeModule {}
