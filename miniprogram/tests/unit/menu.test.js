const { render, waitFor, text, tap, all, state, settle, atTime } = require('../helpers')
const { menu, quote, closedStore } = require('../fixtures')

const PAGE = 'pages/menu/menu'

beforeEach(() => {
  wx.__reset()
  wx.setStorageSync('diancan.token', 'tok')
})

async function openMenu(answer = { status: 200, data: menu() }) {
  wx.__route('GET /menu/stores/sh-jingan/menu', answer)
  const page = render(PAGE)
  page.instance.onLoad({ store_id: 'sh-jingan' })
  return page
}

test('renders the whole menu from one request: categories, sold out greyed, allergens, combos, guess you like', async () => {
  const page = await openMenu()
  await waitFor(() => page.querySelector('#dish-d-gongbao'))
  expect(wx.__state.requests.filter((r) => r.key.startsWith('GET /menu'))).toHaveLength(1)
  expect(all(page, '.cat').map((c) => c.dom.textContent.trim())).toEqual(['热菜', '饮品'])
  expect(text(page, '#dish-d-gongbao')).toContain('过敏原：花生')
  expect(text(page, '#dish-d-hongshao')).toContain('仅剩3份')
  expect(page.querySelector('#dish-d-xiaolongbao').dom.className).toContain('sold-out')
  expect(text(page, '#dish-d-xiaolongbao')).toContain('已售罄')
  expect(page.querySelector('#add-d-xiaolongbao')).toBeFalsy()
  expect(text(page, '#dish-d-set')).toContain('套餐含：红烧肉×1、可乐×2')
  expect(text(page, '#recommendations')).toContain('猜你喜欢')
  expect(page.querySelector('#dish-d-gongbao .dish-img')).toBeTruthy()
})

test('loading, empty and error states', async () => {
  const page = await openMenu(() => new Promise(() => {}))
  expect(state(page, 'loading')).toBeTruthy()
  const empty = await openMenu({ status: 200, data: menu({ categories: [] }) })
  await waitFor(() => state(empty, 'empty'))
  expect(state(empty, 'empty').dom.textContent).toContain('菜单暂未上架')
  const failed = await openMenu({ status: 404, data: { code: 'STORE_NOT_FOUND', message: '门店不存在' } })
  await waitFor(() => state(failed, 'error'))
  expect(state(failed, 'error').dom.textContent).toContain('门店不存在')
})

test('the spec popup refuses a missing required option, then adds with options and surcharges', async () => {
  wx.__route('POST /place_order/quote', { status: 200, data: quote(1800) })
  const page = await openMenu()
  await waitFor(() => page.querySelector('#add-d-milktea'))
  await tap(page, '#add-d-milktea')
  const popup = page.querySelector('#spec')
  await waitFor(() => popup.querySelector('#spec-add'))
  expect(text(popup, '#option-topping-pearl')).toContain('+¥2.00')
  expect(text(popup, '#group-topping')).toContain('最多选2项')
  await tap(popup, '#spec-add')
  expect(text(popup, '#spec-error')).toBe('请选择杯型')
  expect(wx.getStorageSync('diancan.cart.sh-jingan').lines).toHaveLength(0)
  await tap(popup, '#option-size-large')
  await tap(popup, '#option-topping-pearl')
  await tap(popup, '#option-topping-pudding')
  await tap(popup, '#option-topping-coconut') // past max_select: refused
  expect(popup.querySelector('#option-topping-coconut').dom.className).not.toContain('checked')
  expect(text(popup, '#spec-price')).toBe('¥23.00')
  await tap(popup, '#spec-add')
  const lines = wx.getStorageSync('diancan.cart.sh-jingan').lines
  expect(lines).toEqual([expect.objectContaining({ dish_id: 'd-milktea', options: ['size-large', 'topping-pearl', 'topping-pudding'], qty: 1 })])
  expect(page.querySelector('#spec-panel')).toBeFalsy()
})

