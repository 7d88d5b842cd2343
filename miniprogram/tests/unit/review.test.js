/* Reviewing a completed order: stars per dish by buttons (each with its screen-reader words), a text, sent
 * once; a dish's rating on the menu. */
const { render, waitFor, text, tap } = require('../helpers')
const { order, menu, dish } = require('../fixtures')

const ID = '26120506541719A6B920'

beforeEach(() => {
  wx.__reset()
  wx.setStorageSync('diancan.token', 'tok')
  wx.setStorageSync('diancan.lang', 'zh')
  wx.setStorageSync('diancan.elder', 'off')
})

test('stars for every dish, a text, sent once; the server\'s refusal is shown in words', async () => {
  wx.__route(`GET /orders/orders/${ID}`, { status: 200, data: order({ status: 'COMPLETED', lines: [
    { dish_id: 'd-milktea', name: '招牌奶茶', qty: 1, options: [], unit_price_fen: 1500, line_total_fen: 1500 },
    { dish_id: 'd-cola', name: '可乐', qty: 2, options: [], unit_price_fen: 500, line_total_fen: 1000 }] }) })
  wx.__route(`POST /orders/orders/${ID}/review`, { status: 201, data: { order_id: ID } })
  const page = render('order/review/review')
  page.instance.onLoad({ order_id: ID })
  await waitFor(() => page.querySelector('#star-d-cola-5'))
  expect(page.instance.data.dishes[0].buttons[3].label).toBe('招牌奶茶，4星')
  await tap(page, '#submit')
  expect(wx.__called('showToast').pop().args.title).toBe('请给每道菜打星')
  expect(wx.__state.requests.filter((r) => r.key.startsWith('POST'))).toHaveLength(0)
  await tap(page, '#star-d-milktea-4')
  await tap(page, '#star-d-cola-5')
  expect(text(page, '#dish-d-milktea')).toBe('招牌奶茶★★★★☆4星')
  page.instance.onText({ detail: { value: ' 奶茶很香 ' } })
  await tap(page, '#submit')
  await tap(page, '#submit')
  const sent = wx.__state.requests.filter((r) => r.key === `POST /orders/orders/${ID}/review`)
  expect(sent.map((r) => r.data)).toEqual([{ dishes: [{ dish_id: 'd-milktea', stars: 4 }, { dish_id: 'd-cola', stars: 5 }], text: '奶茶很香', pictures: [] }])
  expect(text(page, '#submit')).toBe('谢谢你的评价')
})

test('an order reviewed before: the server\'s words, and the guest may not send again by accident', async () => {
  wx.__route(`GET /orders/orders/${ID}`, { status: 200, data: order({ status: 'COMPLETED' }) })
  wx.__route(`POST /orders/orders/${ID}/review`, { status: 409, data: { code: 'ALREADY_REVIEWED', message: '这个订单已经评价过了', message_en: 'already reviewed' } })
  const page = render('order/review/review')
  page.instance.onLoad({ order_id: ID })
  await waitFor(() => page.querySelector('#star-d-milktea-5'))
  await tap(page, '#star-d-milktea-5')
  await tap(page, '#submit')
  await waitFor(() => wx.__called('showToast').length)
  expect(wx.__called('showToast').pop().args.title).toBe('这个订单已经评价过了')
})

test('a completed order offers 评价; the menu shows a dish\'s rating', async () => {
  wx.__route(`GET /orders/orders/${ID}`, { status: 200, data: order({ status: 'COMPLETED' }) })
  const detail = render('order/detail/detail')
  detail.instance.onLoad({ order_id: ID })
  await waitFor(() => detail.querySelector('#review'))
  await tap(detail, '#review')
  expect(wx.__called('navigateTo').pop().args.url).toBe(`/order/review/review?order_id=${ID}`)
  detail.instance.onUnload()

  const rated = menu()
  rated.categories[0].dishes[0] = dish('d-gongbao', '宫保鸡丁', 3800, { rating: 4.6, rating_count: 12 })
  wx.__route('GET /menu/stores/sh-jingan/menu', { status: 200, data: rated })
  const page = render('pages/menu/menu')
  page.instance.onLoad({ store_id: 'sh-jingan' })
  await waitFor(() => page.querySelector('#dish-d-gongbao'))
  expect(text(page, '#dish-d-gongbao')).toContain('4.6分 · 12条评价')
  page.instance.onUnload()
})

test('a dish\'s detail: rating and the newest reviews with the store\'s replies; the menu picture opens it', async () => {
  wx.__route('GET /menu/stores/sh-jingan/dishes/d-gongbao', { status: 200, data: { ...dish('d-gongbao', '宫保鸡丁', 3800, { rating: 4.5, rating_count: 2 }),
    reviews: [{ review_key: 'r2', stars: 4, text: '有点咸', pictures: [], at: '2026-12-04T12:00:00Z', reply: '下次少放盐' },
      { review_key: 'r1', stars: 5, text: '很香', pictures: [], at: '2026-12-03T12:00:00Z', reply: null }] } })
  const page = render('dish/detail/detail')
  page.instance.onLoad({ store_id: 'sh-jingan', dish_id: 'd-gongbao' })
  await waitFor(() => page.querySelector('#reviews'))
  expect(text(page, '#rating')).toBe('4.5分 · 2条评价')
  expect(text(page, '#reviews')).toBe('最新评价★★★★☆ 2026-12-04有点咸商家回复：下次少放盐★★★★★ 2026-12-03很香')
  expect(page.instance.data.dish.reviews[0].starsText).toBe('4星')

  wx.__route('GET /menu/stores/sh-jingan/menu', { status: 200, data: menu() })
  const menuPage = render('pages/menu/menu')
  menuPage.instance.onLoad({ store_id: 'sh-jingan' })
  await waitFor(() => menuPage.querySelector('#dish-d-gongbao'))
  menuPage.instance.onDetail({ currentTarget: { dataset: { id: 'd-gongbao' } } })
  expect(wx.__called('navigateTo').pop().args.url).toBe('/dish/detail/detail?store_id=sh-jingan&dish_id=d-gongbao')
  menuPage.instance.onUnload()
})
