/* The app's wiring as WeChat reads it: every page of app.json exists with its four files, every component a
 * page names exists, the first screens are in the main package, and the app logs in on launch. */
const fs = require('fs')
const path = require('path')
const config = require('../../src/config')

const SRC = path.join(__dirname, '..', '..', 'src')
const app = JSON.parse(fs.readFileSync(path.join(SRC, 'app.json'), 'utf8'))
const pages = [...app.pages, ...app.subPackages.flatMap((p) => p.pages.map((page) => `${p.root}/${page}`))]

test.each(pages)('%s has its files and its components exist', (page) => {
  for (const ext of ['js', 'json', 'wxml', 'wxss']) expect(fs.existsSync(path.join(SRC, `${page}.${ext}`))).toBe(true)
  const using = JSON.parse(fs.readFileSync(path.join(SRC, `${page}.json`), 'utf8')).usingComponents || {}
  for (const target of Object.values(using)) {
    const file = target.startsWith('/') ? path.join(SRC, target) : target.startsWith('tdesign-miniprogram/')
      ? path.join(SRC, 'miniprogram_npm', target) : path.join(SRC, path.dirname(page), target)
    expect(fs.existsSync(`${file}.json`)).toBe(true)
  }
})

test('the first screens are in the main package; the table QR page is reachable', () => {
  expect(app.pages[0]).toBe('pages/stores/stores')
  expect(pages).toContain('table/entry/entry')
})

test('the environment follows the release channel; one override for tests and own deployments', () => {
  const saved = global.wx.getAccountInfoSync
  try {
    global.wx.getAccountInfoSync = () => ({ miniProgram: { envVersion: 'release' } })
    expect(config.functionUrl('menu')).toBe(`${config.ENVIRONMENTS.production.base}/menu`)
    global.wx.getAccountInfoSync = () => ({ miniProgram: { envVersion: 'trial' } })
    expect(config.functionUrl('orders')).toBe(`${config.ENVIRONMENTS.staging.base}/orders`)
    config.useBase('http://127.0.0.1:9999')
    expect(config.functionUrl('auth')).toBe('http://127.0.0.1:9999/auth')
    expect(() => config.functionUrl('console')).toThrow()
  } finally {
    config.useBase(null)
    global.wx.getAccountInfoSync = saved
  }
})

test('the app logs in on launch: wx.login → auth function → token in storage', async () => {
  wx.__reset()
  wx.__route('POST /auth/login', { status: 200, data: { token: 'launch-token' } })
  let options
  global.App = (o) => { options = o }
  require('../../src/app')
  options.onLaunch()
  const { waitFor } = require('../helpers')
  await waitFor(() => wx.getStorageSync('diancan.token') === 'launch-token')
})
