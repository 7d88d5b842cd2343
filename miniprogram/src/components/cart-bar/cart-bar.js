/* The cart bar at the bottom of the menu and its popup. It shows only what the page hands it: the count,
 * the SERVER's total (from /quote) and the server's hint ("差¥X起送", offers); it never adds prices up. */
const { ui } = require('../../lib/ui')
const { t } = require('../../lib/i18n')

Component({
  behaviors: [ui({ msg: 'cart' })],
  properties: {
    count: { type: Number, value: 0, observer: 'label' },
    totalText: { type: String, value: '' },
    hint: { type: String, value: '' },
    blocked: { type: String, value: '' }, // why checkout is not possible yet ("差¥2.00起送")
    quoting: { type: Boolean, value: false },
    lines: { type: Array, value: [], observer: 'label' },
    actionText: { type: String, value: '' },
  },
  data: { open: false, labelled: [], bagLabel: '' },
  methods: {
    /** Screen-reader words for the icon-only buttons (the bag, each line's − and +). */
    label() {
      this.setData({
        bagLabel: t('a11y.cart', { n: this.data.count }),
        labelled: this.data.lines.map((l) => ({ ...l, minusLabel: t('a11y.minus', { name: l.name }), plusLabel: t('a11y.plus', { name: l.name }) })),
      })
    },
    onToggle() {
      if (this.data.count > 0) this.setData({ open: !this.data.open })
    },
    onClose() {
      this.setData({ open: false })
    },
    onMinus(e) {
      const { key, qty } = e.currentTarget.dataset
      this.triggerEvent('change', { key, qty: qty - 1 })
    },
    onPlus(e) {
      const { key, qty } = e.currentTarget.dataset
      this.triggerEvent('change', { key, qty: qty + 1 })
    },
    onClear() {
      this.setData({ open: false })
      this.triggerEvent('clear')
    },
    onCheckout() {
      if (this.data.count === 0 || this.data.blocked || this.data.quoting) return
      this.setData({ open: false })
      this.triggerEvent('checkout')
    },
    noop() {},
  },
})
