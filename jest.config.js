/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // swc strips types only; `npm run typecheck` (tsgo) checks them, once, for the whole tree.
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }] },
  // Synthesis is CPU-bound and memory-hungry: two workers match this 2-core, CI-sized machine.
  maxWorkers: 2,
  testTimeout: 60_000,
  // One DynamoDB Local (Java) per run for the handler tests against a real engine; stopped by pid.
  globalSetup: '<rootDir>/test/helpers/dynamodb-local-setup.ts',
  globalTeardown: '<rootDir>/test/helpers/dynamodb-local-teardown.ts',
};