test('the cart bar shows the SERVER total even when the client sum differs', async () => {
  // menu prices: 可乐 ¥5 ×2 = ¥10, but the server's quote (offers, fees) says ¥7.30
  wx.__route('POST /place_order/quote', (req) => ({ status: 200, data: quote(730, { discount_fen: 370, _items: req.data.items }) }))
  const page = await openMenu()
  await waitFor(() => page.querySelector('#add-d-cola'))
  await tap(page, '#add-d-cola')
  await tap(page, '#add-d-cola')
  const bar = page.querySelector('#cart')
  await waitFor(() => text(bar, '#cart-total') === '¥7.30', { what: 'the quoted total' })
  expect(text(bar, '#cart-count')).toBe('2')
  expect(text(bar, '#cart-hint')).toBe('已优惠 ¥3.70')
  const last = wx.__state.requests.filter((r) => r.key === 'POST /place_order/quote').pop()
  expect(last.data).toEqual({ store_id: 'sh-jingan', mode: 'takeout', items: [{ dish_id: 'd-cola', qty: 2, options: [] }] })
  await tap(bar, '#cart-checkout')
  expect(wx.__called('navigateTo').pop().args.url).toBe('/order/checkout/checkout?store_id=sh-jingan')
})

test('delivery below the minimum: "差¥X起送" from the server and no checkout', async () => {
  wx.setStorageSync('diancan.addresses', [{ contact: '王', phone: '13812345678', text: '南京西路1000号', lat: 31.226, lng: 121.456 }])
  wx.__route('POST /place_order/quote', { status: 422, data: { code: 'BELOW_DELIVERY_MINIMUM', message: '满 ¥20.00 起送，还差 ¥15.00', details: { minimum_order_fen: 2000, short_by_fen: 1500 } } })
  const page = await openMenu()
  await waitFor(() => page.querySelector('#mode-delivery'))
  await tap(page, '#mode-delivery')
  await tap(page, '#add-d-cola')
  const bar = page.querySelector('#cart')
  await waitFor(() => text(bar, '#cart-checkout') === '差¥15.00起送')
  await tap(bar, '#cart-checkout')
  expect(wx.__called('navigateTo')).toHaveLength(0)
  expect(wx.__state.requests.filter((r) => r.key === 'POST /place_order/quote').pop().data.address.text).toBe('南京西路1000号')
})

test('the cart popup changes quantities and the cart survives leaving and coming back', async () => {
  wx.__route('POST /place_order/quote', { status: 200, data: quote(500) })
  const page = await openMenu()
  await waitFor(() => page.querySelector('#add-d-cola'))
  await tap(page, '#add-d-cola')
  const bar = page.querySelector('#cart')
  await tap(bar, '#cart-bag')
  await tap(bar, '#plus-0')
  expect(wx.getStorageSync('diancan.cart.sh-jingan').lines[0].qty).toBe(2)
  const again = await openMenu()
  await waitFor(() => again.querySelector('#cart') && text(again.querySelector('#cart'), '#cart-count') === '2')
  const bar2 = again.querySelector('#cart')
  await tap(bar2, '#cart-bag')
  await tap(bar2, '#minus-0')
  await tap(bar2, '#minus-0')
  expect(wx.getStorageSync('diancan.cart.sh-jingan').lines).toHaveLength(0)
})

test('search filters dishes and says so when nothing matches', async () => {
  const page = await openMenu()
  await waitFor(() => page.querySelector('#dish-d-cola'))
  page.instance.onSearch({ detail: { value: '奶茶' } })
  await settle()
  const found = all(page, '#search-results .dish-name').map((d) => d.dom.textContent)
  expect(found).toEqual(['招牌奶茶'])
  page.instance.onSearch({ detail: { value: '火锅' } })
  await settle()
  expect(text(page, '#no-results')).toBe('没有找到“火锅”相关的菜品')
  await tap(page, '#search-clear')
  expect(page.querySelector('#search-results')).toBeFalsy()
})

test('the category sidebar follows taps and the list scrolling', async () => {
  const page = await openMenu()
  await waitFor(() => page.querySelector('#cat-tab-drink'))
  await tap(page, '#cat-tab-drink')
  expect(page.querySelector('#cat-tab-drink').dom.className).toContain('on')
  expect(page.instance.data.intoView).toBe('cat-drink')
  page.instance.lockUntil = 0
  page.instance.sectionTops = [{ id: 'hot', top: 0 }, { id: 'drink', top: 600 }]
  page.instance.onScroll({ detail: { scrollTop: 100 } })
  await settle()
  expect(page.querySelector('#cat-tab-hot').dom.className).toContain('on')
  page.instance.onScroll({ detail: { scrollTop: 650 } })
  await settle()
  expect(page.querySelector('#cat-tab-drink').dom.className).toContain('on')
})

