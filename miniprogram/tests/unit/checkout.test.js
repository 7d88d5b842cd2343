const { render, waitFor, text, tap, state, settle } = require('../helpers')
const { store, quote, order, payParams } = require('../fixtures')

const PAGE = 'order/checkout/checkout'
const CART = { storeId: 'sh-jingan', mode: 'takeout', lines: [{ key: 'd-cola|', dish_id: 'd-cola', name: '可乐', options: [], option_names: '', qty: 2 }] }
const COUPON = { coupon_id: 'cp-1', name: '新客券', status: 'available' }

beforeEach(() => {
  wx.__reset()
  wx.__state.payment = 'ok'
  wx.setStorageSync('diancan.token', 'tok')
  wx.setStorageSync('diancan.store.sh-jingan', store)
  wx.setStorageSync('diancan.cart.sh-jingan', CART)
  wx.__route('GET /orders/me', { status: 200, data: { points: 120, coupons: [COUPON] } })
})

function open() {
  const page = render(PAGE)
  page.instance.onLoad({ store_id: 'sh-jingan' })
  return page
}

const serverQuote = quote(1100, {
  lines: [{ name: '可乐', qty: 2, options: [], line_total_fen: 1000 }], items_fen: 1000, packing_fee_fen: 100,
  discounts: [{ kind: 'full_reduction', label: '满10减1', amount_fen: 100 }], discount_fen: 100, explain: ['满10减1 -1.00'],
})

test('shows the server quote: lines, fees, the offers it chose with its explanation, the total', async () => {
  wx.__route('POST /place_order/quote', { status: 200, data: { ...serverQuote, total_fen: 1000 } })
  const page = open()
  await waitFor(() => page.querySelector('#quote'))
  expect(text(page, '#quote')).toContain('满10减1')
  expect(text(page, '#explain')).toBe('满10减1 -1.00')
  expect(text(page, '#total')).toBe('¥10.00')
  expect(text(page, '#coupon')).toContain('已为你选择最优')
  expect(text(page, '#points')).toContain('可用积分 120')
})

test('empty cart is the empty state; a refused quote is shown and blocks paying', async () => {
  wx.setStorageSync('diancan.cart.sh-jingan', { ...CART, lines: [] })
  const empty = open()
  expect(state(empty, 'empty')).toBeTruthy()
  wx.setStorageSync('diancan.cart.sh-jingan', CART)
  wx.__route('POST /place_order/quote', { status: 409, data: { code: 'DISH_UNAVAILABLE', message: '可乐已售罄' } })
  const page = open()
  await waitFor(() => page.querySelector('#quote-error'))
  expect(text(page, '#quote-error')).toBe('可乐已售罄')
  await tap(page, '#pay')
  expect(wx.__state.requests.some((r) => r.key === 'POST /place_order/orders')).toBe(false)
})

test('delivery: out-of-range address refused clearly; pre-order time and coupon go to the server', async () => {
  wx.setStorageSync('diancan.addresses', [{ contact: '王', phone: '13812345678', text: '北京', lat: 39.9, lng: 116.4 }])
  wx.__route('POST /place_order/quote', (req) => (req.data.mode === 'delivery'
    ? { status: 422, data: { code: 'OUT_OF_DELIVERY_RANGE', message: '收货地址距门店 1066.3 公里，超出配送范围' } }
    : { status: 200, data: serverQuote }))
  const page = open()
  await waitFor(() => page.querySelector('#quote'))
  await tap(page, '#mode-delivery')
  await waitFor(() => page.querySelector('#address-error'))
  expect(text(page, '#address-error')).toBe('收货地址距门店 1066.3 公里，超出配送范围')
  expect(page.querySelector('#quote')).toBeFalsy()
  await tap(page, '#mode-takeout')
  await waitFor(() => page.querySelector('#quote'))
  expect(page.instance.data.slotLabels[0]).toBe('立即自取')
  page.instance.onSlot({ detail: { value: 1 } })
  page.instance.onCoupon({ detail: { value: 1 } })
  page.instance.onPoints({ detail: { value: true } })
  await settle()
  const body = wx.__state.requests.filter((r) => r.key === 'POST /place_order/quote').pop().data
  expect(body.pickup_at).toMatch(/\+08:00$/)
  expect(body.coupon_id).toBe('cp-1')
  expect(body.use_points).toBe(120)
})

