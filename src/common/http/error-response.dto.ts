import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The one error envelope every failed request returns. */
export class ErrorResponseDto {
  @ApiProperty({ example: 400 })
  statusCode!: number;

  @ApiProperty({ example: 'VALIDATION_FAILED', description: 'Stable machine-readable error code' })
  code!: string;

  @ApiProperty({ example: 'Request validation failed' })
  message!: string;

  @ApiPropertyOptional({
    description: 'Extra detail; for VALIDATION_FAILED a list of { field, errors } naming each bad field',
    example: [{ field: 'email', errors: ['email must be an email'] }],
  })
  details?: unknown;

  @ApiProperty({ example: '7f0c2a7e-3c2e-4c53-9b55-0a3b5a8f1d2e', description: 'Echoes the X-Request-Id header' })
  requestId!: string;
}
