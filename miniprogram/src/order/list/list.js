/* The guest's orders, newest first, a page at a time (the server's cursor); pull to refresh. */
const api = require('../../lib/api')
const status = require('../../lib/order-status')
const { t } = require('../../lib/i18n')
const { formatFen } = require('../../lib/money')
const { ui } = require('../../lib/ui')
const cartStore = require('../../lib/cart')

const PAGE_SIZE = 10

function present(o) {
  return {
    order_id: o.order_id,
    statusText: status.label(o.status, o.mode),
    pending: o.status === 'PENDING_PAYMENT',
    modeText: t(`modes.${o.mode}`),
    summary: o.lines.map((l) => `${l.name}×${l.qty}`).join('、'),
    total: formatFen(o.total_fen),
    createdAt: status.shortTime(o.created_at),
    pickupNo: o.pickup_no && o.mode !== 'delivery' ? t('order.pickupNo') + ' ' + o.pickup_no : '',
    again: !o.table_no && o.status !== 'PENDING_PAYMENT', // a table's rounds are ordered at the table
  }
}

Component({
  behaviors: [ui({ msg: 'order' })],
  data: { status: 'loading', error: '', orders: [], more: false, loadingMore: false },
  methods: {
    onShow() {
      this.refreshUi()
    },
    onLoad() {
      this.refresh()
    },
    onPullDownRefresh() {
      this.refresh().then(() => wx.stopPullDownRefresh())
    },
    onReachBottom() {
      this.loadMore()
    },
    refresh() {
      this.cursor = null
      return api.request('orders', 'GET', '/orders', { query: { limit: PAGE_SIZE } })
        .then((page) => {
          this.cursor = page.next_cursor
          this.byId = Object.fromEntries(page.orders.map((o) => [o.order_id, o]))
          const orders = page.orders.map(present)
          this.setData({ orders, more: Boolean(page.next_cursor), status: orders.length ? 'ready' : 'empty' })
        })
        .catch((error) => this.setData({ status: 'error', error: error.message }))
    },
    loadMore() {
      if (!this.cursor || this.data.loadingMore) return Promise.resolve()
      this.setData({ loadingMore: true })
      return api.request('orders', 'GET', '/orders', { query: { limit: PAGE_SIZE, cursor: this.cursor } })
        .then((page) => {
          this.cursor = page.next_cursor
          for (const o of page.orders) this.byId[o.order_id] = o
          this.setData({ orders: this.data.orders.concat(page.orders.map(present)), more: Boolean(page.next_cursor), loadingMore: false })
        })
        .catch((error) => {
          this.setData({ loadingMore: false })
          wx.showToast({ title: error.message, icon: 'none' })
        })
    },
    onOpen(e) {
      wx.navigateTo({ url: `/order/detail/detail?order_id=${e.currentTarget.dataset.id}` })
    },
    /** One tap: the same dishes in the cart of that store, straight to checkout (the server re-prices). */
    onAgain(e) {
      const order = this.byId[e.currentTarget.dataset.id]
      if (!order) return
      cartStore.fromOrder(order)
      // checkout needs the store's profile, kept by a menu visit; without it the menu shows the cart first
      const known = wx.getStorageSync(`diancan.store.${order.store_id}`)
      wx.navigateTo({ url: known ? `/order/checkout/checkout?store_id=${order.store_id}` : `/pages/menu/menu?store_id=${order.store_id}` })
    },
    onGoMenu() {
      wx.reLaunch({ url: '/pages/stores/stores' })
    },
    onRetry() {
      this.setData({ status: 'loading' })
      this.refresh()
    },
  },
})
