// Jest runs the browser tests in e2e/ against the built product, compiling TypeScript with the
// same SWC transform as the API tests. The global set-up starts `node dist/api/main.js` and
// builds nothing, so run `npm run build` first.
const root = require('../jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
  rootDir: '..',
  testEnvironment: 'node',
  roots: ['<rootDir>/e2e'],
  testMatch: ['**/*.test.ts'],
  transform: root.transform,
  transformIgnorePatterns: root.transformIgnorePatterns,
  moduleNameMapper: root.moduleNameMapper,
  globalSetup: '<rootDir>/e2e/support/global-setup.ts',
  globalTeardown: '<rootDir>/e2e/support/global-teardown.ts',
  // One Chromium at a time, because the uploads are throttled and CI machines have 2 cores.
  maxWorkers: 1,
  testTimeout: 180_000,
};
