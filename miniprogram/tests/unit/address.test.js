const { render, text, tap } = require('../helpers')

const PAGE = 'order/address/address'

beforeEach(() => wx.__reset())

test('adds an address picked on the map; refuses a bad phone; picking moves it first', async () => {
  wx.__state.chosenLocation = { name: '1000号', address: '上海市静安区南京西路', latitude: 31.226, longitude: 121.456 }
  const page = render(PAGE)
  page.instance.onLoad()
  expect(page.querySelector('#form')).toBeTruthy()
  page.instance.onInput({ currentTarget: { dataset: { field: 'contact' } }, detail: { value: '王小姐' } })
  page.instance.onInput({ currentTarget: { dataset: { field: 'phone' } }, detail: { value: '1381234' } })
  await tap(page, '#pick')
  await tap(page, '#save')
  expect(text(page, '#address-error')).toBe('请填写11位手机号')
  page.instance.onInput({ currentTarget: { dataset: { field: 'phone' } }, detail: { value: '13812345678' } })
  await tap(page, '#save')
  expect(wx.getStorageSync('diancan.addresses')).toEqual([{ contact: '王小姐', phone: '13812345678', text: '上海市静安区南京西路1000号', lat: 31.226, lng: 121.456 }])
  wx.setStorageSync('diancan.addresses', [{ text: 'A' }, { text: 'B' }])
  const list = render(PAGE)
  list.instance.onLoad()
  await tap(list, '#address-1')
  expect(wx.getStorageSync('diancan.addresses').map((a) => a.text)).toEqual(['B', 'A'])
})
