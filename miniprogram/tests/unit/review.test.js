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

/* Pictures: picked with wx.chooseMedia, each uploaded at once to the presigned POST the back end hands out
 * (wx.uploadFile with its fields, the file last), at most 3; the review names the uploaded keys. */
const FORM = (n) => ({ key: `reviews/0123456789abcdef0123/${String(n).repeat(32)}.jpg`, url: 'https://pictures.example.com/',
  fields: { key: `reviews/0123456789abcdef0123/${String(n).repeat(32)}.jpg`, 'Content-Type': 'image/jpeg', policy: 'p', 'x-amz-signature': 's' },
  file_field: 'file', expires_in: 300, max_bytes: 5242880 })

function reviewable() {
  wx.__route(`GET /orders/orders/${ID}`, { status: 200, data: order({ status: 'COMPLETED' }) })
  wx.__route(`POST /orders/orders/${ID}/review`, { status: 201, data: { order_id: ID } })
  let n = 0
  wx.__route('POST /orders/review-pictures', () => { n += 1; return { status: 200, data: FORM(n) } })
}

test('up to 3 pictures are chosen and uploaded to the presigned POST; the review names their keys', async () => {
  reviewable()
  wx.__state.chosenMedia = [{ tempFilePath: 'wxfile://a.jpg', size: 1000 }, { tempFilePath: 'wxfile://b.PNG', size: 2000 },
    { tempFilePath: 'wxfile://c.jpeg', size: 3000 }, { tempFilePath: 'wxfile://d.jpg', size: 4000 }]
  const page = render('order/review/review')
  page.instance.onLoad({ order_id: ID })
  await waitFor(() => page.querySelector('#star-d-milktea-5'))
  expect(text(page, '#add-picture')).toBe('＋添加图片')
  await tap(page, '#add-picture')
  expect(wx.__called('chooseMedia')[0].args).toMatchObject({ count: 3, mediaType: ['image'] })
  await waitFor(() => page.instance.data.pictures.length === 3 && page.instance.data.pictures.every((p) => p.status === 'done'))
  const asked = wx.__state.requests.filter((r) => r.key === 'POST /orders/review-pictures').map((r) => r.data)
  expect(asked).toEqual([{ content_type: 'image/jpeg', size: 1000 }, { content_type: 'image/png', size: 2000 }, { content_type: 'image/jpeg', size: 3000 }])
  const uploads = wx.__called('uploadFile').map((c) => c.args)
  expect(uploads.map((u) => [u.url, u.filePath, u.name, u.formData.key])).toEqual([
    ['https://pictures.example.com/', 'wxfile://a.jpg', 'file', FORM(1).key],
    ['https://pictures.example.com/', 'wxfile://b.PNG', 'file', FORM(2).key],
    ['https://pictures.example.com/', 'wxfile://c.jpeg', 'file', FORM(3).key]])
  expect(uploads[0].header).toBeUndefined() // no guest token goes to the storage
  expect(page.querySelector('#add-picture')).toBeFalsy() // 3 is the most
  expect(page.querySelector('#picture-1').dom.innerHTML).toContain('thumb')
  await tap(page, '#remove-1')
  expect(page.instance.data.pictures.map((p) => p.key)).toEqual([FORM(1).key, FORM(3).key])
  await tap(page, '#star-d-milktea-5')
  await tap(page, '#submit')
  const sent = wx.__state.requests.filter((r) => r.key === `POST /orders/orders/${ID}/review`).map((r) => r.data)
  expect(sent).toEqual([{ dishes: [{ dish_id: 'd-milktea', stars: 5 }], text: '', pictures: [FORM(1).key, FORM(3).key] }])
})

test('a picture too big or of another kind is not uploaded; a failed upload is shown and left out', async () => {
  reviewable()
  const page = render('order/review/review')
  page.instance.onLoad({ order_id: ID })
  await waitFor(() => page.querySelector('#star-d-milktea-5'))
  wx.__state.chosenMedia = [{ tempFilePath: 'wxfile://big.jpg', size: 6 * 1024 * 1024 }, { tempFilePath: 'wxfile://anim.gif', size: 10 }]
  await tap(page, '#add-picture')
  expect(wx.__called('showToast').map((c) => c.args.title)).toEqual(['图片不能超过5MB', '只支持JPG、PNG、WebP图片'])
  expect(wx.__called('uploadFile')).toHaveLength(0)
  wx.__state.upload = { statusCode: 403 }
  wx.__state.chosenMedia = [{ tempFilePath: 'wxfile://a.jpg', size: 1000 }]
  await tap(page, '#add-picture')
  await waitFor(() => page.instance.data.pictures.length === 1 && page.instance.data.pictures[0].status === 'failed')
  expect(text(page, '#picture-0')).toContain('上传失败')
  expect(wx.__called('showToast').pop().args.title).toBe('图片上传失败，请重试')
  await tap(page, '#star-d-milktea-4')
  await tap(page, '#submit')
  const sent = wx.__state.requests.filter((r) => r.key === `POST /orders/orders/${ID}/review`).map((r) => r.data)
  expect(sent[0].pictures).toEqual([])
})

test('the review waits for an upload in flight', async () => {
  reviewable()
  let release
  wx.__route('POST /orders/review-pictures', () => new Promise((resolve) => { release = () => resolve({ status: 200, data: FORM(7) }) }))
  const page = render('order/review/review')
  page.instance.onLoad({ order_id: ID })
  await waitFor(() => page.querySelector('#star-d-milktea-5'))
  wx.__state.chosenMedia = [{ tempFilePath: 'wxfile://a.webp', size: 1000 }]
  await tap(page, '#add-picture')
  await tap(page, '#star-d-milktea-5')
  await tap(page, '#submit')
  expect(wx.__called('showToast').pop().args.title).toBe('请等图片上传完成')
  expect(wx.__state.requests.filter((r) => r.key === `POST /orders/orders/${ID}/review`)).toHaveLength(0)
  release()
  await waitFor(() => page.instance.data.pictures[0].status === 'done')
  await tap(page, '#submit')
  const sent = wx.__state.requests.filter((r) => r.key === `POST /orders/orders/${ID}/review`).map((r) => r.data)
  expect(sent[0].pictures).toEqual([FORM(7).key])
})

test('a dish\'s reviews show their pictures, each with its screen-reader words', async () => {
  wx.__route('GET /menu/stores/sh-jingan/dishes/d-gongbao', { status: 200, data: { ...dish('d-gongbao', '宫保鸡丁', 3800, { rating: 5, rating_count: 1 }),
    reviews: [{ review_key: 'r1', stars: 5, text: '有图', pictures: ['https://pictures.example.com/reviews/a.jpg?X-Amz-Signature=1'], at: '2026-12-04T12:00:00Z', reply: null }] } })
  const page = render('dish/detail/detail')
  page.instance.onLoad({ store_id: 'sh-jingan', dish_id: 'd-gongbao' })
  await waitFor(() => page.querySelector('#reviews'))
  expect(page.instance.data.dish.reviews[0].pictures).toEqual([{ url: 'https://pictures.example.com/reviews/a.jpg?X-Amz-Signature=1', label: '第1张图片' }])
  expect(page.querySelector('#reviews').dom.innerHTML).toContain('review-picture')
})
