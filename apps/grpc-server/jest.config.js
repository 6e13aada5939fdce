module.exports = { ...require('../../jest.preset.js'), displayName: 'grpc-server', globalSetup: '<rootDir>/test/support/global-setup.js' };
