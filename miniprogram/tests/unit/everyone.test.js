/* The mini-program for everyone: every page rendered in elder mode (适老化) and in both languages.
 * - elder mode: the page root carries `elder`; every piece of text is at least 36rpx (18px at the 375px
 *   design width; simulate renders rpx as px), every tappable element is at least 96rpx (48px) high
 * - screen reader: every image and every icon-only button in the WXML has an aria-label
 * - English: no Chinese left on a page when the guest reads English (the store's and dishes' own names
 *   come from the back end: the fixtures give them in English too)
 * - a snapshot per page in both modes (digits masked: countdowns and dates move) */
const fs = require('fs')
const path = require('path')
const { render, load, waitFor, atTime, SRC } = require('../helpers')
const { menu, store, closedStore, order, quote } = require('../fixtures')

const ORDER_ID = '26120506541719A6B920'
const SCENE = 'sh-jingan.A3.9YngqwzSfsr'
const SID = '48f2331e6d920c8c'
const CART = { storeId: 'sh-jingan', mode: 'takeout', lines: [{ key: 'd-cola|', dish_id: 'd-cola', name: '可乐', options: [], option_names: '', qty: 2 }] }
const ME = {
  points: 320, level: { level: 'silver', name: '银卡会员', min_spend_fen: 50000, percent_off: 2, points_multiplier_percent: 120 },
  next_level: { level: 'gold', name: '金卡会员', min_spend_fen: 200000, percent_off: 5, points_multiplier_percent: 150, spend_needed_fen: 123400 },
  completed_orders: 7, recent_orders: [], favourite_dishes: [],
  coupons: [{ coupon_id: 'cp-1', template_id: 'new', status: 'available', valid_until: '2026-12-31T15:59:59+00:00', name: '新客券',
    kind: 'fixed', amount_fen: 500, percent_off: 0, cap_fen: null, threshold_fen: 3000, scope: 'store', scope_ids: [], first_order_only: true }],
}
const CAMPAIGNS = { store_id: 'sh-jingan', full_reductions: [], banners: [], coupons: [
  { template_id: 'weekday', stock: 10, per_guest_limit: 1, valid_days: 7, name: '工作日折扣券', kind: 'percent', amount_fen: 0, percent_off: 12,
    cap_fen: 1000, threshold_fen: 0, scope: 'category', scope_ids: ['hot'], first_order_only: false }] }

/* English names where the back end has them (name_en / description_en), as the English menu read returns. */
const ENGLISH = { 热菜: 'Hot dishes', 饮品: 'Drinks', 宫保鸡丁: 'Kung pao chicken', 红烧肉: 'Braised pork belly', 蟹粉小笼包: 'Crab soup dumplings',
  招牌奶茶: 'House milk tea', 可乐: 'Cola', 双人套餐: 'Set for two', 辣度: 'Spice', 不辣: 'Not spicy', 微辣: 'Mild', 杯型: 'Size',
  中杯: 'Medium', 大杯: 'Large', 加料: 'Toppings', 珍珠: 'Pearls', 布丁: 'Pudding', 椰果: 'Coconut jelly', '小馆子·静安店': 'Xiaoguanzi Jing\'an',
  '小馆子·徐汇店': 'Xiaoguanzi Xuhui', 花生: 'peanuts', 招牌: 'signature', 限量: 'limited', 新客券: 'Welcome coupon', 工作日折扣券: 'Weekday coupon' }
function withEnglish(value) {
  if (Array.isArray(value)) return value.map(withEnglish)
  if (!value || typeof value !== 'object') return value
  const out = {}
  for (const [k, v] of Object.entries(value)) {
    out[k] = withEnglish(v)
    if (k === 'name' && ENGLISH[v]) out.name_en = ENGLISH[v]
  }
  return out
}

