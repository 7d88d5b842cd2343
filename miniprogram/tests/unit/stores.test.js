const { render, waitFor, text, tap, all, state, atTime } = require('../helpers')
const { store, closedStore } = require('../fixtures')

const PAGE = 'pages/stores/stores'

beforeEach(() => { wx.__reset(); wx.__state.location = null; wx.__state.authSetting = {} })

test('with location: nearest first, distance, open and closed with next opening', () => atTime('2026-11-24T07:30:00+08:00', async () => {
  wx.__state.location = { latitude: 31.23, longitude: 121.47 }
  wx.__route('GET /menu/stores', (req) => ({ status: 200, data: { stores: [
    { ...store, distance_m: 2388, _q: req.query }, { ...closedStore, distance_m: 5502 }] } }))
  const page = render(PAGE)
  expect(state(page, 'loading')).toBeTruthy()
  page.instance.onLoad({})
  await waitFor(() => page.querySelector('#store-sh-jingan'))
  expect(wx.__state.requests[0].query).toEqual({ lat: '31.23', lng: '121.47' })
  expect(text(page, '#store-sh-jingan')).toContain('距你 2.4km')
  expect(text(page, '#store-sh-jingan')).toContain('营业中')
  expect(text(page, '#store-sh-xuhui')).toMatch(/休息中.*今天 10:00 开始营业/)
  expect(page.querySelector('#location-tip')).toBeFalsy()
  await tap(page, '#store-sh-xuhui')
  expect(wx.__called('navigateTo')[0].args.url).toBe('/pages/menu/menu?store_id=sh-xuhui')
}))

test('without location: a polite banner and the list by city', async () => {
  wx.__route('GET /menu/stores', (req) => ({ status: 200, data: { stores: req.query.lat ? [] : [store, closedStore] } }))
  const page = render(PAGE)
  page.instance.onLoad({})
  await waitFor(() => page.querySelector('#store-sh-jingan'))
  expect(text(page, '#location-tip')).toContain('开启位置后可为你推荐最近的门店')
  expect(text(page, '.city')).toBe('上海')
  expect(all(page, '.store')).toHaveLength(2)
  await tap(page, '#allow-location')
  expect(wx.__called('openSetting')).toHaveLength(1)
})

test('empty and error states; retry reloads', async () => {
  wx.__route('GET /menu/stores', { status: 200, data: { stores: [] } })
  const page = render(PAGE)
  page.instance.onLoad({})
  await waitFor(() => state(page, 'empty'))
  expect(state(page, 'empty').dom.textContent).toContain('附近暂无门店')
  wx.__route('GET /menu/stores', { networkError: true })
  page.instance.load()
  await waitFor(() => state(page, 'error'))
  expect(state(page, 'error').dom.textContent).toContain('网络不太好')
  wx.__route('GET /menu/stores', { status: 200, data: { stores: [store] } })
  await tap(page, state(page, 'retry'))
  await waitFor(() => page.querySelector('#store-sh-jingan'))
})
