/* Two projects: component/page tests under jsdom with a fake wx, and the smoke journey against the real
 * local stack (a custom environment hands Node's fetch through, which jsdom hides). */
const common = {
  transform: { '\\.js$': 'babel-jest' },
  transformIgnorePatterns: ['/node_modules/(?!tdesign-miniprogram)'],
  setupFiles: ['<rootDir>/tests/setup.js'],
  setupFilesAfterEnv: ['<rootDir>/tests/after-env.js'],
}

module.exports = {
  testTimeout: 20000,
  projects: [
    { ...common, displayName: 'components', testEnvironment: 'jsdom', testMatch: ['<rootDir>/tests/unit/**/*.test.js'] },
    {
      ...common,
      displayName: 'smoke',
      testEnvironment: '<rootDir>/tests/smoke/environment.js',
      testMatch: ['<rootDir>/tests/smoke/**/*.test.js'],
    },
  ],
}
