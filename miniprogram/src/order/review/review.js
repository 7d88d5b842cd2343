/* Reviewing a completed order: stars per dish (five buttons each, no gesture) and a short text, sent once
 * (POST /orders/{id}/review); the server refuses an order not completed or already reviewed, in words. */
const api = require('../../lib/api')
const { t } = require('../../lib/i18n')
const { ui } = require('../../lib/ui')

const STARS = [1, 2, 3, 4, 5]

Component({
  behaviors: [ui({ msg: 'review' })],
  data: { status: 'loading', error: '', dishes: [], text: '', sending: false, done: false },
  methods: {
    onLoad(query = {}) {
      this.orderId = query.order_id
      wx.setNavigationBarTitle({ title: t('review.title') })
      this.load()
    },
    onShow() {
      this.refreshUi()
    },
    load() {
      return api.request('orders', 'GET', `/orders/${this.orderId}`)
        .then((order) => {
          const seen = new Set()
          const dishes = order.lines.filter((l) => !seen.has(l.dish_id) && seen.add(l.dish_id)).map((l) => ({ dish_id: l.dish_id, name: l.name, stars: 0 }))
          this.setData({ status: 'ready', dishes: this.starred(dishes) })
        })
        .catch((error) => this.setData({ status: 'error', error: error.message }))
    },
    /** Each dish with its five star buttons and their screen-reader words. */
    starred(dishes) {
      return dishes.map((d) => ({ ...d, buttons: STARS.map((n) => ({ n, on: n <= d.stars, label: t('review.starLabel', { name: d.name, n }) })),
        starsText: d.stars ? t('review.stars', { n: d.stars }) : '' }))
    },
    onStar(e) {
      const { dish, n } = e.currentTarget.dataset
      this.setData({ dishes: this.starred(this.data.dishes.map((d) => (d.dish_id === dish ? { ...d, stars: Number(n) } : d))) })
    },
    onText(e) {
      this.setData({ text: e.detail.value })
    },
    onSubmit() {
      if (this.data.sending || this.data.done) return Promise.resolve()
      if (this.data.dishes.some((d) => !d.stars)) {
        wx.showToast({ title: t('review.missing'), icon: 'none' })
        return Promise.resolve()
      }
      this.setData({ sending: true })
      const body = { dishes: this.data.dishes.map((d) => ({ dish_id: d.dish_id, stars: d.stars })), text: this.data.text.trim(), pictures: [] }
      return api.request('orders', 'POST', `/orders/${this.orderId}/review`, { data: body })
        .then(() => {
          this.setData({ sending: false, done: true })
          wx.showToast({ title: t('review.thanks'), icon: 'none' })
        })
        .catch((error) => {
          this.setData({ sending: false })
          wx.showToast({ title: error.message, icon: 'none' })
        })
    },
    onRetry() {
      this.load()
    },
  },
})
