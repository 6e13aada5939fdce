// The dashboard's pure modules (dashboard/src) are unit-tested beside the server's.
module.exports = require('../../jest.test-kinds.js').testKinds(__dirname, { database: true, unitRoots: ['dashboard/src'] });
