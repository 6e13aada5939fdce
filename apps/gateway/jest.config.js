module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'gateway',
  globalSetup: '@meterusage/testing/global-setup',
  globalTeardown: '@meterusage/testing/global-teardown',
};
