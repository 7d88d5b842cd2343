/* A component used by several pages works in each of them (see the runJs note in helpers.js). */
const { render, waitFor, state } = require('../helpers')

test('the state view renders its error state in a page loaded after another page using it', async () => {
  wx.__reset()
  wx.setStorageSync('diancan.token', 't')
  wx.__route('GET /orders/orders/X', { status: 404, data: { code: 'ORDER_NOT_FOUND', message: '订单不存在' } })
  render('pages/stores/stores')
  render('order/checkout/checkout')
  const page = render('order/detail/detail')
  page.instance.onLoad({ order_id: 'X' })
  await waitFor(() => state(page, 'error'))
  expect(state(page, 'error').dom.textContent).toContain('订单不存在')
})
