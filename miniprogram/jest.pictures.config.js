/* `npm run pictures` / `make miniprogram-pictures`: draw every page against a local stack (not part of `jest`). */
const base = require('./jest.config')

const common = { ...base.projects[1] }
delete common.displayName
module.exports = { ...common, testTimeout: 300000, testMatch: ['<rootDir>/tests/pictures/**/*.test.js'] }
