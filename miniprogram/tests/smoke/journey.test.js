/* The smoke journey: the PAGES of the mini-program, driven as a guest would, against the real local stack
 * (every function, its WebSocket API, moto, the WeChat login and WeChat Pay simulators). Nothing here calls the
 * guest API itself except to read what a printed table QR code carries; the staff's side (calling a number) goes
 * through the console's API as a script of the store would. */
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

/** The staff at the counter calls the order's number (READY) through the console's API, as the pickup
 * screen's button does. */
async function callNumber(base, storeId, orderId) {
  const login = await global.nodeFetch(`${base}/admin/api/session`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ login: 'cashier', password: 'cashier-demo-2026' }) })
  expect(login.status).toBe(200)
  const { token } = await login.json()
  const called = await global.nodeFetch(`${base}/admin/s/${storeId}/orders/${orderId}/call`, { method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: '{}' })
  expect(called.status).toBe(200)
}

test('live order: paid from the order page, PAID then READY arrive over the real WebSocket and change the page with no poll in between', async () => {
  global.wx = createRealWx(stack.base, 'livesmoke')
  wx.__state.payment = 'cancel' // the guest closes the payment sheet at checkout: the order page opens unpaid

  const menu = follow('/pages/menu/menu?store_id=sh-jingan')
  await waitFor(() => menu.querySelector('#add-d-hongshao'), { ...WAIT, what: 'the menu' })
  await tap(menu, '#add-d-hongshao')
  const bar = menu.querySelector('#cart')
  await waitFor(() => text(bar, '#cart-count') === '1' && /^¥\d+\.\d\d$/.test(text(bar, '#cart-total') || ''), { ...WAIT, what: 'the server quote' })
  await tap(bar, '#cart-checkout')
  const checkout = follow(lastNavigation())
  await waitFor(() => checkout.querySelector('#quote'), { ...WAIT, what: 'the checkout quote' })
  await tap(checkout, '#pay')
  await waitFor(() => wx.__called('redirectTo').length, { ...WAIT, what: 'placing the order' })

  const detailUrl = lastNavigation()
  const orderId = query(detailUrl).query.order_id
  const detail = follow(detailUrl)
  const detailPath = `/orders/orders/${orderId}`
  const detailReads = () => wx.__state.requests.filter((r) => r.key === `GET ${detailPath}`).length
  const pageStatus = () => detail.instance.data.order && detail.instance.data.order.status
  // around each socket message: the page's status, the reads of the order asked so far, the answers so far
  wx.__state.watch = () => ({ status: pageStatus(), reads: detailReads(), responses: wx.__state.responses.length })
  await waitFor(() => pageStatus() === 'PENDING_PAYMENT' && detail.querySelector('#pay-again'), { ...WAIT, what: 'the unpaid order' })

  // the page follows order:<id> on the stack's WebSocket API with the guest's token, and the server confirmed it
  const socket = await waitFor(() => wx.__state.sockets.find((s) => s.received.some((m) => m.type === 'subscribed')), { ...WAIT, what: 'the socket subscribed' })
  expect(socket.url).toBe(`${stack.wsBase}?token=${encodeURIComponent(wx.getStorageSync('diancan.token'))}`)
  expect(socket.sent).toEqual([{ action: 'subscribe', topic: `order:${orderId}` }])
  expect(socket.received[0]).toEqual({ type: 'subscribed', topic: `order:${orderId}` })
  await waitFor(() => detail.instance.data.live && wx.__state.responses.filter((r) => r.key === `GET ${detailPath}`).length === detailReads(), { ...WAIT, what: 'the read on opening answered' })
  const readsWhileOpen = detailReads()

  wx.__state.payment = 'hold' // paid in WeChat Pay; the sheet's success comes after the notification went through
  await tap(detail, '#pay-again')
  const paid = await waitFor(() => wx.__state.pushes.find((p) => p.message.status === 'PAID'), { ...WAIT, what: 'PAID pushed' })
  expect(paid.message).toMatchObject({ type: 'order', order_id: orderId, status: 'PAID' })
  expect(paid.before.status).toBe('PENDING_PAYMENT')
  expect(paid.after.status).toBe('PAID') // the socket message itself changed the page's data, no read in between
  expect(paid.after.reads).toBe(paid.before.reads)
  expect(paid.before.reads).toBe(readsWhileOpen) // and no poll while the guest paid
  expect(wx.__state.responses.slice(0, paid.before.responses).some((r) => r.data && r.data.status === 'PAID')).toBe(false)
  expect(wx.__state.heldPayments).toHaveLength(1) // the sheet had not even answered yet
  wx.__state.heldPayments.shift()() // now it does: sync-payment, the page shows what the server says
  const answered = (key) => wx.__state.responses.filter((r) => r.key === key).length === wx.__state.requests.filter((r) => r.key === key).length
  // every read answered before the staff calls the number: none in flight can answer READY before the socket
  // does (the page reads the order again only on a status message, and printing's PREPARING is silent)
  await waitFor(() => answered(`GET ${detailPath}`) && answered(`POST ${detailPath}/sync-payment`)
    && wx.__state.responses.some((r) => r.key === `POST ${detailPath}/sync-payment`), { ...WAIT, what: 'every read of the order answered' })

  await callNumber(stack.base, 'sh-jingan', orderId)
  const ready = await waitFor(() => wx.__state.pushes.find((p) => p.message.status === 'READY'), { ...WAIT, what: 'READY pushed' })
  expect(ready.message).toMatchObject({ type: 'order', order_id: orderId, status: 'READY' })
  expect(ready.before.status).not.toBe('READY')
  expect(ready.after.status).toBe('READY')
  expect(ready.after.reads).toBe(ready.before.reads)
  expect(wx.__state.responses.slice(0, ready.before.responses).some((r) => r.data && r.data.status === 'READY')).toBe(false)
  expect(text(detail, '#status')).toBe('请取餐')

  // while the socket was open the page never polled: every read of the order since then is the one a status
  // message asked for (PAID, READY, and any other status pushed between them; printing's PREPARING is silent today)
  const moves = wx.__state.pushes.filter((p) => p.message.type === 'order' && p.before.status !== p.after.status)
  expect(moves.map((p) => p.message.status)).toEqual(expect.arrayContaining(['PAID', 'READY']))
  expect(detailReads() - readsWhileOpen).toBe(moves.length)
  expect(wx.__state.sockets.filter((s) => s.closed)).toHaveLength(0) // one socket, open all along
  expect(wx.__state.sockets).toHaveLength(1)
  detail.instance.onUnload()
  await waitFor(() => socket.readyState === 3, { ...WAIT, what: 'the socket closed with the page' })
})
