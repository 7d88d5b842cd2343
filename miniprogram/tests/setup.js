/* Globals WeChat gives every script: getApp, getCurrentPages, and a wx whose behaviour each test sets
 * (tests/fake-wx.js). TDesign calls getApp() while loading. */
const { createFakeWx } = require('./fake-wx')

global.wx = createFakeWx()
global.getApp = () => ({ globalData: {} })
global.getCurrentPages = () => []
