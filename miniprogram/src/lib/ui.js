/* One behavior every page and component shares: the guest's language (its message sections as data) and
 * elder mode (a root class `elder` and larger, high-contrast styles from styles/elder.wxss). Read when the
 * page attaches, and again by refreshUi() in its onShow, so a switch in 我的 reaches pages already open. */
const i18n = require('./i18n')
const prefs = require('./prefs')

/** ui({msg: 'menu', cartMsg: 'cart'}) → a Behavior giving data.msg, data.cartMsg, data.elder, data.lang. */
function ui(sections = {}) {
  const words = () => {
    const out = { common: i18n.section('common'), a11y: i18n.section('a11y') }
    for (const [key, name] of Object.entries(sections)) out[key] = i18n.section(name)
    return out
  }
  return Behavior({
    data: { elder: false, lang: 'zh' },
    lifetimes: {
      attached() { this.applyUi() },
    },
    methods: {
      applyUi() {
        const lang = i18n.refresh()
        const elder = prefs.elder()
        this.uiLang = lang
        this.uiElder = elder
        this.setData({ ...words(), elder, lang })
      },
      /** From a page's onShow: when the guest switched language or elder mode in 我的 meanwhile, show the
       * new words and draw the page again (its own `load`). True when something changed. */
      refreshUi() {
        if (this.uiLang === i18n.refresh() && this.uiElder === prefs.elder()) return false
        this.applyUi()
        if (typeof this.load === 'function') this.load()
        return true
      },
    },
  })
}

module.exports = { ui }
