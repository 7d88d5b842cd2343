/* The privacy page: what is kept and why, and "delete my data" only after the guest confirms. */
const { render, text, tap, waitFor } = require('../helpers')

const ANSWER = { reference: 'ER0123456789AB', status: 'requested', erased: ['phone', 'birthday', 'favourite_dish'], requested_at: '2026-12-05T00:00:00Z', kept: [
  { what: 'orders', why: '订单与支付记录依法保留，到期后由留存任务删除', why_en: 'orders and payments are kept as the law requires and deleted by the retention job' },
  { what: 'points', why: '积分与优惠券保留，以便你继续使用', why_en: 'points and coupons are kept so you can still use them' }] }

beforeEach(() => {
  wx.__reset()
  wx.setStorageSync('diancan.token', 'tok')
  wx.setStorageSync('diancan.lang', 'zh')
  wx.__route('POST /orders/me/erase', (req) => ({ status: 202, data: { ...ANSWER, _sent: req.data } }))
})

test('says what is kept and why; deletes only after the guest confirms, and shows what was deleted and kept', async () => {
  const page = render('member/privacy/privacy')
  page.instance.onLoad()
  expect(text(page, '.card')).toMatch(/我们保存的信息.*手机号（仅在你点击授权后）/)
  const saved = wx.showModal
  try {
    wx.showModal = (args) => args.success({ confirm: false, cancel: true })
    await page.instance.onRemove()
    expect(wx.__state.requests.filter((r) => r.key === 'POST /orders/me/erase')).toHaveLength(0)
    expect(page.querySelector('#result')).toBeFalsy()
  } finally {
    wx.showModal = saved
  }
  await tap(page, '#remove')
  await waitFor(() => page.querySelector('#result'))
  expect(wx.__state.requests.filter((r) => r.key === 'POST /orders/me/erase').map((r) => r.data)).toEqual([{ confirm: true }])
  expect(text(page, '#result')).toBe('已提交删除申请（编号 ER0123456789AB），几分钟内完成：手机号、生日、常点记录保留：订单与支付记录依法保留，到期后由留存任务删除保留：积分与优惠券保留，以便你继续使用')
})

test('in English the answer\'s English reasons are shown', async () => {
  wx.setStorageSync('diancan.lang', 'en')
  const page = render('member/privacy/privacy')
  page.instance.onLoad()
  await tap(page, '#remove')
  await waitFor(() => page.querySelector('#result'))
  expect(text(page, '#result')).toMatch(/^Deletion requested \(reference ER0123456789AB\), done within minutes: phone number, birthday, usual dishesKept: orders and payments are kept/)
})
