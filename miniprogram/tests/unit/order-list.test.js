const { render, waitFor, text, tap, all, state } = require('../helpers')
const { order } = require('../fixtures')

const PAGE = 'order/list/list'

beforeEach(() => {
  wx.__reset()
  wx.setStorageSync('diancan.token', 'tok')
})

test('pages through the orders with the server cursor', async () => {
  wx.__route('GET /orders/orders', (req) => (req.query.cursor === 'c2'
    ? { status: 200, data: { orders: [order({ order_id: 'o-3', status: 'COMPLETED' })], next_cursor: null } }
    : { status: 200, data: { orders: [order({ order_id: 'o-1', pickup_no: 8, status: 'READY' }), order({ order_id: 'o-2' })], next_cursor: 'c2' } }))
  const page = render(PAGE)
  page.instance.onLoad()
  await waitFor(() => page.querySelector('#order-o-1'))
  expect(text(page, '#order-o-1')).toMatch(/自取.*请取餐.*招牌奶茶×1.*取餐号 8.*¥19.00/)
  expect(text(page, '#order-o-2')).toContain('待支付')
  expect(text(page, '#more')).toBe('加载更多')
  page.instance.onReachBottom()
  await waitFor(() => page.querySelector('#order-o-3'))
  expect(all(page, '.order')).toHaveLength(3)
  expect(text(page, '#more')).toBe('没有更多了')
  expect(wx.__state.requests.map((r) => r.query)).toEqual([{ limit: '10' }, { limit: '10', cursor: 'c2' }])
  await tap(page, '#order-o-3')
  expect(wx.__called('navigateTo')[0].args.url).toBe('/order/detail/detail?order_id=o-3')
})

test('empty, error, and pull to refresh', async () => {
  wx.__route('GET /orders/orders', { status: 200, data: { orders: [], next_cursor: null } })
  const page = render(PAGE)
  page.instance.onLoad()
  await waitFor(() => state(page, 'empty'))
  expect(state(page, 'empty').dom.textContent).toContain('还没有订单')
  await tap(page, '#go-menu')
  expect(wx.__called('reLaunch')[0].args.url).toBe('/pages/stores/stores')
  wx.__route('GET /orders/orders', { status: 503, data: { code: 'UPSTREAM' } })
  page.instance.onPullDownRefresh()
  await waitFor(() => state(page, 'error'))
  expect(state(page, 'error').dom.textContent).toContain('服务繁忙')
  await waitFor(() => wx.__called('stopPullDownRefresh').length)
})
