/* A wx backed by real HTTP for the smoke journey: wx.request over Node's fetch (success for every HTTP
 * answer, 4xx included; fail only when the network fails, as WeChat does), wx.connectSocket over a real
 * WebSocket (the `ws` client) with WeChat's SocketTask, wx.login handing out test-<name>.<n> codes the local
 * WeChat simulator accepts, and wx.requestPayment playing the guest's tap in the WeChat Pay simulator with the
 * prepay id (state.payment 'cancel': the guest closes the sheet; 'hold': paid at once, but the sheet's success
 * callback waits in state.heldPayments until the test calls it, as when WeChat's notification overtakes the
 * closing sheet). Everything else is the fake of the component tests.
 *
 * What the client saw, in order, for the journey to reason about: state.requests (every request as sent),
 * state.responses (each answer as handed to the page: key, url, statusCode, data), state.sockets (each
 * SocketTask with its url, `received` messages and `sent` ones) and state.pushes (every socket message handed
 * to the page, with `before` and `after`: what state.watch() returned just before and just after the page's
 * onMessage ran, when the test set state.watch). */
const { createFakeWx } = require('../fake-wx')

/** WeChat's SocketTask over a real WebSocket: the listeners get WeChat's shapes (onOpen {header, profile},
 * onMessage {data}, onClose {code, reason}, onError {errMsg}); send/close take {success, fail, complete}. */
function createSocketTask(state, args) {
  const listeners = { open: [], message: [], close: [], error: [] }
  const emit = (kind, res) => listeners[kind].slice().forEach((fn) => fn(res))
  const socket = new global.NodeWebSocket(args.url, args.protocols || [], { headers: args.header || {}, handshakeTimeout: args.timeout || 30000 })
  const task = {
    url: args.url, received: [], sent: [], closed: false,
    get readyState() { return socket.readyState },
    onOpen: (fn) => { listeners.open.push(fn) },
    onMessage: (fn) => { listeners.message.push(fn) },
    onClose: (fn) => { listeners.close.push(fn) },
    onError: (fn) => { listeners.error.push(fn) },
    send({ data, success, fail, complete } = {}) {
      const done = (res, cb) => { if (cb) cb(res); if (complete) complete(res) }
      if (socket.readyState !== socket.OPEN) {
        done({ errMsg: 'sendSocketMessage:fail WebSocket is not connected' }, fail)
        return
      }
      socket.send(data, (error) => {
        if (error) done({ errMsg: `sendSocketMessage:fail ${error.message}` }, fail)
        else {
          task.sent.push(typeof data === 'string' ? JSON.parse(data) : data)
          done({ errMsg: 'sendSocketMessage:ok' }, success)
        }
      })
    },
    close({ code = 1000, reason = '', success, complete } = {}) {
      task.closed = true
      try { socket.close(code, reason) } catch (e) { socket.terminate() }
      const res = { errMsg: 'closeSocket:ok' }
      if (success) success(res)
      if (complete) complete(res)
    },
  }
  socket.on('open', () => emit('open', { header: {}, profile: {} }))
  socket.on('message', (raw, isBinary) => {
    const data = isBinary ? raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength) : raw.toString()
    let message = data
    try { message = JSON.parse(data) } catch (e) { /* not JSON: as it came */ }
    task.received.push(message)
    const push = { url: args.url, message }
    if (state.watch) push.before = state.watch()
    emit('message', { data })
    if (state.watch) push.after = state.watch()
    state.pushes.push(push)
  })
  socket.on('error', (error) => emit('error', { errMsg: `connectSocket:fail ${error.message}` }))
  socket.on('close', (code, reason) => { task.closed = true; emit('close', { code, reason: reason.toString() }) })
  return task
}

function createRealWx(base, guest) {
  const wx = createFakeWx()
  const state = wx.__state
  state.responses = []
  state.pushes = []
  state.heldPayments = []
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
        state.responses.push({ key: `${method} ${new URL(args.url).pathname}`, url: args.url, statusCode: res.status, data })
        args.success({ statusCode: res.status, data, header: Object.fromEntries(res.headers) })
      }, (error) => args.fail({ errMsg: `request:fail ${error.message}` }))
  }
  wx.connectSocket = (args) => {
    state.calls.push({ name: 'connectSocket', args })
    const task = createSocketTask(state, args)
    state.sockets.push(task)
    const res = { errMsg: 'connectSocket:ok' }
    setTimeout(() => { if (args.success) args.success(res); if (args.complete) args.complete(res) }, 0)
    return task
  }
  wx.requestPayment = (args) => {
    state.calls.push({ name: 'requestPayment', args })
    if (state.payment === 'cancel') { args.fail({ errMsg: 'requestPayment:fail cancel' }); return }
    const prepayId = args.package.replace(/^prepay_id=/, '')
    global.nodeFetch(`${base}/sim/wxpay/pay`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ prepay_id: prepayId }) })
      .then((res) => {
        if (res.status !== 200) { args.fail({ errMsg: `requestPayment:fail ${res.status}` }); return }
        const done = () => args.success({ errMsg: 'requestPayment:ok' })
        if (state.payment === 'hold') state.heldPayments.push(done) // paid; the sheet answers when the test says
        else done()
      },
        (error) => args.fail({ errMsg: `requestPayment:fail ${error.message}` }))
  }
  return wx
}

module.exports = { createRealWx }
