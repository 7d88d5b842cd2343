/* One order: its steps and times, the pickup number in large type, the orders ahead and the estimated ready
 * time while the kitchen has it (the server refines both as tickets are bumped; each poll shows the new ones), the rider's steps for delivery, cancel while unpaid, pay again with a countdown to the deadline, refund
 * status. While the order is still moving and the page is shown it follows `order:<id>` on the WebSocket
 * (lib/live.js): a status message is applied at once (and the detail read again), a rider message moves the
 * rider on the map; while the socket is closed (not yet open, dropped, reconnecting) it polls instead. Out for
 * delivery: a map with the store, the address and the rider, the estimated arrival, the rider's masked phone
 * with a call button. Pull to refresh. */
const api = require('../../lib/api')
const live = require('../../lib/live')
const pay = require('../../lib/pay')
const status = require('../../lib/order-status')
const hours = require('../../lib/hours')
const { t } = require('../../lib/i18n')
const { formatFen } = require('../../lib/money')
const { ui } = require('../../lib/ui')

const POLL_MS = 5000

/** "N orders ahead of you" while the kitchen has the order (the server sends null otherwise). */
function queueText(ahead) {
  if (ahead === undefined || ahead === null) return ''
  return ahead > 0 ? t('order.queue', { n: ahead }) : t('order.queueNone')
}

/** The rider while they have the food (the server sends `rider` only then): masked name and phone, the
 * estimated arrival. */
function riderView(o) {
  const r = o.status === 'DELIVERING' ? o.rider : null
  if (!r) return { riderOut: false, riderMasked: '', etaText: '' }
  return {
    riderOut: true,
    riderMasked: t('order.riderMasked', { name: r.name, phone: r.phone }),
    etaText: r.eta_at ? t('order.eta', { time: status.shortTime(r.eta_at).slice(-5) }) : '',
  }
}

const MARKERS = { store: 1, home: 2, rider: 3 }
const ICONS = { store: '/images/marker-store.png', home: '/images/marker-home.png', rider: '/images/marker-rider.png' }

function marker(kind, point) {
  return { id: MARKERS[kind], latitude: point.lat, longitude: point.lng, width: 32, height: 32, iconPath: ICONS[kind],
    callout: { content: t(`order.map${kind[0].toUpperCase()}${kind.slice(1)}`), display: 'ALWAYS', padding: 4, borderRadius: 4 } }
}

/** The map while the rider is out: the store, the address and the rider (once the courier told where). */
function mapView(o, storePoint) {
  const r = o.status === 'DELIVERING' ? o.rider : null
  if (!r) return null
  const markers = []
  if (storePoint) markers.push(marker('store', storePoint))
  if (o.address && o.address.lat !== undefined) markers.push(marker('home', o.address))
  if (r.lat !== null && r.lat !== undefined) markers.push(marker('rider', r))
  if (!markers.length) return null
  const centre = markers[markers.length - 1]
  return { latitude: centre.latitude, longitude: centre.longitude, markers,
    points: markers.map((m) => ({ latitude: m.latitude, longitude: m.longitude })) }
}

function present(o) {
  const delivery = o.delivery || null
  return {
    ...riderView(o),
    order_id: o.order_id,
    status: o.status,
    statusText: status.label(o.status, o.mode),
    modeText: t(`modes.${o.mode}`),
    pickupNo: o.pickup_no !== null && o.pickup_no !== undefined && o.mode !== 'delivery' ? String(o.pickup_no) : '',
    queueText: queueText(o.orders_ahead),
    readyText: o.estimated_ready_at ? t('order.readyAround', { time: status.shortTime(o.estimated_ready_at).slice(-5) }) : '',
    steps: ['CANCELLED', 'REFUNDING', 'REFUNDED'].includes(o.status) ? [] : status.steps(o),
    courierSteps: delivery ? (delivery.steps || []).map((s) => ({ label: t(`courier.${s.status}`), time: status.shortTime(s.at) })) : [],
    riderText: delivery && delivery.rider ? t('order.rider', { name: delivery.rider.name, phone: delivery.rider.phone }) : '',
    riderPhone: delivery && delivery.rider ? delivery.rider.phone : '',
    stockNotice: o.stock_issue ? o.stock_issue.message : '',
    refundText: o.status === 'REFUNDING' ? t('order.refunding')
      : o.refunded_fen ? t('order.refunded', { fee: formatFen(o.refunded_fen) }) : '',
    preorderText: o.pickup_at ? t('order.preorderAt', { when: hours.describe(new Date(o.pickup_at)) }) : '',
    tableText: o.table_no ? t('order.table', { table: o.table_no }) : '',
    addressText: o.address ? `${o.address.text} ${o.address.contact} ${o.address.phone}` : '',
    remarkText: o.remark ? t('order.remark', { text: o.remark }) : '',
    lines: o.lines.map(status.lineView),
    packing: o.packing_fee_fen ? formatFen(o.packing_fee_fen) : '',
    deliveryFee: o.delivery_fee_fen ? formatFen(o.delivery_fee_fen) : '',
    discounts: (o.discounts || []).map((d) => ({ label: d.label, amount: `-${formatFen(d.amount_fen)}` })),
    total: formatFen(o.total_fen),
    createdAt: status.shortTime(o.created_at),
    payable: o.status === 'PENDING_PAYMENT',
    reviewable: o.status === 'COMPLETED',
    invoiceText: invoiceText(o.invoice),
    invoiceable: !o.invoice && INVOICEABLE.includes(o.status) && (o.paid_fen || 0) > (o.refunded_fen || 0),
  }
}

