/* A table QR code opens this page with its scene (URI-encoded in onLoad's query). The guest joins the
 * table's session and sees its shared cart (everyone at the table adds to it), sends rounds to the kitchen
 * (加菜) and pays as the store is set: each round first (pay_first) or the whole table at the end
 * (pay_after). The shared cart is polled only while the page is shown. */
const api = require('../../lib/api')
const pay = require('../../lib/pay')
const status = require('../../lib/order-status')
const spec = require('../../lib/spec')
const { t } = require('../../lib/i18n')
const { formatFen } = require('../../lib/money')
const { ui } = require('../../lib/ui')

const POLL_MS = 4000

Component({
  behaviors: [ui({ msg: 'table' })],
  data: { status: 'loading', error: '', table: null, lines: [], rounds: [], bill: null, busy: false },
  methods: {
    onLoad(query = {}) {
      this.visible = true
      const scene = query.scene ? decodeURIComponent(query.scene) : ''
      if (!scene && !query.session) {
        this.setData({ status: 'error', error: t('table.badCode') })
        return undefined
      }
      this.setData({ status: 'loading', joining: t('table.joining', { table: '' }) })
      const joined = scene
        ? api.request('tables', 'POST', '/tables/sessions', { data: { scene } })
        : Promise.resolve({ session_id: query.session })
      return joined
        .then((session) => {
          this.session = session
          return this.loadMenu(session.store_id).then(() => this.refresh())
        })
        .catch((error) => this.setData({ status: 'error', error: error.code === 'NOT_FOUND' || /SCENE|TABLE/.test(error.code) ? t('table.badCode') : error.message }))
    },
    onShow() {
      this.visible = true
      if (this.refreshUi()) return
      if (this.cart) this.refresh()
    },
    onHide() {
      this.visible = false
      clearTimeout(this.pollTimer)
    },
    onUnload() {
      this.visible = false
      clearTimeout(this.pollTimer)
    },
    onPullDownRefresh() {
      this.refresh().then(() => wx.stopPullDownRefresh())
    },
    loadMenu(storeId) {
      if (!storeId) return Promise.resolve()
      return api.request('menu', 'GET', `/stores/${storeId}/menu`, { auth: 'optional' }).then((menu) => {
        this.dishes = {}
        for (const c of menu.categories) for (const d of c.dishes) this.dishes[d.dish_id] = d
      })
    },
    refresh() {
      const id = this.session.session_id
      clearTimeout(this.pollTimer)
      return Promise.all([
        api.request('tables', 'GET', `/tables/sessions/${id}/cart`),
        api.request('tables', 'GET', `/tables/sessions/${id}/bill`),
      ])
        .then(([cart, bill]) => {
          if (!this.dishes) return this.loadMenu(cart.store_id).then(() => this.show(cart, bill))
          return this.show(cart, bill)
        })
        .catch((error) => {
          if (!this.cart) this.setData({ status: 'error', error: error.message })
        })
    },
    show(cart, bill) {
      this.cart = cart
      const dish = (id) => this.dishes[id] || { name: id, option_groups: [] }
      const orders = {}
      for (const o of bill.orders || []) orders[o.order_id] = o
      this.setData({
        status: 'ready',
        table: {
          name: `${this.session.store_name || ''} · ${this.session.table_name || cart.table_no}`,
          guests: t('table.guests', { list: (cart.guests || []).join('、') }),
          modeText: cart.mode === 'pay_after' ? t('table.payAfter') : t('table.payFirst'),
          payAfter: cart.mode === 'pay_after',
        },
        lines: cart.lines.map((l) => ({ line_id: l.line_id, name: dish(l.dish_id).name, options: spec.optionNames(this.dishes[l.dish_id], l.options), qty: l.qty, by: t('table.addedBy', { who: l.added_by }) })),
        rounds: (bill.rounds || []).map((r) => {
          const order = orders[r.order_id] || {}
          return {
            title: t('table.round', { n: r.round_no }),
            order_id: r.order_id,
            lines: r.lines.map((l) => `${l.name}×${l.qty}`).join('、'),
            total: formatFen(r.items_fen),
            statusText: order.status ? status.label(order.status, 'dine_in') : t('table.sent'),
            unpaid: order.status === 'PENDING_PAYMENT',
          }
        }),
        bill: { unpaid: Boolean(bill.unpaid) },
      })
      if (this.visible) this.pollTimer = setTimeout(() => this.refresh(), POLL_MS)
      return undefined
    },
    onAddDishes() {
      const s = this.session
      wx.navigateTo({ url: `/pages/menu/menu?store_id=${this.cart.store_id}&session=${s.session_id}&table=${encodeURIComponent(s.table_name || this.cart.table_no)}` })
    },
    /** Send the shared cart (as the guest sees it: its version) to the kitchen; pay it first if the store says so. */
    onSendRound() {
      if (this.data.busy || !this.data.lines.length) return undefined
      pay.askNotices('dine_in') // inside the tap, before any await
      this.setData({ busy: true })
      return api.request('tables', 'POST', `/tables/sessions/${this.session.session_id}/rounds`, { data: { version: this.cart.version } })
        .then((answer) => this.payIfAsked(answer.pay_params, answer.round && answer.round.order_id))
        .catch((error) => wx.showToast({ title: error.message, icon: 'none' }))
        .then(() => { this.setData({ busy: false }); return this.refresh() })
    },
    onCheckout() {
      if (this.data.busy) return undefined
      pay.askNotices('dine_in')
      this.setData({ busy: true })
      return api.request('tables', 'POST', `/tables/sessions/${this.session.session_id}/checkout`, { data: {} })
        .then((answer) => this.payIfAsked(answer.pay_params, answer.order_id))
        .catch((error) => wx.showToast({ title: error.message, icon: 'none' }))
        .then(() => { this.setData({ busy: false }); return this.refresh() })
    },
    onPayRound(e) {
      wx.navigateTo({ url: `/order/detail/detail?order_id=${e.currentTarget.dataset.id}` })
    },
    payIfAsked(payParams, orderId) {
      if (!payParams) return Promise.resolve()
      return pay.requestPayment(payParams).then((outcome) => {
        if (outcome === 'cancelled') wx.showToast({ title: t('pay.cancelled'), icon: 'none' })
        else if (orderId) return api.request('orders', 'POST', `/orders/${orderId}/sync-payment`).catch(() => {})
        return undefined
      })
    },
    onRetry() {
      this.setData({ status: 'loading' })
      if (this.session) this.refresh()
    },
  },
})
