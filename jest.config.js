// Two projects: `unit` needs nothing running; `integration` brings the real stack up
// through the project's own stack script (jest global setup) and reuses servers that already run.
const transform = {
  '^.+\\.(t|j)s$': [
    '@swc/jest',
    { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
  ],
};
const ignore = ['/node_modules/', '/.data/', '/dist/'];

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      displayName: 'unit',
      transform,
      testEnvironment: 'node',
      testMatch: ['<rootDir>/**/*.test.ts'],
      testPathIgnorePatterns: [...ignore, '\\.integration\\.test\\.ts$', '<rootDir>/test/'],
    },
    {
      displayName: 'integration',
      transform,
      testEnvironment: 'node',
      testMatch: ['<rootDir>/**/*.integration.test.ts', '<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ignore,
      globalSetup: '<rootDir>/test/global-setup.ts',
      globalTeardown: '<rootDir>/test/global-teardown.ts',
      slowTestThreshold: 30,
      // Real servers and processes on two shared cores: a test of a few hundred milliseconds when quiet can take
      // several seconds under load, and Jest's 5 s default then fails it (and leaves its state to the next test).
      testTimeout: 30_000,
    },
  ],
};
