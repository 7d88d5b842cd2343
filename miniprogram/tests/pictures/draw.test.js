/* Every page in the states that matter, drawn against a real local stack (see camera.js). */
const { render, waitFor, text, tap, state } = require('../helpers')
const { useLocalStack } = require('../smoke/stack')
const { createRealWx } = require('../smoke/real-wx')
const config = require('../../src/config')
const { snap, count } = require('./camera')

const stack = useLocalStack(config)
const open = stack.pages
const WAIT = { timeout: 60000 }

function show(relative, query = {}) {
  const page = render(relative)
  open.push(page)
  page.instance.onLoad(query)
  return page
}

async function spec(menu, dishId, options) {
  await tap(menu, `#add-${dishId}`)
  const popup = menu.querySelector('#spec')
  await waitFor(() => popup.querySelector('#spec-add'))
  for (const id of options) await tap(popup, `#option-${id}`)
  await tap(popup, '#spec-add')
}

test('draw every page', async () => {
  global.wx = createRealWx(stack.base, 'pictures')

  // store list: loading, nearby, and by city without location
  const loading = render('pages/stores/stores')
  snap(loading, 'pages/stores/stores', '00-loading')
  wx.__state.location = { latitude: 31.2304, longitude: 121.4737 }
  const stores = show('pages/stores/stores')
  await waitFor(() => stores.querySelector('#store-sh-jingan'), { ...WAIT, what: 'step 1' })
  snap(stores, 'pages/stores/stores', '01-stores-nearby')
  wx.__state.location = null
  const byCity = show('pages/stores/stores')
  await waitFor(() => byCity.querySelector('#store-sh-jingan'), { ...WAIT, what: 'step 2' })
  snap(byCity, 'pages/stores/stores', '02-stores-without-location')

  // menu: with a cart quoted by the server, the spec popup refusing, the cart popup
  const menu = show('pages/menu/menu', { store_id: 'sh-jingan' })
  await waitFor(() => menu.querySelector('#add-d-milktea'), { ...WAIT, what: 'step 3' })
  await spec(menu, 'd-milktea', ['size-large', 'sugar-half', 'topping-pearl'])
  await tap(menu, '#add-d-hongshao')
  await tap(menu, '#add-d-gongbao')
  const popup = menu.querySelector('#spec')
  await waitFor(() => popup.querySelector('#spec-add'))
  await tap(popup, '#spec-add') // no 辣度 chosen: refused
  await waitFor(() => popup.querySelector('#spec-error'))
  await waitFor(() => /^¥/.test(text(menu.querySelector('#cart'), '#cart-total') || ''), { ...WAIT, what: 'step 4' })
  snap(menu, 'pages/menu/menu', '04-menu-spec-required')
  await tap(popup, '#spec-close')
  snap(menu, 'pages/menu/menu', '03-menu')
  await tap(menu.querySelector('#cart'), '#cart-bag')
  snap(menu, 'pages/menu/menu', '05-menu-cart')
  await tap(menu.querySelector('#cart'), '#cart-bag')
  menu.instance.onSearch({ detail: { value: '面' } })
  await waitFor(() => menu.querySelector('#search-results'))
  snap(menu, 'pages/menu/menu', '06-menu-search')

  const other = show('pages/menu/menu', { store_id: 'sh-xuhui' })
  await waitFor(() => other.querySelector('#dish-d-cola') || other.querySelector('.dish'), { ...WAIT, what: 'step 5' })
  snap(other, 'pages/menu/menu', '07-menu-other-store')

  // checkout: takeout with the server's offers; delivery refused out of range
  const token = wx.getStorageSync('diancan.token')
  await global.nodeFetch(`${stack.base}/orders/coupons/tpl-new-guest/claim`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } })
  const checkout = show('order/checkout/checkout', { store_id: 'sh-jingan' })
  await waitFor(() => checkout.querySelector('#quote'), { ...WAIT, what: 'step 6' })
  snap(checkout, 'order/checkout/checkout', '08-checkout')
  wx.setStorageSync('diancan.addresses', [{ contact: '王小姐', phone: '13812345678', text: '北京市东城区东长安街1号', lat: 39.9087, lng: 116.3975 }])
  await tap(checkout, '#mode-delivery')
  checkout.instance.onShow() // back from the address book
  await waitFor(() => checkout.querySelector('#address-error'), { ...WAIT, what: 'step 7' })
  snap(checkout, 'order/checkout/checkout', '09-checkout-out-of-range')
  wx.setStorageSync('diancan.addresses', [])
  checkout.instance.onShow()
  await tap(checkout, '#mode-takeout')
  await waitFor(() => checkout.querySelector('#quote'), { ...WAIT, what: 'step 8' })

  // an order that is not the guest's (or does not exist): the error state
  const missing = show('order/detail/detail', { order_id: 'NO-SUCH-ORDER' })
  await waitFor(() => state(missing, 'error'), { ...WAIT, what: 'step 13' })
  snap(missing, 'order/detail/detail', '13-error')

  // pay: the guest closes the payment sheet → the order waits with a countdown
  wx.__state.payment = 'cancel'
  await tap(checkout, '#pay')
  await waitFor(() => wx.__called('redirectTo').length, { ...WAIT, what: 'step 9' })
  const orderId = wx.__called('redirectTo').pop().args.url.split('order_id=')[1]
  const unpaid = show('order/detail/detail', { order_id: orderId })
  await waitFor(() => unpaid.querySelector('#countdown') && /请在/.test(text(unpaid, '#countdown')), { ...WAIT, what: 'step 10' })
  snap(unpaid, 'order/detail/detail', '10-order-unpaid')
  wx.__state.payment = 'ok'
  await tap(unpaid, '#pay-again')
  await waitFor(() => unpaid.querySelector('#pickup-no'), { ...WAIT, what: 'step 11' })
  snap(unpaid, 'order/detail/detail', '11-order-paid')
  unpaid.instance.onUnload()

  const list = show('order/list/list')
  await waitFor(() => list.querySelector('.order'), { ...WAIT, what: 'step 12' })
  snap(list, 'order/list/list', '12-orders')


  // table QR: a real signed scene, a shared cart with two guests, one round sent
  const codes = await (await global.nodeFetch(`${stack.base}/dev/table-codes/sh-jingan`)).json()
  const scene = codes.scenes.A1
  const table = show('table/entry/entry', { scene: encodeURIComponent(scene) })
  await waitFor(() => table.querySelector('#table-head'), { ...WAIT, what: 'step 14' })
  await tap(table, '#add-dishes')
  const menuAtTable = show('pages/menu/menu', require('querystring').parse(wx.__called('navigateTo').pop().args.url.split('?')[1]))
  await waitFor(() => menuAtTable.querySelector('#add-d-mapo'), { ...WAIT, what: 'step 15' })
  await spec(menuAtTable, 'd-mapo', ['spicy-mild'])
  await tap(menuAtTable, '#add-d-rice')
  await waitFor(() => text(menuAtTable.querySelector('#cart'), '#cart-count') === '2' && /^¥/.test(text(menuAtTable.querySelector('#cart'), '#cart-total') || ''), { ...WAIT, what: 'step 16' })
  snap(menuAtTable, 'pages/menu/menu', '14-menu-at-table')
  await table.instance.refresh()
  await tap(table, '#send-round')
  await waitFor(() => table.querySelector('#rounds'), { ...WAIT, what: 'step 17' })
  await tap(menuAtTable, '#add-d-cola') // round two starts in the shared cart
  await waitFor(() => text(menuAtTable.querySelector('#cart'), '#cart-count') === '1', { ...WAIT, what: 'step 18' })
  menuAtTable.instance.onUnload()
  await table.instance.refresh()
  snap(table, 'table/entry/entry', '15-table')
  table.instance.onUnload()

  expect(count()).toBeGreaterThanOrEqual(16)
})

