/* The order detail follows its order live: the WebSocket (a fake socket the test drives) is subscribed to
 * `order:<id>`, status and rider messages are applied, a drop falls back to polling and reconnects with
 * backoff, leaving the page closes the socket. Out for delivery: the map, the arrival estimate, the call. */
const { render, text, tap } = require('../helpers')
const { order, store } = require('../fixtures')

const PAGE = 'order/detail/detail'
const ID = '26120506541719A6B920'
const DETAIL = `GET /orders/orders/${ID}`
const ADDRESS = { contact: '王', phone: '13812345678', text: '南京西路1000号', lat: 31.2330, lng: 121.4560 }
const RIDER = { name: '赵**', phone: '139****5678', lat: 31.2312, lng: 121.4520, located_at: '2026-12-04T23:10:00.000Z', eta_at: '2026-12-04T23:16:00.000Z' }

function delivering(rider = RIDER) {
  return order({ mode: 'delivery', status: 'DELIVERING', address: ADDRESS, rider,
    delivery: { state: 'BOOKED', steps: [{ status: 'PICKED_UP', at: '2026-12-04T23:10:00Z' }], rider: { name: '赵大勇', phone: '139****5678' } } })
}

const reads = () => wx.__state.requests.filter((r) => r.key === DETAIL).length
const sockets = () => wx.__sockets()
const riderMarker = (page) => page.instance.data.map.markers.find((m) => m.id === 3)

beforeEach(() => {
  wx.__reset()
  wx.setStorageSync('diancan.token', 'tok')
  wx.__route('GET /menu/stores', { status: 200, data: { stores: [store] } })
  jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] })
})

afterEach(() => jest.useRealTimers())

async function open(answer = delivering()) {
  wx.__route(DETAIL, { status: 200, data: answer })
  const page = render(PAGE)
  page.instance.onLoad({ order_id: ID })
  await jest.advanceTimersByTimeAsync(10)
  return page
}

test('out for delivery: the map shows store, address and rider; arrival estimate; masked phone with a call button', async () => {
  const page = await open()
  expect(text(page, '#eta')).toBe('预计 07:16 送达')
  expect(text(page, '#rider-masked')).toBe('骑手 赵** 139****5678')
  const markers = page.instance.data.map.markers
  expect(markers.map((m) => [m.id, m.latitude, m.longitude])).toEqual([
    [1, store.lat, store.lng], [2, ADDRESS.lat, ADDRESS.lng], [3, RIDER.lat, RIDER.lng]])
  expect(markers.every((m) => m.iconPath.startsWith('/images/marker-'))).toBe(true)
  const tapping = tap(page, '#call-rider')
  await jest.advanceTimersByTimeAsync(10)
  await tapping
  expect(wx.__called('makePhoneCall')[0].args.phoneNumber).toBe('139****5678')
  page.instance.onUnload()
})

test('connects with the token, subscribes to the order, and a rider message moves the rider marker', async () => {
  const page = await open()
  const [socket] = sockets()
  expect(socket.url).toBe('ws://127.0.0.1:8001/ws?token=tok')
  socket.__open()
  expect(socket.sent).toEqual([{ action: 'subscribe', topic: `order:${ID}` }])
  socket.__message({ type: 'rider', order_id: ID, lat: 31.2325, lng: 121.4551, eta_at: '2026-12-04T23:13:00.000Z', at: '2026-12-04T23:12:00.000Z' })
  expect([riderMarker(page).latitude, riderMarker(page).longitude]).toEqual([31.2325, 121.4551])
  expect(text(page, '#eta')).toBe('预计 07:13 送达')
  socket.__message({ type: 'rider', order_id: 'SOMEONE-ELSES', lat: 1, lng: 1, eta_at: null, at: '2026-12-04T23:12:30.000Z' })
  expect(riderMarker(page).latitude).toBe(31.2325)
  page.instance.onUnload()
})

