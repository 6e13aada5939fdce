// The four kinds of test, each a jest project of its own: an Nx target runs one kind
// (`jest --selectProjects unit`, see nx.json's test-* targets) and plain `jest` runs them all.
const preset = require('./jest.preset.js');

const KINDS = {
  /** Hermetic, beside the code: no database, no process, no network. */
  unit: { testMatch: ['<rootDir>/src/**/*.test.ts'] },
  /** Against a real PostgreSQL and real gRPC/HTTP servers on port 0. */
  integration: {
    testMatch: ['<rootDir>/test/**/*.test.ts'],
    testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/faults/', '\\.browser\\.test\\.ts$'],
  },
  /** The real dashboard in Chromium. */
  browser: { testMatch: ['<rootDir>/test/**/*.browser.test.ts'] },
  /** Processes and databases stopped, killed and restarted under the code's feet. */
  faults: { testMatch: ['<rootDir>/test/faults/**/*.test.ts'] },
};

/**
 * A project's jest config with one jest project per kind of test.
 * `database`: the non-unit kinds get a PostgreSQL through @meterusage/testing's global setup.
 * `unitRoots`: more folders (beside src/) whose *.test.ts files are unit tests.
 */
function testKinds(rootDir, { database = false, unitRoots = [] } = {}) {
  const projects = Object.entries(KINDS).map(([kind, selection]) => {
    const project = { ...preset, rootDir, displayName: kind, ...selection };
    if (kind === 'unit') {
      project.testMatch = [...selection.testMatch, ...unitRoots.map((root) => `<rootDir>/${root}/**/*.test.ts`)];
    } else if (database) {
      project.globalSetup = '@meterusage/testing/global-setup';
      project.globalTeardown = '@meterusage/testing/global-teardown';
    }
    return project;
  });
  // testTimeout is read from the top-level config only, not from each project's.
  return { testTimeout: preset.testTimeout, projects };
}

module.exports = { testKinds };
