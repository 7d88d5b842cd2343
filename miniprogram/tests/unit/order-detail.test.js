const { render, waitFor, text, tap, state } = require('../helpers')
const { order, payParams } = require('../fixtures')

const PAGE = 'order/detail/detail'
const ID = '26120506541719A6B920'

beforeEach(() => {
  wx.__reset()
  wx.__state.payment = 'ok'
  wx.setStorageSync('diancan.token', 'tok')
})

function open() {
  const page = render(PAGE)
  page.instance.onLoad({ order_id: ID })
  return page
}

afterEach(() => { /* stop timers of pages left open */ })

test('paid order: steps with times, big pickup number, queue position; polling stops on hide', async () => {
  jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] })
  try {
    wx.__route(`GET /orders/orders/${ID}`, { status: 200, data: order({ status: 'PREPARING', pickup_no: 17, orders_ahead: 2, estimated_ready_at: '2026-12-04T23:10:00Z', paid_at: '2026-12-04T22:54:18Z', history: [
      { status: 'PENDING_PAYMENT', at: '2026-12-04T22:54:17Z' }, { status: 'PAID', at: '2026-12-04T22:54:18Z' }, { status: 'PREPARING', at: '2026-12-04T22:54:19Z' }] }) })
    const page = open()
    await jest.advanceTimersByTimeAsync(10)
    expect(text(page, '#pickup-no')).toBe('17')
    expect(text(page, '#status')).toBe('制作中')
    expect(text(page, '#queue')).toBe('前面还有 2 单')
    expect(text(page, '#ready-around')).toBe('预计 07:10 左右出餐')
    expect(text(page, '#steps')).toMatch(/待支付.*06:54.*已支付.*06:54.*制作中.*请取餐.*已完成/)
    const reads = () => wx.__state.requests.filter((r) => r.key === `GET /orders/orders/${ID}`).length
    await jest.advanceTimersByTimeAsync(5100)
    expect(reads()).toBe(2) // still moving: polled
    page.instance.onHide()
    await jest.advanceTimersByTimeAsync(20000)
    expect(reads()).toBe(2) // hidden: no polling
  } finally {
    jest.useRealTimers()
  }
})

test('orders ahead and the ready time follow the kitchen on each poll, and go once the order is ready', async () => {
  jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] })
  try {
    const paid = { pickup_no: 17, paid_at: '2026-12-04T22:54:18Z' }
    wx.__route(`GET /orders/orders/${ID}`, { status: 200, data: order({ ...paid, status: 'PAID', orders_ahead: 3, estimated_ready_at: '2026-12-04T23:25:00Z' }) })
    const page = open()
    await jest.advanceTimersByTimeAsync(10)
    expect(text(page, '#queue')).toBe('前面还有 3 单')
    expect(text(page, '#ready-around')).toBe('预计 07:25 左右出餐')
    wx.__route(`GET /orders/orders/${ID}`, { status: 200, data: order({ ...paid, status: 'PREPARING', orders_ahead: 0, estimated_ready_at: '2026-12-04T23:12:00Z' }) })
    await jest.advanceTimersByTimeAsync(5100)
    expect(text(page, '#queue')).toBe('前面没有订单，马上为你制作')
    expect(text(page, '#ready-around')).toBe('预计 07:12 左右出餐')
    wx.__route(`GET /orders/orders/${ID}`, { status: 200, data: order({ ...paid, status: 'READY', orders_ahead: null, estimated_ready_at: null }) })
    await jest.advanceTimersByTimeAsync(5100)
    expect(page.querySelector('#queue')).toBeFalsy()
    expect(page.querySelector('#ready-around')).toBeFalsy()
    page.instance.onUnload()
  } finally {
    jest.useRealTimers()
  }
})

test('a completed order is not polled; refund status shown', async () => {
  jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] })
  try {
    wx.__route(`GET /orders/orders/${ID}`, { status: 200, data: order({ status: 'REFUNDED', refunded_fen: 1900 }) })
    const page = open()
    await jest.advanceTimersByTimeAsync(10)
    expect(text(page, '#refund')).toBe('已退款 ¥19.00')
    await jest.advanceTimersByTimeAsync(30000)
    expect(wx.__state.requests).toHaveLength(1)
    page.instance.onUnload()
  } finally {
    jest.useRealTimers()
  }
})

