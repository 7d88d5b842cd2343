/* jsdom for miniprogram-simulate, plus Node's fetch (jsdom hides it) for the wx shim backed by real HTTP. */
const { TestEnvironment } = require('jest-environment-jsdom')

class SmokeEnvironment extends TestEnvironment {
  async setup() {
    await super.setup()
    this.global.nodeFetch = fetch
    this.global.AbortSignal = AbortSignal
  }
}

module.exports = SmokeEnvironment
