// Shared jest settings: TypeScript through swc (type checking is the typecheck target's job),
// and workspace libs resolved from their sources via the @meterusage/source export condition.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const swcConfig = JSON.parse(readFileSync(join(__dirname, '.swcrc'), 'utf8'));
delete swcConfig.$schema;

module.exports = {
  testEnvironment: 'node',
  testEnvironmentOptions: { customExportConditions: ['@meterusage/source', 'node', 'require', 'default'] },
  transform: { '^.+\\.ts$': ['@swc/jest', { ...swcConfig, swcrc: false }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
  // Many tests start real processes and databases; on a busy 2-core machine (CI runs every
  // project's suite back to back) a test that takes 4 s alone can take well over jest's default
  // 5 s. Tests that need more still say so themselves.
  testTimeout: 30_000,
};