test('a closed store says so and shows its menu read-only', () => atTime('2026-11-24T07:30:00+08:00', async () => {
  const page = await openMenu({ status: 200, data: menu({ store: closedStore }) })
  await waitFor(() => page.querySelector('#dish-d-cola'))
  expect(text(page, '#closed-banner')).toContain('门店休息中，今天 10:00 开始营业；菜单仅供浏览')
  expect(page.querySelector('#add-d-cola')).toBeFalsy()
  expect(page.querySelector('#cart')).toBeFalsy()
}))

const BUSY = { busy: true, busy_reason: 'tickets', busy_notice: { message: '当前出餐高峰，出餐时间可能较长，请耐心等候', message_en: 'We are very busy right now: your food may take longer than usual' }, busy_slot_factor: 0.5, delivery_paused: false, delivery_paused_notice: null }
const PAUSED = { busy: false, busy_reason: null, busy_notice: null, busy_slot_factor: 0.5, delivery_paused: true, delivery_paused_notice: { message: '外卖暂停接单，可选择自取或堂食', message_en: 'Delivery is paused for now: takeout and dine-in are open' } }

test('a busy store says so in a banner, in the guest\'s language, and still takes orders', async () => {
  const page = await openMenu({ status: 200, data: menu({ service: BUSY }) })
  await waitFor(() => page.querySelector('#busy-banner'))
  expect(text(page, '#busy-banner')).toBe('当前出餐高峰，出餐时间可能较长，请耐心等候')
  expect(page.querySelector('#add-d-cola')).toBeTruthy()
  expect(page.querySelector('#delivery-banner')).toBeFalsy()
  wx.setStorageSync('diancan.lang', 'en')
  require('../../src/lib/i18n').refresh()
  try {
    const english = await openMenu({ status: 200, data: menu({ service: BUSY }) })
    await waitFor(() => english.querySelector('#busy-banner'))
    expect(text(english, '#busy-banner')).toBe('We are very busy right now: your food may take longer than usual')
  } finally {
    wx.setStorageSync('diancan.lang', 'zh')
    require('../../src/lib/i18n').refresh()
  }
  const calm = await openMenu({ status: 200, data: menu({ service: { ...BUSY, busy: false, busy_notice: null } }) })
  await waitFor(() => calm.querySelector('#dish-d-cola'))
  expect(calm.querySelector('#busy-banner')).toBeFalsy()
})

test('delivery paused alone: a banner, no delivery tab, takeout and dine-in still offered', async () => {
  const page = await openMenu({ status: 200, data: menu({ service: PAUSED }) })
  await waitFor(() => page.querySelector('#delivery-banner'))
  expect(text(page, '#delivery-banner')).toBe('外卖暂停接单，可选择自取或堂食')
  expect(page.querySelector('#mode-delivery')).toBeFalsy()
  expect(page.querySelector('#mode-takeout')).toBeTruthy()
  expect(page.querySelector('#busy-banner')).toBeFalsy()
})

test('the spec popup keeps the choice while the page re-renders and starts afresh when reopened', async () => {
  wx.__route('POST /place_order/quote', { status: 200, data: quote(500) })
  const page = await openMenu()
  await waitFor(() => page.querySelector('#add-d-milktea'))
  await tap(page, '#add-d-milktea')
  const popup = page.querySelector('#spec')
  await tap(popup, '#option-topping-pearl')
  await tap(popup, '#spec-add')
  expect(text(popup, '#spec-error')).toBe('请选择杯型')
  await tap(page, '#add-d-cola') // the page re-renders (badges, quote) under the open popup
  await settle()
  expect(text(popup, '#spec-error')).toBe('请选择杯型')
  expect(popup.querySelector('#option-topping-pearl').dom.className).toContain('checked')
  await tap(popup, '#spec-close')
  await tap(page, '#add-d-milktea')
  expect(popup.querySelector('#spec-error')).toBeFalsy()
  expect(popup.querySelector('#option-topping-pearl').dom.className).not.toContain('checked')
})