test('a status message is applied at once and the detail read again', async () => {
  const page = await open()
  sockets()[0].__open()
  await jest.advanceTimersByTimeAsync(10)
  wx.__route(DETAIL, { status: 200, data: order({ mode: 'delivery', status: 'COMPLETED', address: ADDRESS }) })
  const before = reads()
  sockets()[0].__message({ type: 'order', order_id: ID, status: 'COMPLETED', at: '2026-12-04T23:16:00.000Z' })
  expect(text(page, '#status')).toBe('已完成')
  await jest.advanceTimersByTimeAsync(10)
  expect(reads()).toBe(before + 1)
  expect(page.querySelector('#rider-map')).toBeFalsy()
  expect(sockets()[0].closed).toBe(true) // the order stopped moving: nothing more to follow
  page.instance.onUnload()
})

test('while the socket is open nothing is polled; after a drop it polls and reconnects with backoff', async () => {
  const page = await open()
  sockets()[0].__open()
  await jest.advanceTimersByTimeAsync(10)
  const connected = reads()
  await jest.advanceTimersByTimeAsync(20000)
  expect(reads()).toBe(connected) // pushed, not polled

  sockets()[0].__drop()
  await jest.advanceTimersByTimeAsync(999)
  expect(sockets()).toHaveLength(1) // not yet: the first retry waits a second
  await jest.advanceTimersByTimeAsync(10)
  expect(sockets()).toHaveLength(2)
  sockets()[1].__drop() // refused again: the next wait is longer
  await jest.advanceTimersByTimeAsync(1500)
  expect(sockets()).toHaveLength(2)
  await jest.advanceTimersByTimeAsync(600)
  expect(sockets()).toHaveLength(3)
  await jest.advanceTimersByTimeAsync(5000 - 2100)
  expect(reads()).toBeGreaterThan(connected) // polled while the socket was closed

  sockets()[2].__open()
  await jest.advanceTimersByTimeAsync(10)
  expect(sockets()[2].sent).toEqual([{ action: 'subscribe', topic: `order:${ID}` }])
  const back = reads()
  await jest.advanceTimersByTimeAsync(20000)
  expect(reads()).toBe(back) // connected again: polling stopped
  page.instance.onUnload()
})

test('unload closes the socket and nothing reconnects or polls afterwards', async () => {
  const page = await open()
  sockets()[0].__open()
  await jest.advanceTimersByTimeAsync(10)
  page.instance.onUnload()
  expect(sockets()[0].closed).toBe(true)
  const after = reads()
  await jest.advanceTimersByTimeAsync(120000)
  expect(sockets()).toHaveLength(1)
  expect(reads()).toBe(after)
})

test('hidden: the socket closes; shown again: it reconnects', async () => {
  const page = await open()
  sockets()[0].__open()
  page.instance.onHide()
  expect(sockets()[0].closed).toBe(true)
  await jest.advanceTimersByTimeAsync(60000)
  expect(sockets()).toHaveLength(1)
  page.instance.onShow()
  await jest.advanceTimersByTimeAsync(10)
  expect(sockets()).toHaveLength(2)
  page.instance.onUnload()
})

test('a connection that opens starts the backoff again', async () => {
  const page = await open()
  sockets()[0].__drop()
  await jest.advanceTimersByTimeAsync(1010)
  sockets()[1].__drop()
  await jest.advanceTimersByTimeAsync(2010)
  expect(sockets()).toHaveLength(3)
  sockets()[2].__open()
  sockets()[2].__drop() // it opened, then dropped: the count starts again at one second
  await jest.advanceTimersByTimeAsync(1010)
  expect(sockets()).toHaveLength(4)
  page.instance.onUnload()
})

test('English and elder mode: the estimate in English, larger type under the elder class', async () => {
  wx.setStorageSync('diancan.lang', 'en')
  wx.setStorageSync('diancan.elder', 'on')
  const page = await open()
  expect(text(page, '#eta')).toBe('Arriving around 07:16')
  expect(text(page, '#call-rider')).toBe('Call the rider')
  expect(page.querySelector('#page').dom.className).toContain('elder')
  page.instance.onUnload()
})
