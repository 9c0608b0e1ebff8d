/** Unit tests: `*.spec.ts` next to the source; pure functions, no services. */
module.exports = {
  rootDir: '..',
  testEnvironment: 'node',
  setupFiles: ['reflect-metadata'],
  roots: ['<rootDir>/src', '<rootDir>/scripts'],
  testRegex: '\\.spec\\.ts$',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/test/tsconfig.jest.json' }] },
  moduleNameMapper: { '^src/(.*)$': '<rootDir>/src/$1' },
};
