/* The guest's orders, newest first, a page at a time (the server's cursor); pull to refresh. */
const api = require('../../lib/api')
const status = require('../../lib/order-status')
const { t } = require('../../lib/i18n')
const { formatFen } = require('../../lib/money')
const { ui } = require('../../lib/ui')

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
    onGoMenu() {
      wx.reLaunch({ url: '/pages/stores/stores' })
    },
    onRetry() {
      this.setData({ status: 'loading' })
      this.refresh()
    },
  },
})