test('draw elder mode (适老化) and English', async () => {
  global.wx = createRealWx(stack.base, 'picturesolder')
  wx.__state.location = { latitude: 31.2304, longitude: 121.4737 }
  wx.setStorageSync('diancan.elder', 'on')
  wx.setStorageSync('diancan.lang', 'zh')

  const stores = show('pages/stores/stores')
  await waitFor(() => stores.querySelector('#store-sh-jingan'), { ...WAIT, what: 'elder 1' })
  snap(stores, 'pages/stores/stores', '20-elder-stores')
  const menu = show('pages/menu/menu', { store_id: 'sh-jingan' })
  await waitFor(() => menu.querySelector('#add-d-milktea'), { ...WAIT, what: 'elder 2' })
  await tap(menu, '#add-d-milktea')
  const popup = menu.querySelector('#spec')
  await waitFor(() => popup.querySelector('#spec-add'))
  snap(menu, 'pages/menu/menu', '22-elder-spec-preselected')
  await tap(popup, '#spec-add')
  await tap(menu, '#add-d-hongshao')
  await waitFor(() => /^¥/.test(text(menu.querySelector('#cart'), '#cart-total') || ''), { ...WAIT, what: 'elder 3' })
  snap(menu, 'pages/menu/menu', '21-elder-menu')
  menu.instance.onUnload()
  const checkout = show('order/checkout/checkout', { store_id: 'sh-jingan' })
  await waitFor(() => checkout.querySelector('#quote'), { ...WAIT, what: 'elder 4' })
  snap(checkout, 'order/checkout/checkout', '23-elder-checkout')
  await tap(checkout, '#pay')
  snap(checkout, 'order/checkout/checkout', '24-elder-confirm-read-back')
  await tap(checkout, '#confirm-pay')
  await waitFor(() => wx.__called('redirectTo').length, { ...WAIT, what: 'elder 5' })
  const list = show('order/list/list')
  await waitFor(() => list.querySelector('.again'), { ...WAIT, what: 'elder 6' })
  snap(list, 'order/list/list', '25-elder-orders-order-again')
  const mine = show('member/mine/mine')
  await waitFor(() => mine.querySelector('#member'), { ...WAIT, what: 'elder 7' })
  snap(mine, 'member/mine/mine', '26-elder-mine')

  wx.setStorageSync('diancan.elder', 'off')
  const mineStandard = show('member/mine/mine')
  await waitFor(() => mineStandard.querySelector('#member'), { ...WAIT, what: 'mine' })
  snap(mineStandard, 'member/mine/mine', '27-mine')
  const privacy = show('member/privacy/privacy')
  snap(privacy, 'member/privacy/privacy', '28-privacy')

  wx.setStorageSync('diancan.lang', 'en')
  const menuEn = show('pages/menu/menu', { store_id: 'sh-jingan' })
  await waitFor(() => menuEn.querySelector('#add-d-cola'), { ...WAIT, what: 'en 1' })
  await tap(menuEn, '#add-d-cola')
  await waitFor(() => /^¥/.test(text(menuEn.querySelector('#cart'), '#cart-total') || ''), { ...WAIT, what: 'en 1 quoted' })
  snap(menuEn, 'pages/menu/menu', '30-en-menu')
  menuEn.instance.onUnload()
  const mineEn = show('member/mine/mine')
  await waitFor(() => mineEn.querySelector('#member'), { ...WAIT, what: 'en 2' })
  snap(mineEn, 'member/mine/mine', '31-en-mine')
  wx.setStorageSync('diancan.elder', 'on')
  const listEn = show('order/list/list')
  await waitFor(() => listEn.querySelector('.again'), { ...WAIT, what: 'en 3' })
  snap(listEn, 'order/list/list', '32-en-elder-orders')
})