function routes(english) {
  const en = english ? withEnglish : (x) => x
  wx.__route('GET /menu/stores', { status: 200, data: { stores: [{ ...store, distance_m: 2388 }, { ...closedStore, distance_m: 5502 }] } })
  wx.__route('GET /menu/stores/sh-jingan/menu', { status: 200, data: en(menu()) })
  wx.__route('GET /menu/stores/sh-jingan/campaigns', { status: 200, data: CAMPAIGNS })
  wx.__route('POST /place_order/quote', { status: 200, data: quote(1100, { lines: [{ name: '可乐', qty: 2, options: [], line_total_fen: 1000 }], items_fen: 1000, packing_fee_fen: 100 }) })
  wx.__route('GET /orders/me', { status: 200, data: ME })
  wx.__route(`GET /orders/orders/${ORDER_ID}`, { status: 200, data: order({ status: 'PREPARING', pickup_no: 17, orders_ahead: 2 }) })
  wx.__route('GET /orders/orders', { status: 200, data: { orders: [order({ order_id: 'o-1', status: 'COMPLETED', pickup_no: 8 })], next_cursor: null } })
  wx.__route('POST /tables/tables/sessions', { status: 200, data: { session_id: SID, store_id: 'sh-jingan', table_no: 'A3', table_name: 'A3', store_name: english ? 'Xiaoguanzi Jing\'an' : '小馆子·静安店', mode: 'pay_first' } })
  wx.__route(`GET /tables/tables/sessions/${SID}/cart`, { status: 200, data: { session_id: SID, store_id: 'sh-jingan', table_no: 'A3', status: 'open', mode: 'pay_first', version: 3, round_count: 0,
    guests: ['erin', 'frank'], you: 'erin', lines: [{ line_id: 'l1', dish_id: 'd-gongbao', qty: 1, options: ['spicy-mild'], added_by: 'frank', mine: false }], rounds: [] } })
  wx.__route('GET /menu/stores/sh-jingan/dishes/d-gongbao', { status: 200, data: en({ ...menu().categories[0].dishes[0], rating: 4.5, rating_count: 2,
    reviews: [{ review_key: 'r1', stars: 5, text: english ? 'Great' : '很香', pictures: [], at: '2026-12-04T12:00:00Z', reply: english ? 'Thank you' : '谢谢' }] }) })
  wx.__route(`GET /tables/tables/sessions/${SID}/bill`, { status: 200, data: { rounds: [], orders: [], unpaid: false } })
}

const PAGES = [
  ['pages/stores/stores', {}, '#store-sh-jingan'],
  ['pages/menu/menu', { store_id: 'sh-jingan' }, '#dish-d-gongbao'],
  ['order/checkout/checkout', { store_id: 'sh-jingan' }, '#quote'],
  ['order/detail/detail', { order_id: ORDER_ID }, '#pickup-no'],
  ['order/list/list', {}, '#order-o-1'],
  ['order/address/address', {}, '#address-0'],
  ['table/entry/entry', { scene: encodeURIComponent(SCENE) }, '#table-head'],
  ['member/mine/mine', {}, '#claim-centre'],
  ['member/privacy/privacy', {}, '#remove'],
  ['order/review/review', { order_id: ORDER_ID }, '#star-d-milktea-5'],
  ['dish/detail/detail', { store_id: 'sh-jingan', dish_id: 'd-gongbao' }, '#reviews'],
]

/* Every literal piece of the Chinese message file (split at its {placeholders}), except the language names
 * that the language picker shows in their own language on purpose. */
const zh = require('../../src/lib/messages/zh')
const en = require('../../src/lib/messages/en')
const leaves = (o) => Object.values(o).flatMap((v) => (typeof v === 'object' ? leaves(v) : [v]))
const OWN_LANGUAGE = new Set(leaves(en).flatMap((v) => v.split(/\{\w+\}/)))
const ZH_FRAGMENTS = [...new Set(leaves(zh).flatMap((v) => v.split(/\{\w+\}/)).map((p) => p.trim())
  .filter((p) => p.length >= 2 && /[\u4e00-\u9fff]/.test(p) && !OWN_LANGUAGE.has(p) && !en.languages.zh.includes(p)))]

async function open(page, query, ready, { elder = false, lang = 'zh' } = {}) {
  wx.__reset()
  wx.__state.location = { latitude: 31.23, longitude: 121.47 }
  wx.setStorageSync('diancan.token', 'tok')
  wx.setStorageSync('diancan.elder', elder ? 'on' : 'off')
  wx.setStorageSync('diancan.lang', lang)
  wx.setStorageSync('diancan.lastStore', 'sh-jingan')
  wx.setStorageSync('diancan.store.sh-jingan', lang === 'en' ? withEnglish(store) : store)
  wx.setStorageSync('diancan.cart.sh-jingan', CART)
  wx.setStorageSync('diancan.addresses', [{ contact: lang === 'en' ? 'Ms Wang' : '王小姐', phone: '13812345678', text: lang === 'en' ? '1266 West Nanjing Road' : '南京西路1266号', lat: 31.2, lng: 121.4 }])
  routes(lang === 'en')
  const comp = render(page)
  comp.instance.onLoad(query)
  await waitFor(() => comp.querySelector(ready), { what: `${page} ready` })
  return comp
}

function close(comp) {
  if (comp.instance.onUnload) comp.instance.onUnload()
  comp.detach()
}

/* The cascaded value of a property on an element: the matching rule of highest specificity, later rules
 * winning ties (jsdom's getComputedStyle ignores specificity, so it is worked out here). */
