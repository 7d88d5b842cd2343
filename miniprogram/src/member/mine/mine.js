/* 我的: points, level and what the next level gives, usable coupons with their rules in words, coupons to
 * claim from the last store's campaigns, order history and addresses, the phone number (only through
 * WeChat's phone button, which is the guest's consent), birthday, and the two display choices: elder mode
 * (适老化) and language. */
const api = require('../../lib/api')
const i18n = require('../../lib/i18n')
const prefs = require('../../lib/prefs')
const { ruleWords } = require('../../lib/coupons')
const { formatFen } = require('../../lib/money')
const { ui } = require('../../lib/ui')

const LAST_STORE_KEY = 'diancan.lastStore'
const { t } = i18n

function perks(level) {
  return level.percent_off
    ? t('mine.perks', { pct: level.percent_off, zhOff: (100 - level.percent_off) / 10, mult: level.points_multiplier_percent / 100 })
    : t('mine.noPerks')
}

function levelName(level) {
  return i18n.language() === 'en' ? level.level.charAt(0).toUpperCase() + level.level.slice(1) : level.name
}

Component({
  behaviors: [ui({ msg: 'mine', languages: 'languages' })],
  data: { today: '', status: 'loading', error: '', me: null, coupons: [], past: [], claimable: [], phone: '', birthday: '', languageChoices: [] },
  methods: {
    onLoad() {
      this.load()
    },
    onShow() {
      this.refreshUi()
    },
    load() {
      wx.setNavigationBarTitle({ title: t('mine.title') })
      // the date picker ends today (Shanghai): the back end refuses a birthday in the future
      const today = new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10)
      this.setData({ status: this.data.me ? 'ready' : 'loading', languageChoices: this.languageChoices(), today })
      const storeId = wx.getStorageSync(LAST_STORE_KEY)
      const campaigns = storeId
        ? api.request('menu', 'GET', `/stores/${storeId}/campaigns`, { auth: 'optional' }).catch(() => ({ coupons: [] }))
        : Promise.resolve({ coupons: [] })
      return Promise.all([api.request('orders', 'GET', '/me'), campaigns])
        .then(([me, offers]) => this.show(me, offers))
        .catch((error) => this.setData({ status: 'error', error: error.message }))
    },
    show(me, offers) {
      const next = me.next_level
      const held = new Set(me.coupons.map((c) => c.template_id))
      this.setData({
        status: 'ready',
        me: {
          points: me.points,
          code: me.member_code ? t('mine.memberCode', { code: me.member_code }) : '',
          levelName: levelName(me.level),
          perks: perks(me.level),
          next: next ? t('mine.nextLevel', { fee: formatFen(next.spend_needed_fen), name: levelName(next), pct: next.percent_off,
            zhOff: (100 - next.percent_off) / 10, mult: next.points_multiplier_percent / 100 }) : t('mine.topLevel'),
        },
        coupons: me.coupons.map((c) => ({ coupon_id: c.coupon_id, name: c.name, rule: ruleWords(c),
          until: t('mine.validUntil', { date: c.valid_until.slice(0, 10) }) })),
        past: (me.past_coupons || []).map((c) => ({ coupon_id: c.coupon_id, name: c.name, rule: ruleWords(c),
          status: t(`mine.couponStatus.${c.status}`) })),
        claimable: (offers.coupons || []).map((c) => ({ template_id: c.template_id, name: c.name, rule: ruleWords(c),
          claimed: held.has(c.template_id) })),
      })
    },
    languageChoices() {
      const now = i18n.language()
      return Object.keys(i18n.LANGUAGES).map((lang) => ({ lang, label: t(`languages.${lang}`), on: lang === now }))
    },
    onClaim(e) {
      const { id } = e.currentTarget.dataset
      return api.request('orders', 'POST', `/coupons/${id}/claim`)
        .then(() => { wx.showToast({ title: t('mine.claimed'), icon: 'none' }); return this.load() })
        .catch((error) => wx.showToast({ title: error.message, icon: 'none' }))
    },
    /** WeChat's phone button: the guest tapped it and agreed; without a code (refused) nothing is sent. */
    onPhone(e) {
      const code = e.detail && e.detail.code
      if (!code) return Promise.resolve()
      return api.request('orders', 'POST', '/me/phone', { data: { code } })
        .then((res) => { this.setData({ phone: res.phone }); wx.showToast({ title: t('mine.phoneSaved'), icon: 'none' }) })
        .catch((error) => wx.showToast({ title: error.message, icon: 'none' }))
    },
    onBirthday(e) {
      const birthday = e.detail.value
      return api.request('orders', 'POST', '/me/birthday', { data: { birthday } })
        .then(() => { this.setData({ birthday }); wx.showToast({ title: t('mine.birthdaySaved'), icon: 'none' }) })
        .catch((error) => wx.showToast({ title: error.message, icon: 'none' }))
    },
    onElder() {
      prefs.setElder(!this.data.elder)
      this.applyUi()
    },
    onLanguage(e) {
      i18n.setLanguage(e.currentTarget.dataset.lang)
      this.applyUi()
      this.load()
    },
    onOrders() {
      wx.navigateTo({ url: '/order/list/list' })
    },
    onPrivacy() {
      wx.navigateTo({ url: '/member/privacy/privacy' })
    },
    onAddresses() {
      wx.navigateTo({ url: '/order/address/address' })
    },
    onRetry() {
      this.load()
    },
  },
})
