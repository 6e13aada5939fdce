module.exports = require('../../jest.test-kinds.js').testKinds(__dirname);
