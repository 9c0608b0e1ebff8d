import { IsInt, IsString, MaxLength, registerDecorator, validate } from 'class-validator';
import { memoiseValidationMetadata } from './validation-metadata';

class Base {
  @IsString()
  name!: string;
}

class Child extends Base {
  @IsInt()
  count!: number;
}

describe(memoiseValidationMetadata.name, () => {
  beforeAll(() => memoiseValidationMetadata());

  it('should keep inherited rules and each class its own', async () => {
    const child = Object.assign(new Child(), { name: 1, count: 'x' });
    expect((await validate(child)).map((e) => e.property).sort()).toEqual(['count', 'name']);
    const base = Object.assign(new Base(), { name: 1, count: 'x' });
    expect((await validate(base)).map((e) => e.property)).toEqual(['name']);
  });

  it('should apply a rule added after a class was first validated', async () => {
    const child = Object.assign(new Child(), { name: 'a'.repeat(10), count: 1 });
    expect(await validate(child)).toEqual([]);
    MaxLength(5)(Child.prototype, 'name');
    registerDecorator({
      target: Child,
      propertyName: 'count',
      validator: { validate: (value: unknown) => Number(value) > 1 },
    });
    expect((await validate(child)).map((e) => e.property).sort()).toEqual(['count', 'name']);
  });
});
