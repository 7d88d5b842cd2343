/* The smoke journey: the PAGES of the mini-program, driven as a guest would, against the real local stack
 * (every function, moto, the WeChat login and WeChat Pay simulators). Nothing here calls the API itself
 * except to read what a printed table QR code carries. */
const { render, waitFor, text, tap } = require('../helpers')
const { useLocalStack } = require('./stack')
const { createRealWx } = require('./real-wx')
const config = require('../../src/config')

jest.setTimeout(240000)

const stack = useLocalStack(config)
const open = stack.pages

function query(url) {
  const [path, qs = ''] = url.split('?')
  return { path, query: Object.fromEntries(new URLSearchParams(qs)) }
}

/** Render the page a wx.navigateTo/redirectTo pointed at, with its query, as WeChat would. */
function follow(url) {
  const { path, query: q } = query(url)
  const page = render(path.replace(/^\//, ''))
  open.push(page)
  page.instance.onLoad(q)
  return page
}

function lastNavigation() {
  const nav = wx.__state.calls.filter((c) => ['navigateTo', 'redirectTo'].includes(c.name)).pop()
  return nav && nav.args.url
}

const WAIT = { timeout: 60000 }

async function chooseOptions(menuPage, dishId, optionIds) {
  await tap(menuPage, `#add-${dishId}`)
  const popup = menuPage.querySelector('#spec')
  await waitFor(() => popup.querySelector('#spec-add'))
  for (const id of optionIds) await tap(popup, `#option-${id}`)
  await tap(popup, '#spec-add')
  await waitFor(() => !popup.querySelector('#spec-panel'), { what: 'the spec popup to close' })
}

test('takeout: log in, pick the demo store, add dishes with options, quote, place, pay, see PAID and the pickup number', async () => {
  global.wx = createRealWx(stack.base, 'smoke')
  wx.__state.location = { latitude: 31.2304, longitude: 121.4737 }

  const stores = follow('/pages/stores/stores')
  await waitFor(() => stores.querySelector('#store-sh-jingan'), { ...WAIT, what: 'the store list' })
  expect(text(stores, '#store-sh-jingan')).toMatch(/距你 \d/)
  await tap(stores, '#store-sh-jingan')

  const menu = follow(lastNavigation())
  await waitFor(() => menu.querySelector('#add-d-milktea'), { ...WAIT, what: 'the menu' })
  await chooseOptions(menu, 'd-milktea', ['size-large', 'sugar-half', 'topping-pearl'])
  await tap(menu, '#add-d-hongshao')
  await chooseOptions(menu, 'd-beef-noodle', ['portion-large', 'extra-egg', 'spicy-mild'])
  const bar = menu.querySelector('#cart')
  await waitFor(() => text(bar, '#cart-count') === '3' && /^¥\d+\.\d\d$/.test(text(bar, '#cart-total') || ''), { ...WAIT, what: 'the server quote in the cart bar' })
  const quoted = text(bar, '#cart-total')
  expect(wx.getStorageSync('diancan.token')).toBeTruthy() // logged in through wx.login and the auth function
  await tap(bar, '#cart-checkout')

  const checkout = follow(lastNavigation())
  await waitFor(() => checkout.querySelector('#quote'), { ...WAIT, what: 'the checkout quote' })
  expect(text(checkout, '#total')).toBe(quoted)
  checkout.instance.onRemark({ detail: { value: '少放辣' } })
  await tap(checkout, '#pay')
  await waitFor(() => wx.__called('redirectTo').length, { ...WAIT, what: 'placing and paying' })
  expect(wx.__called('requestPayment')).toHaveLength(1)

  const detail = follow(lastNavigation())
  await waitFor(() => ['已支付', '制作中', '请取餐'].includes(text(detail, '#status')) && detail.querySelector('#pickup-no'), { ...WAIT, what: 'PAID and a pickup number' })
  expect(text(detail, '#pickup-no')).toMatch(/^\d+$/)
  expect(text(detail, '#total')).toBe(quoted)
  expect(wx.__state.requests.filter((r) => r.key === 'POST /place_order/orders')).toHaveLength(1)
  detail.instance.onUnload()
})

test('table QR: a real signed scene joins the table, dishes go to the shared cart, a round is sent and paid', async () => {
  global.wx = createRealWx(stack.base, 'tablesmoke')
  const codes = await (await global.nodeFetch(`${stack.base}/dev/table-codes/sh-jingan`)).json()
  const scene = codes.scenes.B2

  const entry = follow(`/table/entry/entry?scene=${encodeURIComponent(scene)}`)
  await waitFor(() => entry.querySelector('#table-head'), { ...WAIT, what: 'joining the table' })
  expect(text(entry, '#table-head')).toContain('B2')
  await tap(entry, '#add-dishes')

  const menu = follow(lastNavigation())
  await waitFor(() => menu.querySelector('#add-d-mapo'), { ...WAIT, what: 'the menu at the table' })
  expect(text(menu, '#table-banner')).toContain('B2')
  await chooseOptions(menu, 'd-mapo', ['spicy-mild'])
  await tap(menu, '#add-d-rice')
  const bar = menu.querySelector('#cart')
  await waitFor(() => text(bar, '#cart-count') === '2' && /^¥/.test(text(bar, '#cart-total') || ''), { ...WAIT, what: 'the shared cart quoted' })
  menu.instance.onUnload()

  entry.instance.onShow() // back on the table page
  await waitFor(() => entry.querySelectorAll('.line').length === 2, { ...WAIT, what: 'the shared cart on the table page' })
  await tap(entry, '#send-round')
  await waitFor(() => wx.__called('requestPayment').length, { ...WAIT, what: 'paying the round' })
  await waitFor(() => /第1轮.*(已支付|制作中|请取餐|待上菜)/.test(text(entry, '#rounds') || ''), { ...WAIT, what: 'round 1 paid' })
  entry.instance.onUnload()
})

test('elder mode: the simplified menu, the required choices preselected, the order read back, paid; then 再来一单 from the history', async () => {
  global.wx = createRealWx(stack.base, 'eldersmoke')
  wx.setStorageSync('diancan.elder', 'on')
  wx.setStorageSync('diancan.lang', 'zh')

  const menu = follow('/pages/menu/menu?store_id=sh-jingan')
  await waitFor(() => menu.querySelector('#add-d-milktea'), { ...WAIT, what: 'the simplified menu' })
  expect(menu.querySelector('.sidebar')).toBeFalsy()
  await tap(menu, '#add-d-milktea')
  const popup = menu.querySelector('#spec')
  await waitFor(() => popup.querySelector('#spec-add'))
  await tap(popup, '#spec-add') // no choice made: the required ones came preselected
  await waitFor(() => !popup.querySelector('#spec-panel'), { what: 'the spec screen to close' })
  const bar = menu.querySelector('#cart')
  await waitFor(() => text(bar, '#cart-count') === '1' && /^¥\d+\.\d\d$/.test(text(bar, '#cart-total') || ''), { ...WAIT, what: 'the server quote' })
  await tap(bar, '#cart-checkout')

  const checkout = follow(lastNavigation())
  await waitFor(() => checkout.querySelector('#quote'), { ...WAIT, what: 'the checkout quote' })
  await tap(checkout, '#pay')
  expect(text(checkout, '#confirm')).toMatch(/^请核对你的订单你在小馆子·静安店点了：招牌奶茶，1份（.+）。方式：.+。一共要付¥\d+\.\d\d。/)
  expect(wx.__state.requests.filter((r) => r.key === 'POST /place_order/orders')).toHaveLength(0)
  await tap(checkout, '#confirm-pay')
  await waitFor(() => wx.__called('redirectTo').length, { ...WAIT, what: 'placing and paying' })
  const detail = follow(lastNavigation())
  await waitFor(() => ['已支付', '制作中', '请取餐'].includes(text(detail, '#status')), { ...WAIT, what: 'PAID' })
  const first = text(detail, '#total')
  detail.instance.onUnload()

  const list = follow('/order/list/list')
  await waitFor(() => list.querySelector('.again'), { ...WAIT, what: 'the order history' })
  await tap(list, list.querySelector('.again'))
  const again = follow(lastNavigation())
  await waitFor(() => again.querySelector('#quote'), { ...WAIT, what: 'the same order quoted again' })
  expect(text(again, '#total')).toBe(first)
})
