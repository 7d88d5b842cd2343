/* 我的: level and the next one in words, coupons with their rules in words, claiming from the last store's
 * campaigns, phone only through WeChat's phone button, birthday, elder mode and language switches. */
const { render, waitFor, text, tap } = require('../helpers')

const PAGE = 'member/mine/mine'
const ME = {
  member_code: 'MABCD2345', points: 320, level: { level: 'silver', name: '银卡会员', min_spend_fen: 50000, percent_off: 2, points_multiplier_percent: 120 },
  next_level: { level: 'gold', name: '金卡会员', min_spend_fen: 200000, percent_off: 5, points_multiplier_percent: 150, spend_needed_fen: 123400 },
  completed_orders: 7, recent_orders: [], favourite_dishes: [],
  past_coupons: [{ coupon_id: 'cp-0', template_id: 'old', status: 'used', valid_until: '2026-11-30T15:59:59+00:00', name: '老客券',
    kind: 'fixed', amount_fen: 300, percent_off: 0, cap_fen: null, threshold_fen: 0, scope: 'store', scope_ids: [], first_order_only: false },
  { coupon_id: 'cp-x', template_id: 'x', status: 'expired', valid_until: '2026-11-01T15:59:59+00:00', name: '过期券',
    kind: 'fixed', amount_fen: 100, percent_off: 0, cap_fen: null, threshold_fen: 0, scope: 'store', scope_ids: [], first_order_only: false }],
  coupons: [{ coupon_id: 'cp-1', template_id: 'new', status: 'available', valid_until: '2026-12-31T15:59:59+00:00', name: '新客券',
    kind: 'fixed', amount_fen: 500, percent_off: 0, cap_fen: null, threshold_fen: 3000, scope: 'store', scope_ids: [], first_order_only: true }],
}
const WEEKDAY = { template_id: 'weekday', stock: 10, per_guest_limit: 1, valid_days: 7, name: '工作日折扣券', kind: 'percent', amount_fen: 0,
  percent_off: 12, cap_fen: 1000, threshold_fen: 0, scope: 'category', scope_ids: ['hot'], first_order_only: false }

beforeEach(() => {
  wx.__reset()
  wx.setStorageSync('diancan.token', 'tok')
  wx.setStorageSync('diancan.lastStore', 'sh-jingan')
  wx.setStorageSync('diancan.lang', 'zh')
  wx.setStorageSync('diancan.elder', 'off')
  wx.__route('GET /orders/me', { status: 200, data: ME })
  wx.__route('GET /menu/stores/sh-jingan/campaigns', { status: 200, data: { store_id: 'sh-jingan', full_reductions: [], banners: [], coupons: [WEEKDAY] } })
})

async function open() {
  const page = render(PAGE)
  page.instance.onLoad()
  await waitFor(() => page.querySelector('#member'))
  return page
}

test('points, level, what the next level gives, and coupons with their rules in words', async () => {
  const page = await open()
  expect(text(page, '#level-name')).toBe('银卡会员')
  expect(text(page, '#points')).toBe('积分 320')
  expect(text(page, '#perks')).toBe('享9.8折优惠，积分1.2倍')
  expect(text(page, '#next-level')).toBe('再消费 ¥1234.00 升级为金卡会员：享9.5折优惠，积分1.5倍')
  expect(text(page, '#member-code')).toBe('会员码 MABCD2345（到店出示，店员凭此找到你）')
  expect(text(page, '#coupon-cp-1')).toBe('新客券满¥30.00可用 · 减¥5.00 · 仅限首单有效期至 2026-12-31')
  expect(text(page, '#past-cp-0')).toBe('老客券 已使用无门槛 · 减¥3.00')
  expect(text(page, '#past-cp-x')).toBe('过期券 已过期无门槛 · 减¥1.00')
  expect(text(page, '#claim-weekday')).toBe('工作日折扣券无门槛 · 8.8折 · 最多减¥10.00 · 限指定分类领取')
})

test('claiming a coupon from the campaigns posts the claim and shows it as claimed', async () => {
  const page = await open()
  wx.__route('POST /orders/coupons/weekday/claim', () => {
    wx.__route('GET /orders/me', { status: 200, data: { ...ME, coupons: [...ME.coupons, { ...WEEKDAY, coupon_id: 'cp-2', status: 'available', valid_until: '2026-12-12T00:00:00+00:00' }] } })
    return { status: 200, data: { coupon_id: 'cp-2' } }
  })
  await tap(page, '#claim-btn-weekday')
  await waitFor(() => text(page, '#claim-weekday') && text(page, '#claim-weekday').endsWith('已领取'))
  expect(page.querySelector('#claim-btn-weekday')).toBeFalsy()
  expect(text(page, '#coupon-cp-2')).toMatch(/^工作日折扣券/)
})

test('the phone number is sent only with the code of WeChat\'s phone button (the guest\'s consent)', async () => {
  const page = await open()
  wx.__route('POST /orders/me/phone', (req) => ({ status: 200, data: { phone: '138****5678', shared: true, _code: req.data.code } }))
  await page.instance.onPhone({ detail: { errMsg: 'getPhoneNumber:fail user deny' } })
  expect(wx.__state.requests.filter((r) => r.key === 'POST /orders/me/phone')).toHaveLength(0)
  await page.instance.onPhone({ detail: { code: 'phone-code-1' } })
  const sent = wx.__state.requests.filter((r) => r.key === 'POST /orders/me/phone')
  expect(sent.map((r) => r.data)).toEqual([{ code: 'phone-code-1' }])
  await waitFor(() => /138\*\*\*\*5678/.test(text(page, '.links')))
})

test('birthday: sent as a date; a refusal is shown in the guest\'s words', async () => {
  const page = await open()
  wx.__route('POST /orders/me/birthday', (req) => (req.data.birthday === '1950-03-08'
    ? { status: 200, data: { birthday: '1950-03-08' } }
    : { status: 400, data: { code: 'INVALID_BIRTHDAY', message: '生日有误', message_en: 'birthday out of range' } }))
  await page.instance.onBirthday({ detail: { value: '1950-03-08' } })
  await waitFor(() => /1950-03-08/.test(text(page, '.links')))
  await page.instance.onBirthday({ detail: { value: '2999-01-01' } })
  expect(wx.__called('showToast').pop().args.title).toBe('生日有误')
})

test('elder mode and language are switched here and remembered', async () => {
  const page = await open()
  expect(text(page, '#elder-state')).toBe('已关闭')
  await tap(page, '#elder-switch')
  expect(wx.getStorageSync('diancan.elder')).toBe('on')
  expect(page.dom.querySelector('.main--page').className).toContain('main--elder')
  expect(text(page, '#elder-state')).toBe('已开启')
  await tap(page, '#lang-en')
  expect(wx.getStorageSync('diancan.lang')).toBe('en')
  await waitFor(() => text(page, '#points') === 'Points 320')
  expect(text(page, '#level-name')).toBe('Silver')
  expect(text(page, '#next-level')).toBe('Spend ¥1234.00 more to become Gold: 5% off, 1.5× points')
  expect(text(page, '#coupon-cp-1')).toBe('新客券on orders from ¥30.00 · ¥5.00 off · first order onlyValid until 2026-12-31')
  expect(text(page, '#lang-en')).toBe('✓ English')
  await tap(page, '#lang-zh')
  await waitFor(() => text(page, '#points') === '积分 320')
})
