/* A wx backed by real HTTP for the smoke journey: wx.request over Node's fetch (success for every HTTP
 * answer, 4xx included; fail only when the network fails, as WeChat does), wx.login handing out
 * test-<name>.<n> codes the local WeChat simulator accepts, and wx.requestPayment playing the guest's tap in
 * the WeChat Pay simulator with the prepay id. Everything else is the fake of the component tests. */
const { createFakeWx } = require('../fake-wx')

function createRealWx(base, guest) {
  const wx = createFakeWx()
  const state = wx.__state
  let codes = 0
  wx.login = (args) => {
    codes += 1
    args.success({ code: `test-${guest}.${Date.now().toString(36)}${codes}` })
  }
  wx.request = (args) => {
    const method = (args.method || 'GET').toUpperCase()
    const body = method === 'GET' || args.data === undefined ? undefined : JSON.stringify(args.data)
    state.requests.push({ ...args, key: `${method} ${new URL(args.url).pathname}` })
    global.nodeFetch(args.url, { method, headers: args.header || {}, body, signal: AbortSignal.timeout(args.timeout || 30000) })
      .then(async (res) => {
        const text = await res.text()
        let data = text
        try { data = text ? JSON.parse(text) : '' } catch (e) { /* not JSON: as text */ }
        args.success({ statusCode: res.status, data, header: Object.fromEntries(res.headers) })
      }, (error) => args.fail({ errMsg: `request:fail ${error.message}` }))
  }
  wx.requestPayment = (args) => {
    state.calls.push({ name: 'requestPayment', args })
    if (state.payment === 'cancel') { args.fail({ errMsg: 'requestPayment:fail cancel' }); return }
    const prepayId = args.package.replace(/^prepay_id=/, '')
    global.nodeFetch(`${base}/sim/wxpay/pay`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ prepay_id: prepayId }) })
      .then((res) => (res.status === 200 ? args.success({ errMsg: 'requestPayment:ok' }) : args.fail({ errMsg: `requestPayment:fail ${res.status}` })),
        (error) => args.fail({ errMsg: `requestPayment:fail ${error.message}` }))
  }
  return wx
}

module.exports = { createRealWx }
