module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'production-smoke',
  globalSetup: '@meterusage/testing/global-setup',
  globalTeardown: '@meterusage/testing/global-teardown',
};