test('unpaid: countdown to the deadline, pay again (cancel is no error), cancel with confirmation', async () => {
  wx.__state.payment = 'cancel'
  wx.__route(`GET /orders/orders/${ID}`, { status: 200, data: order() })
  wx.__route(`POST /orders/orders/${ID}/pay`, { status: 200, data: { pay_params: payParams } })
  wx.__route(`POST /orders/orders/${ID}/cancel`, { status: 200, data: order({ status: 'CANCELLED' }) })
  const page = open()
  await waitFor(() => page.querySelector('#countdown'))
  expect(text(page, '#countdown')).toMatch(/^请在 (09|10):\d\d 内完成支付$/)
  await tap(page, '#pay-again')
  await waitFor(() => wx.__called('requestPayment').length)
  expect(wx.__called('requestSubscribeMessage')).toHaveLength(1)
  await waitFor(() => wx.__called('showToast').length)
  expect(wx.__called('showToast')[0].args.title).toBe('已取消支付，可在订单中继续支付')
  await tap(page, '#cancel')
  await waitFor(() => text(page, '#status') === '已取消')
  expect(page.querySelector('#pay-again')).toBeFalsy()
  page.instance.onUnload()
})

test('pay again succeeds: the order is synced with WeChat Pay and shows PAID with its number', async () => {
  wx.__route(`GET /orders/orders/${ID}`, { status: 200, data: order() })
  wx.__route(`POST /orders/orders/${ID}/pay`, { status: 200, data: { pay_params: payParams } })
  wx.__route(`POST /orders/orders/${ID}/sync-payment`, { status: 200, data: order({ status: 'PAID', pickup_no: 3 }) })
  const page = open()
  await waitFor(() => page.querySelector('#pay-again'))
  await tap(page, '#pay-again')
  await waitFor(() => text(page, '#status') === '已支付')
  expect(text(page, '#pickup-no')).toBe('3')
  page.instance.onUnload()
})

test('delivery: rider and courier steps, no pickup number', async () => {
  wx.__route(`GET /orders/orders/${ID}`, { status: 200, data: order({ mode: 'delivery', status: 'DELIVERING', pickup_no: 5,
    address: { contact: '王', phone: '13812345678', text: '南京西路1000号' },
    delivery: { state: 'BOOKED', steps: [{ status: 'RIDER_ASSIGNED', at: '2026-12-04T23:00:00Z' }, { status: 'PICKED_UP', at: '2026-12-04T23:10:00Z' }], rider: { name: '张师傅', phone: '13900000000' } } }) })
  const page = open()
  await waitFor(() => page.querySelector('#courier'))
  expect(text(page, '#courier')).toMatch(/张师傅 13900000000.*骑手已接单.*骑手配送中/)
  expect(page.querySelector('#pickup-no')).toBeFalsy()
  expect(text(page, '#status')).toBe('配送中')
  page.instance.onUnload()
})

test('error state and retry', async () => {
  wx.__route(`GET /orders/orders/${ID}`, { status: 404, data: { code: 'ORDER_NOT_FOUND', message: '订单不存在' } })
  const page = open()
  expect(state(page, 'loading')).toBeTruthy()
  await waitFor(() => state(page, 'error'))
  expect(state(page, 'error').dom.textContent).toContain('订单不存在')
  wx.__route(`GET /orders/orders/${ID}`, { status: 200, data: order({ status: 'COMPLETED' }) })
  await tap(page, state(page, 'retry'))
  await waitFor(() => text(page, '#status') === '已完成')
})

test('a pre-order paid ahead shows as scheduled (zh and en), its step before paid, is still polled and may be invoiced', async () => {
  const scheduledOrder = order({ status: 'SCHEDULED', pickup_no: 4, pickup_at: '2026-12-06T04:00:00Z', paid_fen: 3800, invoice: null, history: [
    { status: 'PENDING_PAYMENT', at: '2026-12-04T22:54:17Z' }, { status: 'SCHEDULED', at: '2026-12-04T22:54:18Z' }] })
  wx.__route(`GET /orders/orders/${ID}`, { status: 200, data: scheduledOrder })
  const page = open()
  await waitFor(() => text(page, '#status') === '已预约，到时制作')
  expect(text(page, '#steps')).toMatch(/待支付.*06:54.*已预约，到时制作.*06:54.*已支付.*制作中/)
  expect(require('../../src/lib/order-status').isMoving(scheduledOrder)).toBe(true)
  expect(page.querySelector('#invoice-open')).toBeTruthy()
  page.instance.onUnload()
  wx.setStorageSync('diancan.lang', 'en')
  const english = open()
  await waitFor(() => text(english, '#status') === 'Scheduled: made in time for your pickup')
  english.instance.onUnload()
})

test('a released pre-order keeps its scheduled step, done, and reads as any paid order', async () => {
  wx.__route(`GET /orders/orders/${ID}`, { status: 200, data: order({ status: 'PREPARING', pickup_no: 4, pickup_at: '2026-12-06T04:00:00Z', history: [
    { status: 'PENDING_PAYMENT', at: '2026-12-04T22:54:17Z' }, { status: 'SCHEDULED', at: '2026-12-04T22:54:18Z' },
    { status: 'PAID', at: '2026-12-06T03:40:00Z' }, { status: 'PREPARING', at: '2026-12-06T03:41:00Z' }] }) })
  const page = open()
  await waitFor(() => text(page, '#status') === '制作中')
  expect(text(page, '#steps')).toMatch(/已预约，到时制作.*06:54.*已支付.*11:40.*制作中.*11:41/)
  page.instance.onUnload()
})

