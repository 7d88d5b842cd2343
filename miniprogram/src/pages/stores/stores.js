/* Home: the chain's stores, nearest first when the guest lets us know where they are. Location is asked
 * politely (a banner explains why, the system prompt comes only on a tap); without it the stores are listed
 * by city. Each store says open / closed / paused and when it opens next. */
const api = require('../../lib/api')
const { t } = require('../../lib/i18n')
const { formatFen } = require('../../lib/money')
const hours = require('../../lib/hours')
const { ui } = require('../../lib/ui')

function distanceText(m) {
  if (m === null || m === undefined) return ''
  return m < 1000 ? `${m}m` : `${(m / 1000).toFixed(1)}km`
}

function present(store, now) {
  let state = 'open'
  if (!store.accepting_orders) state = 'paused'
  else if (!store.open_now) state = 'closed'
  const next = state === 'closed' ? hours.nextOpening(store, now) : null
  return {
    store_id: store.store_id,
    name: store.name,
    city: store.city,
    address: store.address,
    state,
    stateText: t(`stores.${state}`),
    nextText: next ? t('stores.nextOpen', { when: hours.describe(next, now) }) : '',
    distanceText: store.distance_m !== undefined && store.distance_m !== null ? t('stores.distance', { d: distanceText(store.distance_m) }) : '',
    modesText: (store.modes || []).map((m) => t(`modes.${m}`)).join(' · '),
    minDeliveryText: (store.modes || []).includes('delivery') ? t('stores.minDelivery', { fee: formatFen(store.min_delivery_fen) }) : '',
  }
}

/** Stores grouped by city (the fallback list without location). */
function byCity(stores) {
  const groups = []
  for (const s of stores) {
    let g = groups.find((x) => x.city === s.city)
    if (!g) groups.push((g = { city: s.city || '', stores: [] }))
    g.stores.push(s)
  }
  return groups
}

Component({
  behaviors: [ui({ msg: 'stores', mine: 'mine' })],
  data: {
    status: 'loading',
    error: '',
    located: false,
    askLocation: false,
    groups: [],
  },
  methods: {
    onShow() {
      this.refreshUi()
    },
    onLoad() {
      this.start()
    },
    onPullDownRefresh() {
      this.load().then(() => wx.stopPullDownRefresh())
    },
    start() {
      // ask only if the guest has not said no before; otherwise offer the banner
      wx.getSetting({
        success: ({ authSetting }) => {
          if (authSetting['scope.userLocation'] === false) {
            this.setData({ askLocation: true })
            this.load()
          } else this.locate()
        },
        fail: () => this.load(),
      })
    },
    locate() {
      wx.getLocation({
        type: 'gcj02',
        success: ({ latitude, longitude }) => {
          this.position = { lat: latitude, lng: longitude }
          this.setData({ located: true, askLocation: false })
          this.load()
        },
        fail: () => {
          this.setData({ askLocation: true })
          this.load()
        },
      })
    },
    onAllowLocation() {
      wx.openSetting({ success: ({ authSetting }) => authSetting['scope.userLocation'] && this.locate() })
    },
    load() {
      this.setData({ status: this.data.groups.length ? 'ready' : 'loading' })
      const query = this.position || {}
      return api.request('menu', 'GET', '/stores', { auth: 'none', query })
        .then(({ stores }) => {
          const now = new Date()
          const shown = stores.map((s) => present(s, now))
          const groups = this.position ? [{ city: '', stores: shown }] : byCity(shown)
          this.setData({ groups, status: shown.length ? 'ready' : 'empty' })
        })
        .catch((error) => this.setData({ status: 'error', error: error.message }))
    },
    onRetry() {
      this.load()
    },
    onPickStore(e) {
      const { id } = e.currentTarget.dataset
      wx.navigateTo({ url: `/pages/menu/menu?store_id=${id}` })
    },
    onMyOrders() {
      wx.navigateTo({ url: '/order/list/list' })
    },
    onMine() {
      wx.navigateTo({ url: '/member/mine/mine' })
    },
  },
})