const INVOICEABLE = ['SCHEDULED', 'PAID', 'PREPARING', 'READY', 'DELIVERING', 'COMPLETED'] // SCHEDULED: a pre-order paid ahead
const TAX_NUMBER = /^[0-9A-HJ-NP-RTUWXY]{18}$/
const EMPTY_INVOICE = { kind: 'company', title: '', tax_number: '', email: '' }

function invoiceText(invoice) {
  if (!invoice) return ''
  if (invoice.status === 'issued') return t('invoice.issued', { no: invoice.invoice_no, email: invoice.request.email })
  return t('invoice.requested', { email: invoice.request.email })
}

/** What the form sends: a personal invoice carries no tax number; the server validates everything again. */
function invoiceBody(form) {
  const body = { kind: form.kind, title: form.title.trim(), email: form.email.trim() }
  if (form.kind === 'company') body.tax_number = form.tax_number.trim().toUpperCase()
  return body
}

function invoiceProblem(body) {
  if (!body.title || !body.email) return t('invoice.missing')
  if (body.kind === 'company' && !TAX_NUMBER.test(body.tax_number)) return t('invoice.badTaxNumber')
  return ''
}

Component({
  behaviors: [ui({ msg: 'order', payMsg: 'pay', checkoutMsg: 'checkout', reviewMsg: 'review', invoiceMsg: 'invoice' })],
  data: { status: 'loading', error: '', order: null, countdown: '', paying: false, map: null, live: false,
    invoiceOpen: false, invoice: EMPTY_INVOICE, invoiceError: '', invoiceSending: false },
  methods: {
    onLoad(query = {}) {
      this.orderId = query.order_id
      this.visible = true
      this.load()
    },
    onShow() {
      this.visible = true
      if (this.refreshUi()) return
      if (this.order) this.load()
    },
    onHide() {
      this.visible = false
      this.stopTimers()
      this.stopLive()
    },
    onUnload() {
      this.visible = false
      this.stopTimers()
      this.stopLive()
    },
    onPullDownRefresh() {
      this.load().then(() => wx.stopPullDownRefresh())
    },
    stopTimers() {
      clearTimeout(this.pollTimer)
      clearInterval(this.tickTimer)
      this.pollTimer = null
      this.tickTimer = null
    },
    load() {
      return api.request('orders', 'GET', `/orders/${this.orderId}`)
        .then((o) => this.show(o))
        .catch((error) => {
          if (!this.order) this.setData({ status: 'error', error: error.message })
          else wx.showToast({ title: error.message, icon: 'none' })
        })
    },
    show(o) {
      this.order = o
      this.setData({ status: 'ready', order: present(o), map: mapView(o, this.storePoint) })
      this.stopTimers()
      if (!this.visible) return
      if (o.status === 'PENDING_PAYMENT') {
        this.tick()
        this.tickTimer = setInterval(() => this.tick(), 1000)
      }
      if (!status.isMoving(o)) {
        this.stopLive()
        return
      }
      if (o.status === 'DELIVERING') this.findStore(o.store_id)
      if (!this.socket) this.socket = live.follow(`order:${this.orderId}`, { onMessage: (m) => this.onPush(m), onState: (open) => this.onLive(open) })
      if (!this.socket.open) this.poll()
    },
    /** Read the order again in a while: only while the socket is not there to tell us. */
    poll() {
      clearTimeout(this.pollTimer)
      this.pollTimer = setTimeout(() => this.load(), POLL_MS)
    },
    onLive(open) {
      this.setData({ live: open })
      if (open) {
        clearTimeout(this.pollTimer)
        this.pollTimer = null
        this.load() // what changed while the socket was closed
      } else if (this.visible && this.order && status.isMoving(this.order)) {
        this.poll()
      }
    },
    /** A message of the socket: an order's new status (applied now, then the whole detail read again) or
     * where its rider is. */
    onPush(message) {
      if (!this.order || message.order_id !== this.orderId) return
      if (message.type === 'order' && message.status !== this.order.status) {
        this.order = { ...this.order, status: message.status }
        this.setData({ order: present(this.order), map: mapView(this.order, this.storePoint) })
        this.load()
      } else if (message.type === 'rider' && this.order.rider) {
        this.order = { ...this.order, rider: { ...this.order.rider, lat: message.lat, lng: message.lng, eta_at: message.eta_at } }
        const r = riderView(this.order)
        this.setData({ map: mapView(this.order, this.storePoint), 'order.etaText': r.etaText })
      }
    },
    /** Where the store is, for the map: the chain's public store list, read once. */
    findStore(storeId) {
      if (this.storePoint || this.findingStore) return
      this.findingStore = true
      api.request('menu', 'GET', '/stores', { auth: 'none' })
        .then(({ stores }) => {
          const store = (stores || []).find((s) => s.store_id === storeId)
          if (store && store.lat !== null && store.lat !== undefined) {
            this.storePoint = { lat: store.lat, lng: store.lng }
            if (this.order) this.setData({ map: mapView(this.order, this.storePoint) })
          }
        })
        .catch(() => { /* the map shows the address and the rider without the store */ })
        .then(() => { this.findingStore = false })
    },
    stopLive() {
      if (this.socket) this.socket.close()
      this.socket = null
    },
    tick() {
      const left = pay.countdown(this.order.pay_expires_at)
      this.setData({ countdown: left ? t('pay.countdown', { mmss: left }) : t('pay.expired') })
    },
    onPayAgain() {
      if (this.data.paying) return undefined
      pay.askNotices(this.order && this.order.mode) // inside the tap, before any await
      this.setData({ paying: true })
      return api.request('orders', 'POST', `/orders/${this.orderId}/pay`)
        .then((answer) => pay.requestPayment(answer.pay_params || answer))
        .then((outcome) => {
          if (outcome === 'cancelled') {
            wx.showToast({ title: t('pay.cancelled'), icon: 'none' })
            return this.load()
          }
          return api.request('orders', 'POST', `/orders/${this.orderId}/sync-payment`).then((o) => this.show(o), () => this.load())
        })
        .catch((error) => wx.showToast({ title: error.message, icon: 'none' }))
        .then(() => this.setData({ paying: false }))
    },
    onReview() {
      wx.navigateTo({ url: `/order/review/review?order_id=${this.orderId}` })
    },
    onCancel() {
      wx.showModal({
        content: t('order.cancelConfirm'),
        success: ({ confirm }) => {
          if (!confirm) return
          api.request('orders', 'POST', `/orders/${this.orderId}/cancel`)
            .then((o) => { wx.showToast({ title: t('order.cancelled'), icon: 'none' }); this.show(o) })
            .catch((error) => wx.showToast({ title: error.message, icon: 'none' }))
        },
      })
    },
    onInvoiceOpen() {
      this.setData({ invoiceOpen: true, invoiceError: '' })
    },
    onInvoiceKind(e) {
      this.setData({ 'invoice.kind': e.currentTarget.dataset.kind, invoiceError: '' })
    },
    onInvoiceInput(e) {
      this.setData({ [`invoice.${e.currentTarget.dataset.field}`]: e.detail.value, invoiceError: '' })
    },
    onInvoiceSubmit() {
      if (this.data.invoiceSending) return undefined
      const body = invoiceBody(this.data.invoice)
      const problem = invoiceProblem(body)
      if (problem) {
        this.setData({ invoiceError: problem })
        return undefined
      }
      this.setData({ invoiceSending: true })
      return api.request('orders', 'POST', `/orders/${this.orderId}/invoice`, { data: body })
        .then((invoice) => {
          this.order = { ...this.order, invoice }
          this.setData({ invoiceOpen: false, order: present(this.order) })
        })
        .catch((error) => this.setData({ invoiceError: error.message }))
        .then(() => this.setData({ invoiceSending: false }))
    },
    onCallRider() {
      const rider = this.order && (this.order.rider || (this.order.delivery && this.order.delivery.rider))
      if (rider && rider.phone) wx.makePhoneCall({ phoneNumber: rider.phone })
    },
    onRetry() {
      this.setData({ status: 'loading' })
      this.load()
    },
  },
})
