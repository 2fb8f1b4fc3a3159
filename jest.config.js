// Tests run the handlers' SDK on the developer's Node.js 20; the functions run on Node.js 24 in
// Lambda, so the SDK's notice about Node.js 20 support is noise here (set before workers start).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// swc strips types only; `npm run typecheck` (tsgo) checks them, once, for the whole tree.
// jose ships ES modules only: swc turns them into CommonJS for Jest like our own sources.
const transform = {
  '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }],
  '^.+/node_modules/jose/.+\\.js$': [
    '@swc/jest',
    { jsc: { target: 'es2022' }, module: { type: 'commonjs' } },
  ],
};
const base = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  transform,
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
};
const serial = '<rootDir>/test/helpers/serial-runner.js';

/** @type {import('jest').Config} */
module.exports = {
  // Synthesis is CPU-bound and memory-hungry: two workers match this 2-core, CI-sized machine.
  maxWorkers: 2,
  // A hang guard, never a budget: tests are bounded by work (requests, retries), and a loaded
  // machine may take several times a quiet one's time.
  testTimeout: 600_000,
  reporters: [['<rootDir>/test/helpers/summary-reporter.js', {}]],
  projects: [
    {
      ...base,
      displayName: 'unit',
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '\\.(db|app|browser)\\.test\\.ts$'],
    },
    // Whole-app tests read one cached assembly per configuration variant (test/helpers/app-assembly.ts).
    { ...base, displayName: 'app', testMatch: ['**/*.app.test.ts'] },
    // One DynamoDB Local (Java) for the tier, started and stopped around it; files run one at a time.
    {
      ...base,
      displayName: 'db',
      testMatch: ['**/*.db.test.ts'],
      runner: serial,
      globalSetup: '<rootDir>/test/helpers/dynamodb-local-setup.ts',
      globalTeardown: '<rootDir>/test/helpers/dynamodb-local-teardown.ts',
    },
    { ...base, displayName: 'browser', testMatch: ['**/*.browser.test.ts'], runner: serial },
  ],
};
