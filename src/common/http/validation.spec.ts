import { ValidationError } from '@nestjs/common';
import { flattenValidationErrors } from './validation';

const error = (
  property: string,
  constraints?: Record<string, string>,
  children: ValidationError[] = [],
): ValidationError => ({ property, constraints, children });

describe(flattenValidationErrors.name, () => {
  it('should name nested fields with a dotted path', () => {
    const sut = flattenValidationErrors([
      error('email', { isEmail: 'email must be an email' }),
      error('address', undefined, [error('city', { minLength: 'city is too short' })]),
      error('items', undefined, [error('0', undefined, [error('qty', { min: 'qty must not be less than 1' })])]),
    ]);
    expect(sut).toEqual([
      { field: 'email', errors: ['email must be an email'] },
      { field: 'address.city', errors: ['city is too short'] },
      { field: 'items.0.qty', errors: ['qty must not be less than 1'] },
    ]);
  });
});