test('pay: subscription asked before the request, one Idempotency-Key reused on retry, pay_params to requestPayment', async () => {
  wx.__route('POST /place_order/quote', { status: 200, data: serverQuote })
  let attempts = 0
  wx.__route('POST /place_order/orders', () => {
    attempts += 1
    return attempts === 1 ? { networkError: true } : { status: 201, data: order({ pay_params: payParams }) }
  })
  wx.__route('POST /orders/orders/26120506541719A6B920/sync-payment', { status: 200, data: order({ status: 'PAID' }) })
  const page = open()
  await waitFor(() => page.querySelector('#quote'))
  await tap(page, '#pay')
  await waitFor(() => !page.instance.data.paying)
  expect(wx.__called('showToast').pop().args.title).toBe('网络不太好，请检查网络后重试')
  await tap(page, '#pay')
  await waitFor(() => wx.__called('redirectTo').length)
  const placed = wx.__state.requests.filter((r) => r.key === 'POST /place_order/orders')
  expect(placed).toHaveLength(2)
  expect(placed[0].header['Idempotency-Key']).toBe(placed[1].header['Idempotency-Key'])
  const names = wx.__state.calls.map((c) => c.name)
  expect(names.indexOf('requestSubscribeMessage')).toBeLessThan(names.indexOf('requestPayment'))
  expect(wx.__called('requestPayment')[0].args).toMatchObject({ package: 'prepay_id=wx-1', signType: 'RSA', paySign: 's' })
  expect(wx.__called('redirectTo')[0].args.url).toBe('/order/detail/detail?order_id=26120506541719A6B920')
  expect(wx.getStorageSync('diancan.cart.sh-jingan').lines).toHaveLength(0)
  expect(wx.__state.requests.some((r) => r.key.endsWith('/sync-payment'))).toBe(true)
})

test('a cancelled payment sheet is not an error: the order waits in its detail page', async () => {
  wx.__state.payment = 'cancel'
  wx.__route('POST /place_order/quote', { status: 200, data: serverQuote })
  wx.__route('POST /place_order/orders', { status: 201, data: order({ pay_params: payParams }) })
  const page = open()
  await waitFor(() => page.querySelector('#quote'))
  const paying = page.instance.onPay()
  // synchronously inside the tap: the subscription is asked before anything is awaited
  expect(wx.__called('requestSubscribeMessage')).toHaveLength(1)
  // a takeout order: the pickup reminder, accepted and refunded (WeChat takes at most 3 per request)
  const { SUBSCRIBE_TEMPLATES } = require('../../src/config')
  expect(wx.__called('requestSubscribeMessage')[0].args.tmplIds).toEqual([SUBSCRIBE_TEMPLATES.ready, SUBSCRIBE_TEMPLATES.accepted, SUBSCRIBE_TEMPLATES.refunded])
  expect(wx.__state.requests.filter((r) => r.key === 'POST /place_order/orders')).toHaveLength(0)
  await paying
  await waitFor(() => wx.__called('redirectTo').length)
  expect(wx.__called('showToast').pop().args.title).toBe('已取消支付，可在订单中继续支付')
  expect(wx.__state.requests.some((r) => r.key.endsWith('/sync-payment'))).toBe(false)
})

test('the status messages asked for fit the order: a delivery order asks accepted, out for delivery and delivered', () => {
  const pay = require('../../src/lib/pay')
  const { SUBSCRIBE_TEMPLATES } = require('../../src/config')
  expect(pay.noticeTemplates('delivery')).toEqual([SUBSCRIBE_TEMPLATES.accepted, SUBSCRIBE_TEMPLATES.delivering, SUBSCRIBE_TEMPLATES.delivered])
  expect(pay.noticeTemplates('dine_in')).toEqual([SUBSCRIBE_TEMPLATES.accepted, SUBSCRIBE_TEMPLATES.refunded])
  for (const mode of ['takeout', 'delivery', 'dine_in', undefined]) expect(pay.noticeTemplates(mode).length).toBeLessThanOrEqual(3)
})
