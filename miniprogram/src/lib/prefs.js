/* The guest's display preferences, kept in storage (WeChat keeps a mini-program's storage per user, so
 * each guest has their own): elder mode (适老化) on or off. Unset, elder mode follows WeChat's font size
 * setting: on when the guest has chosen a large font. */
const ELDER_KEY = 'diancan.elder'
// WeChat's fontSizeSetting is the body font in px at the chosen setting: 17 is standard, 20 and above large
const LARGE_FONT_PX = 20

function systemFontPx() {
  try {
    const info = wx.getAppBaseInfo ? wx.getAppBaseInfo() : wx.getSystemInfoSync()
    return Number(info && info.fontSizeSetting) || 17
  } catch (e) {
    return 17
  }
}

function elder() {
  let chosen = ''
  try { chosen = wx.getStorageSync(ELDER_KEY) } catch (e) { /* unset */ }
  if (chosen === 'on') return true
  if (chosen === 'off') return false
  return systemFontPx() >= LARGE_FONT_PX
}

function setElder(on) {
  wx.setStorageSync(ELDER_KEY, on ? 'on' : 'off')
}

module.exports = { elder, setElder, ELDER_KEY, LARGE_FONT_PX }