function specificity(selector) {
  const s = selector.replace(/::?[\w-]+(\([^)]*\))?/g, (m) => (m.startsWith('::') ? ' ' : '.x'))
  return [(s.match(/#[\w-]+/g) || []).length, (s.match(/\.[\w-]+|\[[^\]]+\]/g) || []).length, (s.match(/(^|[\s>+~])[a-z][\w-]*/gi) || []).length]
}
function cascaded(el, property) {
  let best = null
  // only the page's own style tag (its styles and its components'): earlier pages' tags stay in the document
  for (const sheet of [...document.querySelectorAll(`style#${cascaded.page}`)].map((tag) => tag.sheet)) {
    for (const rule of sheet.cssRules) {
      if (!rule.style || !rule.style.getPropertyValue(property)) continue
      for (const selector of rule.selectorText.split(',')) {
        let matches = false
        try { matches = el.matches(selector.trim()) } catch (e) { matches = false }
        if (!matches) continue
        const spec = specificity(selector.trim())
        if (!best || spec[0] > best.spec[0] || (spec[0] === best.spec[0] && (spec[1] > best.spec[1] || (spec[1] === best.spec[1] && spec[2] >= best.spec[2])))) {
          best = { spec, value: rule.style.getPropertyValue(property) }
        }
      }
    }
  }
  return best ? best.value : ''
}

/* Text-bearing elements and their effective font size (the nearest declared one, as CSS inheritance does). */
function fontPx(el) {
  for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
    const size = cascaded(node, 'font-size')
    if (size && /px$/.test(size)) return parseFloat(size)
  }
  return 0
}

function textElements(root) {
  const out = []
  const walk = (el) => {
    if (Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim())) out.push(el)
    for (const child of el.children) walk(child)
  }
  walk(root)
  return out
}

/* Class names of every element with a tap handler, read from the WXML of the page and its components. */
function tapClasses(page) {
  const files = [`${page}.wxml`]
  const using = JSON.parse(fs.readFileSync(path.join(SRC, `${page}.json`), 'utf8')).usingComponents || {}
  for (const target of Object.values(using)) if (target.startsWith('/components/')) files.push(`${target.slice(1)}.wxml`)
  if (page === 'pages/menu/menu') files.push('pages/menu/dish.wxml')
  const classes = new Set()
  for (const file of files) {
    const wxml = fs.readFileSync(path.join(SRC, file), 'utf8')
    for (const tag of wxml.match(/<(view|text|button)\b[^>]*\b(bind|catch)tap="(?!noop)[^"]*"[^>]*>/g) || []) {
      const cls = /class="([\w-]+)/.exec(tag)
      if (cls && !['mask'].includes(cls[1])) classes.add(cls[1])
    }
  }
  return [...classes]
}

describe.each(PAGES)('%s', (page, query, ready) => {
  test('elder mode: large type everywhere, 48px tap targets, elder class on the root', async () => {
    const comp = await open(page, query, ready, { elder: true })
    cascaded.page = load(page)
    const root = comp.dom.querySelector('.main--page')
    expect(root.className).toContain('main--elder')
    const small = textElements(comp.dom).filter((el) => fontPx(el) < 36)
      .map((el) => `${el.className || el.tagName}: ${fontPx(el)}px "${el.textContent.trim().slice(0, 20)}"`)
    expect(small).toEqual([])
    const checked = []
    for (const cls of tapClasses(page)) {
      for (const node of comp.dom.querySelectorAll(`[class~="main--${cls}"], .main--${cls}`)) {
        const tall = Math.max(parseFloat(cascaded(node, 'min-height')) || 0, parseFloat(cascaded(node, 'height')) || 0)
        checked.push(`${cls}:${tall >= 96 ? 'ok' : tall}`)
      }
    }
    expect(checked.filter((c) => !c.endsWith(':ok'))).toEqual([])
    close(comp)
  })

  // the clock is pinned: a closed store's "opens today/tomorrow" depends on the hour the test runs
  test('standard mode: no elder class; snapshot of both modes', () => atTime('2026-11-24T07:30:00+08:00', async () => {
    const normal = await open(page, query, ready)
    expect(normal.dom.querySelector('.main--page').className).not.toContain('main--elder')
    const mask = (html) => html.replace(/\d/g, '0')
    expect(mask(normal.dom.innerHTML)).toMatchSnapshot('standard')
    close(normal)
    const elder = await open(page, query, ready, { elder: true })
    expect(mask(elder.dom.innerHTML)).toMatchSnapshot('elder')
    close(elder)
  }))

  test('English: none of the client\'s Chinese words left; back-end names in English where it has them', async () => {
    const comp = await open(page, query, ready, { lang: 'en' })
    const shown = comp.dom.textContent
    const left = ZH_FRAGMENTS.filter((fragment) => shown.includes(fragment))
    expect(left).toEqual([])
    if (page === 'pages/menu/menu') {
      for (const english of ['Kung pao chicken', 'Hot dishes', 'Drinks', 'Set includes: Braised pork belly×1、Cola×2']) expect(shown).toContain(english)
      expect(shown).not.toContain('宫保鸡丁')
    }
    close(comp)
  })
})

