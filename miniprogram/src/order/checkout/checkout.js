/* Checkout: the modes the store allows, now or a pre-order time the store accepts, the address book for
 * delivery (an out-of-range address is refused by the server and said so), remark, the offers the server
 * chose with its explanation lines, a coupon the guest may pick instead, points, and the total from /quote.
 * Paying places the order with one Idempotency-Key per checkout attempt (reused on retry) and hands the
 * server's pay_params to wx.requestPayment. */
const api = require('../../lib/api')
const cartStore = require('../../lib/cart')
const hours = require('../../lib/hours')
const pay = require('../../lib/pay')
const { lineView } = require('../../lib/order-status')
const { t } = require('../../lib/i18n')
const { formatFen } = require('../../lib/money')
const { ui } = require('../../lib/ui')

const ADDRESS_KEY = 'diancan.addresses'

Component({
  behaviors: [ui({ msg: 'checkout' })],
  data: {
    status: 'loading',
    error: '',
    modes: [],
    mode: '',
    confirming: false, // elder mode: the read-back screen is shown
    sentences: [],
    slots: [],
    slotIndex: 0, // 0 = now
    slotLabels: [],
    address: null,
    addressError: '',
    remark: '',
    coupons: [],
    couponIndex: 0, // 0 = let the server choose the best
    couponLabels: [],
    points: 0,
    usePoints: false,
    quote: null,
    quoteError: '',
    paying: false,
  },
  methods: {
    onLoad(query = {}) {
      this.storeId = query.store_id
      this.store = wx.getStorageSync(`diancan.store.${this.storeId}`)
      this.cart = cartStore.load(this.storeId)
      if (!this.store || !this.cart.lines.length) {
        this.setData({ status: 'empty', error: t('cart.empty') })
        return
      }
      const modes = this.store.modes.map((m) => ({ mode: m, label: t(`modes.${m}`) }))
      const mode = this.store.modes.includes(this.cart.mode) ? this.cart.mode : this.store.modes[0]
      const slots = hours.preorderSlots(this.store)
      this.setData({ modes, mode, slots, lines: this.cart.lines })
      this.labelSlots()
      this.pickAddress()
      this.loadWallet().then(() => this.requote())
    },
    onShow() {
      if (this.refreshUi()) return
      if (this.store && this.cart && this.cart.lines.length && this.data.status !== 'loading') {
        this.pickAddress()
        this.requote()
      }
    },
    labelSlots() {
      const now = this.data.mode === 'delivery' ? t('checkout.nowDelivery') : t('checkout.now', { mode: t(`modes.${this.data.mode}`) })
      this.setData({ slotLabels: [now, ...this.data.slots.map((s) => t('checkout.preorder', { when: s.label }))] })
    },
    pickAddress() {
      const addresses = wx.getStorageSync(ADDRESS_KEY) || []
      this.setData({ address: addresses[0] || null })
    },
    loadWallet() {
      return api.request('orders', 'GET', '/me')
        .then((me) => {
          const coupons = (me.coupons || []).filter((c) => c.status === 'available')
          this.setData({
            coupons,
            couponLabels: [t('checkout.bestCoupon'), ...coupons.map((c) => c.name)],
            points: me.points || 0,
            pointsHint: t('checkout.pointsHint', { n: me.points || 0 }),
          })
        })
        .catch(() => { /* no wallet: the server still chooses the best offers */ })
    },
    body() {
      const body = { store_id: this.storeId, mode: this.data.mode, items: cartStore.items(this.cart), remark: this.data.remark }
      if (this.data.slotIndex > 0) body.pickup_at = this.data.slots[this.data.slotIndex - 1].iso
      if (this.data.mode === 'delivery' && this.data.address) {
        const { contact, phone, text, lat, lng } = this.data.address
        body.address = { contact, phone, text, lat, lng }
      }
      if (this.data.couponIndex > 0) body.coupon_id = this.data.coupons[this.data.couponIndex - 1].coupon_id
      if (this.data.usePoints && this.data.points > 0) body.use_points = this.data.points
      return body
    },
    requote() {
      const body = this.body()
      if (body.mode === 'delivery' && !body.address) {
        this.setData({ status: 'ready', quote: null, quoteError: '', addressError: '' })
        return Promise.resolve()
      }
      const ticket = (this.ticket = (this.ticket || 0) + 1)
      return api.request('place_order', 'POST', '/quote', { data: body })
        .then((q) => {
          if (ticket !== this.ticket) return
          this.setData({
            status: 'ready',
            quoteError: '',
            addressError: '',
            quote: {
              lines: q.lines.map(lineView),
              items: formatFen(q.items_fen),
              packing: q.packing_fee_fen ? formatFen(q.packing_fee_fen) : '',
              delivery: q.delivery_fee_fen ? formatFen(q.delivery_fee_fen) : '',
              discounts: q.discounts.map((d) => ({ label: d.label, amount: `-${formatFen(d.amount_fen)}` })),
              explain: q.explain || [],
              total: formatFen(q.total_fen),
              total_fen: q.total_fen,
            },
          })
        })
        .catch((error) => {
          if (ticket !== this.ticket) return
          const range = error.code === 'OUT_OF_DELIVERY_RANGE'
          this.setData({ status: 'ready', quote: null, quoteError: range ? '' : error.message, addressError: range ? error.message : '' })
        })
    },
    onMode(e) {
      this.setData({ mode: e.currentTarget.dataset.mode })
      this.cart = cartStore.setMode(this.cart, this.data.mode)
      this.labelSlots()
      this.requote()
    },
    onSlot(e) {
      this.setData({ slotIndex: Number(e.detail.value) })
      this.requote()
    },
    onCoupon(e) {
      this.setData({ couponIndex: Number(e.detail.value) })
      this.requote()
    },
    onPoints(e) {
      this.setData({ usePoints: Boolean(e.detail.value) })
      this.requote()
    },
    onRemark(e) {
      this.setData({ remark: e.detail.value })
    },
    onAddress() {
      wx.navigateTo({ url: '/order/address/address?pick=1' })
    },
    /** One checkout attempt = one body; the same body on a retry keeps its Idempotency-Key, so a lost answer
     * never places a second order. */
    keyFor(body) {
      const fingerprint = JSON.stringify(body)
      if (!this.attempt || this.attempt.fingerprint !== fingerprint) {
        this.attempt = { fingerprint, key: api.newIdempotencyKey() }
      }
      return this.attempt.key
    },
    /** Elder mode: before paying, the order read back in full sentences on one screen; paying is the
     * confirmation's own button (its tap asks for the status messages). */
    readBack() {
      const q = this.data.quote
      const lines = q.lines.map((l) => t('confirm.line', { name: l.name, qty: l.qty, options: l.options ? t('confirm.options', { options: l.options }) : '' }))
      const address = this.data.mode === 'delivery' && this.data.address ? t('confirm.address', { address: this.data.address.text }) : ''
      return [
        t('confirm.store', { store: this.store.name }),
        ...lines,
        t('confirm.how', { how: this.data.slotLabels[this.data.slotIndex] || t(`modes.${this.data.mode}`) }) + address,
        t('confirm.total', { total: q.total }),
      ]
    },
    onPay() {
      if (this.data.paying || !this.data.quote) return undefined
      if (this.data.elder && !this.data.confirming) {
        this.setData({ confirming: true, sentences: this.readBack() })
        return undefined
      }
      return this.placeAndPay()
    },
    onBackToEdit() {
      this.setData({ confirming: false })
    },
    placeAndPay() {
      pay.askNotices(this.data.mode) // inside the tap, before any await
      const body = this.body()
      const idempotencyKey = this.keyFor(body)
      this.setData({ paying: true })
      return api.request('place_order', 'POST', '/orders', { data: body, idempotencyKey })
        .then((order) => {
          cartStore.clear(this.cart) // the order exists now, paid or not
          return pay.requestPayment(order.pay_params)
            .then((outcome) => {
              if (outcome === 'cancelled') wx.showToast({ title: t('pay.cancelled'), icon: 'none' })
              else api.request('orders', 'POST', `/orders/${order.order_id}/sync-payment`).catch(() => {})
              wx.redirectTo({ url: `/order/detail/detail?order_id=${order.order_id}` })
            }, (error) => {
              wx.showToast({ title: error.message, icon: 'none' })
              wx.redirectTo({ url: `/order/detail/detail?order_id=${order.order_id}` })
            })
        })
        .catch((error) => {
          this.setData({ paying: false })
          wx.showToast({ title: error.message, icon: 'none' })
          if (error.code !== 'NETWORK') this.requote() // a refusal: show what changed (sold out, closed…)
        })
    },
    onRetry() {
      this.requote()
    },
  },
})