function typeInvoice(page, field, value) {
  page.instance.onInvoiceInput({ currentTarget: { dataset: { field } }, detail: { value } })
}

test('a paid order: request an invoice (tax number checked before sending), then its status shows', async () => {
  const paid = { status: 'COMPLETED', paid_fen: 3800, invoice: null }
  wx.__route(`GET /orders/orders/${ID}`, { status: 200, data: order(paid) })
  const requested = { order_id: ID, status: 'requested', amount_fen: 3800, invoice_no: null,
    request: { kind: 'company', title: '上海点餐科技有限公司', tax_number: '91310000MA1FL1234Q', email: 'f@example.com' } }
  wx.__route(`POST /orders/orders/${ID}/invoice`, { status: 201, data: requested })
  const page = open()
  await waitFor(() => page.querySelector('#invoice-open'))
  await tap(page, '#invoice-open')
  await waitFor(() => page.querySelector('#invoice-submit'))
  typeInvoice(page, 'title', '上海点餐科技有限公司')
  typeInvoice(page, 'tax_number', '9131000')
  typeInvoice(page, 'email', 'f@example.com')
  await tap(page, '#invoice-submit')
  await waitFor(() => page.querySelector('#invoice-error'))
  expect(text(page, '#invoice-error')).toBe('税号应为18位统一社会信用代码')
  expect(wx.__state.requests.filter((r) => r.key === `POST /orders/orders/${ID}/invoice`)).toHaveLength(0)

  typeInvoice(page, 'tax_number', '91310000ma1fl1234q')
  await tap(page, '#invoice-submit')
  await waitFor(() => page.querySelector('#invoice-status'))
  const sent = wx.__state.requests.filter((r) => r.key === `POST /orders/orders/${ID}/invoice`)
  expect(sent).toHaveLength(1)
  expect(sent[0].data).toEqual({ kind: 'company', title: '上海点餐科技有限公司', tax_number: '91310000MA1FL1234Q',
    email: 'f@example.com' })
  expect(text(page, '#invoice-status')).toBe('发票已申请，开具后发送至 f@example.com')
  expect(page.querySelector('#invoice')).toBeFalsy()
  page.instance.onUnload()
})

test('a personal invoice sends no tax number; a refusal is shown; an issued invoice shows its number', async () => {
  wx.__route(`GET /orders/orders/${ID}`, { status: 200, data: order({ status: 'PAID', paid_fen: 3800 }) })
  wx.__route(`POST /orders/orders/${ID}/invoice`, { status: 409, data: { code: 'INVOICE_ALREADY_REQUESTED', message: '该订单已申请过发票' } })
  const page = open()
  await waitFor(() => page.querySelector('#invoice-open'))
  await tap(page, '#invoice-open')
  await waitFor(() => page.querySelector('#invoice-personal'))
  await tap(page, '#invoice-personal')
  await waitFor(() => !page.querySelector('#invoice-tax'))
  typeInvoice(page, 'title', '张三')
  typeInvoice(page, 'email', 'z@example.com')
  await tap(page, '#invoice-submit')
  await waitFor(() => page.querySelector('#invoice-error'))
  expect(text(page, '#invoice-error')).toBe('该订单已申请过发票')
  const sent = wx.__state.requests.filter((r) => r.key === `POST /orders/orders/${ID}/invoice`)
  expect(sent[0].data).toEqual({ kind: 'personal', title: '张三', email: 'z@example.com' })
  page.instance.onUnload()

  wx.__route(`GET /orders/orders/${ID}`, { status: 200, data: order({ status: 'COMPLETED', paid_fen: 3800,
    invoice: { status: 'issued', invoice_no: '24312000000012345678', request: { email: 'z@example.com' } } }) })
  const again = open()
  await waitFor(() => again.querySelector('#invoice-status'))
  expect(text(again, '#invoice-status')).toBe('发票已开具，号码 24312000000012345678，已发送至 z@example.com')
  again.instance.onUnload()
})

test('an unpaid or fully refunded order offers no invoice', async () => {
  wx.__route(`GET /orders/orders/${ID}`, { status: 200, data: order({ status: 'REFUNDED', paid_fen: 3800, refunded_fen: 3800 }) })
  const page = open()
  await waitFor(() => page.querySelector('#refund'))
  expect(page.querySelector('#invoice')).toBeFalsy()
  expect(page.querySelector('#invoice-open')).toBeFalsy()
  page.instance.onUnload()
})
