/**
 * End-to-end tests (`test/e2e`: the whole AppModule over real HTTP) and integration tests (`test/integration`:
 * repositories and their SQL, through `test/support/orm.ts`) against a real PostgreSQL and Redis, which
 * test/setup/global-setup.ts starts on free ports (and global-teardown.ts stops). Needs `npm run build` first:
 * the setup applies the migrations with the same compiled CLI production uses.
 */
module.exports = {
  rootDir: '..',
  testEnvironment: 'node',
  setupFiles: ['reflect-metadata'],
  roots: ['<rootDir>/test'],
  testRegex: '\\.(e2e|integration)-spec\\.ts$',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/test/tsconfig.jest.json' }],
    // ES-module-only dependencies (content-disposition@3, under @fastify/static) compiled to CommonJS for jest.
    '^.+\\.js$': ['ts-jest', { tsconfig: '<rootDir>/test/tsconfig.jest.json' }],
  },
  transformIgnorePatterns: ['/node_modules/(?!content-disposition/)'],
  moduleNameMapper: { '^src/(.*)$': '<rootDir>/src/$1' },
  globalSetup: '<rootDir>/test/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
  testTimeout: 60000,
  maxWorkers: 1,
};