test('every image and icon-only button of every WXML has an aria-label', () => {
  const missing = []
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'miniprogram_npm') continue
      const full = path.join(dir, entry.name)
      if (entry.isDirectory()) walk(full)
      else if (entry.name.endsWith('.wxml')) {
        const wxml = fs.readFileSync(full, 'utf8')
        for (const tag of wxml.match(/<image\b[^>]*>/g) || []) if (!/aria-label="\{\{\w/.test(tag)) missing.push(`${entry.name}: ${tag}`)
        // a tappable element whose own text is a symbol (+, -, ×) or nothing is an icon button
        const icons = wxml.match(/<(view|text)\b[^>]*\b(bind|catch)tap="(?!noop)[^"]*"[^>]*>\s*[^\s<{\w\u4e00-\u9fff]\s*(<text[^>]*>\{\{[^}]*\}\}<\/text>\s*)?<\/(view|text)>/g) || []
        for (const tag of icons) if (!/aria-label="\{\{\w/.test(tag)) missing.push(`${entry.name}: ${tag}`)
      }
    }
  }
  walk(SRC)
  expect(missing).toEqual([])
})

test('elder mode follows WeChat\'s large font until the guest chooses; the choice is remembered', () => {
  const prefs = require('../../src/lib/prefs')
  wx.__reset()
  const saved = wx.getAppBaseInfo
  try {
    wx.getAppBaseInfo = () => ({ fontSizeSetting: 22, language: 'zh_CN' })
    expect(prefs.elder()).toBe(true)
    wx.getAppBaseInfo = () => ({ fontSizeSetting: 17, language: 'zh_CN' })
    expect(prefs.elder()).toBe(false)
    prefs.setElder(true)
    expect(prefs.elder()).toBe(true)
    wx.getAppBaseInfo = () => ({ fontSizeSetting: 22, language: 'zh_CN' })
    prefs.setElder(false)
    expect(prefs.elder()).toBe(false)
  } finally {
    wx.getAppBaseInfo = saved
  }
})

test('language follows WeChat\'s until the guest chooses; both message files have the same keys', () => {
  const i18n = require('../../src/lib/i18n')
  wx.__reset()
  const saved = wx.getAppBaseInfo
  try {
    wx.getAppBaseInfo = () => ({ fontSizeSetting: 17, language: 'en_US' })
    expect(i18n.refresh()).toBe('en')
    expect(i18n.t('cart.checkout')).toBe('Check out')
    wx.getAppBaseInfo = () => ({ fontSizeSetting: 17, language: 'zh_TW' })
    expect(i18n.refresh()).toBe('zh')
    i18n.setLanguage('en')
    expect(i18n.refresh()).toBe('en')
    expect(i18n.localized({ name: '可乐', name_en: 'Cola' })).toBe('Cola')
    expect(i18n.localized({ name: '可乐', name_en: '' })).toBe('可乐')
  } finally {
    wx.getAppBaseInfo = saved
    wx.__reset()
    i18n.refresh()
  }
  const keys = (o, prefix = '') => Object.entries(o).flatMap(([k, v]) => (typeof v === 'object' ? keys(v, `${prefix}${k}.`) : [`${prefix}${k}`])).sort()
  expect(keys(i18n.LANGUAGES.en)).toEqual(keys(i18n.LANGUAGES.zh))
})

test('an English guest reads the back end\'s message_en for a refusal without words of our own', async () => {
  const api = require('../../src/lib/api')
  wx.__reset()
  wx.setStorageSync('diancan.token', 'tok')
  wx.setStorageSync('diancan.lang', 'en')
  require('../../src/lib/i18n').refresh()
  wx.__route('POST /place_order/quote', { status: 409, data: { code: 'STORE_CLOSED', message: '门店休息中', message_en: 'The store is closed' } })
  await expect(api.request('place_order', 'POST', '/quote', { data: {} })).rejects.toThrow('The store is closed')
  wx.setStorageSync('diancan.lang', 'zh')
  require('../../src/lib/i18n').refresh()
  await expect(api.request('place_order', 'POST', '/quote', { data: {} })).rejects.toThrow('门店休息中')
})
