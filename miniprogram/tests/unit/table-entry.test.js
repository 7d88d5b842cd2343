const { render, waitFor, text, tap, state } = require('../helpers')
const { menu, payParams } = require('../fixtures')

const PAGE = 'table/entry/entry'
const SCENE = 'sh-jingan.A3.9YngqwzSfsr'
const SID = '48f2331e6d920c8c'

function cart(overrides = {}) {
  return { session_id: SID, store_id: 'sh-jingan', table_no: 'A3', status: 'open', mode: 'pay_first', version: 3, round_count: 0,
    guests: ['erin', 'frank'], you: 'erin',
    lines: [{ line_id: 'l1', dish_id: 'd-gongbao', qty: 1, options: ['spicy-mild'], added_by: 'frank', mine: false }], rounds: [], ...overrides }
}

beforeEach(() => {
  wx.__reset()
  wx.__state.payment = 'ok'
  wx.setStorageSync('diancan.token', 'tok')
  wx.__route('GET /menu/stores/sh-jingan/menu', { status: 200, data: menu() })
  wx.__route('POST /tables/tables/sessions', (req) => (req.data.scene === SCENE
    ? { status: 200, data: { session_id: SID, store_id: 'sh-jingan', table_no: 'A3', table_name: 'A3', store_name: '小馆子·静安店', mode: 'pay_first' } }
    : { status: 404, data: { code: 'TABLE_NOT_FOUND', message: '桌码无效' } }))
  wx.__route(`GET /tables/tables/sessions/${SID}/cart`, { status: 200, data: cart() })
  wx.__route(`GET /tables/tables/sessions/${SID}/bill`, { status: 200, data: { rounds: [], orders: [], unpaid: false } })
})

test('the scene from the QR code is decoded in onLoad and joins the table; the shared cart shows who added what', async () => {
  const page = render(PAGE)
  page.instance.onLoad({ scene: encodeURIComponent(SCENE) })
  expect(state(page, 'loading')).toBeTruthy()
  await waitFor(() => page.querySelector('#table-head'))
  expect(wx.__state.requests[0].data).toEqual({ scene: SCENE })
  expect(text(page, '#table-head')).toMatch(/小馆子·静安店 · A3.*同桌 erin、frank.*先付后吃/)
  expect(text(page, '.line')).toMatch(/宫保鸡丁 ×1.*微辣 frank 点/)
  await tap(page, '#add-dishes')
  expect(wx.__called('navigateTo')[0].args.url).toMatch(/^\/pages\/menu\/menu\?store_id=sh-jingan&session=48f2331e6d920c8c&table=/)
  page.instance.onUnload()
})

test('sending a round sends the cart version and pays first when the store says so', async () => {
  wx.__route(`POST /tables/tables/sessions/${SID}/rounds`, { status: 200, data: { round: { round_no: 1, order_id: 'o-r1', lines: [], items_fen: 3800 }, pay_params: payParams } })
  wx.__route('POST /orders/orders/o-r1/sync-payment', { status: 200, data: {} })
  const page = render(PAGE)
  page.instance.onLoad({ scene: encodeURIComponent(SCENE) })
  await waitFor(() => page.querySelector('#send-round'))
  await tap(page, '#send-round')
  await waitFor(() => wx.__state.requests.some((r) => r.key.endsWith('/sync-payment')))
  expect(wx.__state.requests.find((r) => r.key.endsWith('/rounds')).data).toEqual({ version: 3 })
  expect(wx.__called('requestPayment')[0].args.package).toBe('prepay_id=wx-1')
  page.instance.onUnload()
})

test('pay after: rounds go on the tab and the table checks out at the end', async () => {
  wx.__route(`GET /tables/tables/sessions/${SID}/cart`, { status: 200, data: cart({ mode: 'pay_after', lines: [] }) })
  wx.__route(`GET /tables/tables/sessions/${SID}/bill`, { status: 200, data: { rounds: [{ round_no: 1, order_id: 'tab-1', items_fen: 3800, lines: [{ name: '宫保鸡丁', qty: 1 }] }], orders: [{ order_id: 'tab-1', status: 'PENDING_PAYMENT', total_fen: 3800 }], unpaid: true } })
  wx.__route(`POST /tables/tables/sessions/${SID}/checkout`, { status: 200, data: { order_id: 'tab-1', paid: false, pay_params: payParams } })
  wx.__route('POST /orders/orders/tab-1/sync-payment', { status: 200, data: {} })
  const page = render(PAGE)
  page.instance.onLoad({ scene: encodeURIComponent(SCENE) })
  await waitFor(() => page.querySelector('#checkout'))
  expect(text(page, '#table-head')).toContain('先吃后付')
  expect(text(page, '#rounds')).toMatch(/第1轮.*待支付.*宫保鸡丁×1.*¥38.00/)
  expect(text(page, '#cart-empty')).toContain('桌上购物车是空的')
  await tap(page, '#checkout')
  await waitFor(() => wx.__called('requestPayment').length)
  page.instance.onUnload()
})

test('a missing or unknown code says so', async () => {
  const none = render(PAGE)
  none.instance.onLoad({})
  expect(state(none, 'error').dom.textContent).toContain('这个桌码无法识别')
  const bad = render(PAGE)
  bad.instance.onLoad({ scene: 'nope' })
  await waitFor(() => state(bad, 'error'))
  expect(state(bad, 'error').dom.textContent).toContain('这个桌码无法识别')
})
