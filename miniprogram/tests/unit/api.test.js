const api = require('../../src/lib/api')
const { formatFen } = require('../../src/lib/money')

beforeEach(() => wx.__reset())

test('logs in with wx.login, keeps the token and sends it as Bearer', async () => {
  wx.__route('POST /auth/login', { status: 200, data: { token: 'tok-1', expires_in: 60 } })
  wx.__route('GET /orders/me', (req) => ({ status: 200, data: { auth: req.header.Authorization } }))
  const me = await api.request('orders', 'GET', '/me')
  expect(me.auth).toBe('Bearer tok-1')
  expect(wx.getStorageSync(api.TOKEN_KEY)).toBe('tok-1')
  expect(wx.__state.requests[0].data.code).toMatch(/^test-unit\.\d+$/)
})

test('a 401 clears the token, logs in again once and retries', async () => {
  wx.setStorageSync(api.TOKEN_KEY, 'stale')
  let logins = 0
  wx.__route('POST /auth/login', () => { logins += 1; return { status: 200, data: { token: `fresh-${logins}` } } })
  wx.__route('GET /orders/orders', (req) => (req.header.Authorization === 'Bearer fresh-1'
    ? { status: 200, data: { orders: [] } }
    : { status: 401, data: { code: 'INVALID_TOKEN', message: '登录已失效', message_en: 'invalid token' } }))
  await expect(api.request('orders', 'GET', '/orders')).resolves.toEqual({ orders: [] })
  expect(logins).toBe(1)
})

test('a second 401 after re-login is an error, not a loop', async () => {
  wx.setStorageSync(api.TOKEN_KEY, 'stale')
  let logins = 0
  wx.__route('POST /auth/login', () => { logins += 1; return { status: 200, data: { token: 'x' } } })
  wx.__route('GET /orders/orders', { status: 401, data: { code: 'INVALID_TOKEN', message: '登录已失效' } })
  const error = await api.request('orders', 'GET', '/orders').catch((e) => e)
  expect(error).toBeInstanceOf(api.ApiError)
  expect(error.status).toBe(401)
  expect(error.message).toBe('登录已过期，请重新进入小程序')
  expect(logins).toBe(1)
  expect(wx.__state.requests.filter((r) => r.key === 'GET /orders/orders')).toHaveLength(2)
})

test('refusals become one error type with guest words; network failures too', async () => {
  wx.setStorageSync(api.TOKEN_KEY, 't')
  wx.__route('POST /place_order/quote', { status: 422, data: { code: 'DISH_UNAVAILABLE', message: '宫保鸡丁已售罄', message_en: 'sold out', details: { dish_id: 'd-1' } } })
  const refused = await api.request('place_order', 'POST', '/quote', { data: {} }).catch((e) => e)
  expect(refused).toMatchObject({ name: 'ApiError', code: 'DISH_UNAVAILABLE', status: 422, message: '宫保鸡丁已售罄', details: { dish_id: 'd-1' } })
  wx.__route('POST /place_order/orders', { status: 400, data: { code: 'INVALID_REQUEST', message: '请求参数有误' } })
  const invalid = await api.request('place_order', 'POST', '/orders', { data: {} }).catch((e) => e)
  expect(invalid.message).toBe('提交的信息有误，请检查后重试')
  wx.__route('GET /menu/stores', { status: 503, data: { code: 'UPSTREAM', message: '' } })
  expect((await api.request('menu', 'GET', '/stores', { auth: 'none' }).catch((e) => e)).message).toBe('服务繁忙，请稍后再试')
  wx.__route('GET /menu/stores', { networkError: true })
  expect(await api.request('menu', 'GET', '/stores', { auth: 'none' }).catch((e) => e)).toMatchObject({ code: 'NETWORK', message: '网络不太好，请检查网络后重试' })
})

test('the Idempotency-Key goes out as given, the same on a retry', async () => {
  wx.setStorageSync(api.TOKEN_KEY, 't')
  const keys = []
  let first = true
  wx.__route('POST /place_order/orders', (req) => {
    keys.push(req.header['Idempotency-Key'])
    if (first) { first = false; return { networkError: true } }
    return { status: 201, data: { order_id: 'o-1' } }
  })
  const key = api.newIdempotencyKey()
  expect(key).toMatch(/^[A-Za-z0-9_\-:.]{8,64}$/)
  await expect(api.request('place_order', 'POST', '/orders', { data: {}, idempotencyKey: key })).rejects.toMatchObject({ code: 'NETWORK' })
  await api.request('place_order', 'POST', '/orders', { data: {}, idempotencyKey: key })
  expect(keys).toEqual([key, key])
  expect(api.newIdempotencyKey()).not.toBe(key)
})

test('query strings and the base URL per function come from config', async () => {
  wx.__route('GET /menu/stores', { status: 200, data: { stores: [] } })
  await api.request('menu', 'GET', '/stores', { auth: 'none', query: { lat: 31.2, lng: 121.4, q: '' } })
  expect(wx.__state.requests[0].url).toBe('http://127.0.0.1:8000/menu/stores?lat=31.2&lng=121.4')
})

test('money: integer fen formatted in one place', () => {
  expect(formatFen(1250)).toBe('¥12.50')
  expect(formatFen(5)).toBe('¥0.05')
  expect(formatFen(0)).toBe('¥0.00')
  expect(formatFen(-2000)).toBe('-¥20.00')
  expect(formatFen(null)).toBe('')
})
