/* Elder mode's fewer steps: the simplified menu ("常点" first, no sidebar), the spec screen with the required
 * choices made, the order read back in sentences before paying, and "再来一单" in one tap. */
const { render, waitFor, text, tap } = require('../helpers')
const { menu, store, quote, order, payParams } = require('../fixtures')

beforeEach(() => {
  wx.__reset()
  wx.__state.payment = 'ok'
  wx.setStorageSync('diancan.token', 'tok')
  wx.setStorageSync('diancan.elder', 'on')
  wx.setStorageSync('diancan.lang', 'zh')
})

test('simplified menu: no sidebar, the guest\'s usual dishes first; the spec screen comes with the required choice made', async () => {
  wx.__route('GET /menu/stores/sh-jingan/menu', { status: 200, data: menu() })
  wx.__route('GET /orders/me', { status: 200, data: { points: 0, coupons: [], favourite_dishes: [{ dish_id: 'd-milktea', name: '招牌奶茶', portions: 4 }, { dish_id: 'gone', name: '下架菜', portions: 1 }] } })
  wx.__route('POST /place_order/quote', { status: 200, data: quote(1500) })
  const page = render('pages/menu/menu')
  page.instance.onLoad({ store_id: 'sh-jingan' })
  await waitFor(() => page.querySelector('#favourites'))
  expect(page.querySelector('.sidebar')).toBeFalsy()
  expect(text(page, '#favourites')).toMatch(/^常点招牌奶茶/)
  expect(text(page, '#favourites').match(/¥/g)).toHaveLength(1) // a favourite no longer on the menu is left out
  await tap(page, '#add-d-milktea')
  const popup = page.querySelector('#spec')
  await waitFor(() => popup.querySelector('#spec-add'))
  expect(popup.querySelector('#option-size-medium').dom.className).toContain('checked') // required: preselected
  expect(popup.querySelector('#option-topping-pearl').dom.className).not.toContain('checked') // optional: left alone
  await tap(popup, '#spec-add')
  expect(wx.getStorageSync('diancan.cart.sh-jingan').lines.map((l) => [l.dish_id, l.options])).toEqual([['d-milktea', ['size-medium']]])
  page.instance.onUnload()
})

test('standard mode keeps the sidebar and asks for every choice', async () => {
  wx.setStorageSync('diancan.elder', 'off')
  wx.__route('GET /menu/stores/sh-jingan/menu', { status: 200, data: menu() })
  const page = render('pages/menu/menu')
  page.instance.onLoad({ store_id: 'sh-jingan' })
  await waitFor(() => page.querySelector('#dish-d-milktea'))
  expect(page.querySelector('.sidebar')).toBeTruthy()
  expect(page.querySelector('#favourites')).toBeFalsy()
  expect(wx.__state.requests.filter((r) => r.key === 'GET /orders/me')).toHaveLength(0)
  page.instance.onUnload()
})

test('before paying, the order is read back in full sentences; paying is the confirmation\'s own tap', async () => {
  wx.setStorageSync('diancan.store.sh-jingan', store)
  wx.setStorageSync('diancan.cart.sh-jingan', { storeId: 'sh-jingan', mode: 'takeout', lines: [{ key: 'd-cola|', dish_id: 'd-cola', name: '可乐', options: [], option_names: '', qty: 2 }] })
  wx.__route('GET /orders/me', { status: 200, data: { points: 0, coupons: [] } })
  wx.__route('POST /place_order/quote', { status: 200, data: quote(1100, { lines: [{ name: '可乐', qty: 2, options: [], line_total_fen: 1000 }], items_fen: 1000, packing_fee_fen: 100 }) })
  wx.__route('POST /place_order/orders', { status: 201, data: order({ pay_params: payParams }) })
  wx.__route('POST /orders/orders/26120506541719A6B920/sync-payment', { status: 200, data: order({ status: 'PAID' }) })
  const page = render('order/checkout/checkout')
  page.instance.onLoad({ store_id: 'sh-jingan' })
  await waitFor(() => page.querySelector('#quote'))
  await tap(page, '#pay')
  expect(text(page, '#confirm')).toBe('请核对你的订单你在小馆子·静安店点了：可乐，2份。方式：立即自取。一共要付¥11.00。没问题，去支付返回修改')
  expect(wx.__state.requests.filter((r) => r.key === 'POST /place_order/orders')).toHaveLength(0)
  expect(wx.__called('requestSubscribeMessage')).toHaveLength(0)
  await tap(page, '#confirm-back')
  expect(page.querySelector('#confirm')).toBeFalsy()
  await tap(page, '#pay')
  page.instance.onPay() // the confirmation's button
  expect(wx.__called('requestSubscribeMessage')).toHaveLength(1)
  await waitFor(() => wx.__called('redirectTo').length)
  expect(wx.__state.requests.filter((r) => r.key === 'POST /place_order/orders')).toHaveLength(1)
})

test('"再来一单": one tap puts the same dishes and options in that store\'s cart and opens checkout', async () => {
  wx.setStorageSync('diancan.store.sh-jingan', store)
  wx.__route('GET /orders/orders', { status: 200, data: { orders: [order({ order_id: 'o-1', status: 'COMPLETED', mode: 'takeout' }),
    order({ order_id: 'o-2' }), order({ order_id: 'o-3', status: 'COMPLETED', table_no: 'A3', mode: 'dine_in' })], next_cursor: null } })
  const page = render('order/list/list')
  page.instance.onLoad()
  await waitFor(() => page.querySelector('#order-o-1'))
  expect(page.querySelector('#again-o-2')).toBeFalsy() // unpaid: pay it instead
  expect(page.querySelector('#again-o-3')).toBeFalsy() // a table's round
  await tap(page, '#again-o-1')
  expect(wx.getStorageSync('diancan.cart.sh-jingan')).toEqual({ storeId: 'sh-jingan', mode: 'takeout', lines: [
    { key: 'd-milktea|size-large', dish_id: 'd-milktea', name: '招牌奶茶', options: ['size-large'], option_names: '大杯', qty: 1 }] })
  expect(wx.__called('navigateTo').map((c) => c.args.url)).toEqual(['/order/checkout/checkout?store_id=sh-jingan'])
  expect(wx.__called('navigateTo').some((c) => c.args.url.startsWith('/order/detail'))).toBe(false)
})
