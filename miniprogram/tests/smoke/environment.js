/* jsdom for miniprogram-simulate, plus Node's fetch (jsdom hides it) and the `ws` client (its package hands a
 * browser build that refuses to run under jsdom's export conditions) for the wx shim backed by the real stack. */
const { TestEnvironment } = require('jest-environment-jsdom')
const NodeWebSocket = require('ws')

class SmokeEnvironment extends TestEnvironment {
  async setup() {
    await super.setup()
    this.global.nodeFetch = fetch
    this.global.AbortSignal = AbortSignal
    this.global.NodeWebSocket = NodeWebSocket
  }
}

module.exports = SmokeEnvironment
