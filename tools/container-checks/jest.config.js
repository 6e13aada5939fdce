module.exports = { ...require('../../jest.preset.js'), displayName: 'container-checks' };
