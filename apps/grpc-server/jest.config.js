module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'grpc-server',
  globalSetup: '@meterusage/testing/global-setup',
  globalTeardown: '@meterusage/testing/global-teardown',
};
