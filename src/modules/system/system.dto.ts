import { ApiProperty } from '@nestjs/swagger';

export class SystemInfoDto {
  @ApiProperty({ example: 'switchboard' })
  name!: string;

  @ApiProperty({ example: '0.1.0' })
  version!: string;

  @ApiProperty({ example: 'v1' })
  apiVersion!: string;

  @ApiProperty({ description: 'Server clock (ISO 8601, UTC), for clients to measure their skew' })
  serverTime!: string;
}
