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
    description:
      'Extra detail. For VALIDATION_FAILED (and other invalid-input codes) a list of { field, errors } naming each ' +
      'bad field; other codes may send an object with context (e.g. { field }, { line, entry } or readiness checks)',
    oneOf: [
      {
        type: 'array',
        description: 'One entry per field that failed validation',
        items: {
          type: 'object',
          required: ['field', 'errors'],
          properties: {
            field: { type: 'string', description: 'Dotted path of the field', example: 'email' },
            errors: { type: 'array', items: { type: 'string' }, description: 'Every rule the field broke' },
          },
        },
      },
      { type: 'object', additionalProperties: true, description: 'Context of the error, depending on its code' },
    ],
    example: [{ field: 'email', errors: ['email must be an email'] }],
  })
  details?: unknown;

  @ApiProperty({ example: '7f0c2a7e-3c2e-4c53-9b55-0a3b5a8f1d2e', description: 'Echoes the X-Request-Id header' })
  requestId!: string;
}
