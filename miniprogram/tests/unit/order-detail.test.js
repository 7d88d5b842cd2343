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
    wx.__route(`GET /orders/orders/${ID}`, { status: 200, data: order({ status: 'PREPARING', pickup_no: 17, queue_ahead: 2, paid_at: '2026-12-04T22:54:18Z', history: [
      { status: 'PENDING_PAYMENT', at: '2026-12-04T22:54:17Z' }, { status: 'PAID', at: '2026-12-04T22:54:18Z' }, { status: 'PREPARING', at: '2026-12-04T22:54:19Z' }] }) })
    const page = open()
    await jest.advanceTimersByTimeAsync(10)
    expect(text(page, '#pickup-no')).toBe('17')
    expect(text(page, '#status')).toBe('制作中')
    expect(text(page, '#queue')).toBe('前面还有 2 单')
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

test('a pre-order paid ahead shows as scheduled (zh and en), its step before paid, and is still polled', async () => {
  const scheduledOrder = order({ status: 'SCHEDULED', pickup_no: 4, pickup_at: '2026-12-06T04:00:00Z', history: [
    { status: 'PENDING_PAYMENT', at: '2026-12-04T22:54:17Z' }, { status: 'SCHEDULED', at: '2026-12-04T22:54:18Z' }] })
  wx.__route(`GET /orders/orders/${ID}`, { status: 200, data: scheduledOrder })
  const page = open()
  await waitFor(() => text(page, '#status') === '已预约，到时制作')
  expect(text(page, '#steps')).toMatch(/待支付.*06:54.*已预约，到时制作.*06:54.*已支付.*制作中/)
  expect(require('../../src/lib/order-status').isMoving(scheduledOrder)).toBe(true)
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
