import { AppRole, ConfigValidationError, validateEnv } from './env.schema';

const REQUIRED = {
  DATABASE_URL: 'postgres://u:p@localhost:5432/db',
  REDIS_URL: 'redis://localhost:6379',
  JWT_SECRET: 'x'.repeat(32),
  ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
};

describe(validateEnv.name, () => {
  it('should apply defaults and convert types', () => {
    const sut = validateEnv({ ...REQUIRED, PORT: '8080', TRUST_PROXY: 'true' });
    expect(sut).toMatchObject({ PORT: 8080, TRUST_PROXY: true, APP_ROLE: AppRole.All, RATE_LIMIT_MAX: 300 });
  });

  it('should name every missing required variable', () => {
    expect(() => validateEnv({})).toThrow(ConfigValidationError);
    try {
      validateEnv({});
    } catch (error) {
      const variables = (error as ConfigValidationError).problems.map((p) => p.variable);
      expect(variables).toEqual(expect.arrayContaining(['DATABASE_URL', 'REDIS_URL']));
    }
  });

  it('should reject malformed values', () => {
    expect(() => validateEnv({ ...REQUIRED, PORT: 'abc' })).toThrow(/PORT/);
    expect(() => validateEnv({ ...REQUIRED, APP_ROLE: 'both' })).toThrow(/APP_ROLE/);
    expect(() => validateEnv({ ...REQUIRED, SMTP_URL: 'http://mail' })).toThrow(/SMTP_URL/);
    expect(() => validateEnv({ ...REQUIRED, TRUST_PROXY: 'maybe' })).toThrow(/TRUST_PROXY/);
  });

  it('should check only the given variables when asked', () => {
    expect(validateEnv({ DATABASE_URL: REQUIRED.DATABASE_URL }, ['DATABASE_URL']).DATABASE_URL).toBe(
      REQUIRED.DATABASE_URL,
    );
  });
});
