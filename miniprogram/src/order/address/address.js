/* The address book (kept on the phone): pick one for delivery or add one; the position comes from the map
 * (wx.chooseLocation) so the server can measure the distance. The first address is the one in use. */
const { t } = require('../../lib/i18n')
const { ui } = require('../../lib/ui')

const KEY = 'diancan.addresses'
const MAX = 20

Component({
  behaviors: [ui({ msg: 'address' })],
  data: { addresses: [], form: { contact: '', phone: '', text: '', lat: null, lng: null }, adding: false, error: '' },
  methods: {
    onShow() {
      this.refreshUi()
    },
    onLoad() {
      const addresses = wx.getStorageSync(KEY) || []
      this.setData({ addresses, adding: addresses.length === 0 })
    },
    onUse(e) {
      const index = Number(e.currentTarget.dataset.index)
      const list = this.data.addresses.slice()
      const [chosen] = list.splice(index, 1)
      wx.setStorageSync(KEY, [chosen, ...list])
      wx.navigateBack()
    },
    onAdd() {
      this.setData({ adding: true })
    },
    onInput(e) {
      this.setData({ [`form.${e.currentTarget.dataset.field}`]: e.detail.value, error: '' })
    },
    onPick() {
      wx.chooseLocation({
        success: (place) => this.setData({ 'form.text': `${place.address || ''}${place.name || ''}`, 'form.lat': place.latitude, 'form.lng': place.longitude }),
        fail: () => {},
      })
    },
    onSave() {
      const f = this.data.form
      if (!f.contact.trim() || !f.text.trim() || f.lat === null) return this.setData({ error: t('address.missing') })
      if (!/^1\d{10}$/.test(f.phone)) return this.setData({ error: t('address.badPhone') })
      const address = { contact: f.contact.trim(), phone: f.phone, text: f.text.trim(), lat: f.lat, lng: f.lng }
      const list = [address, ...(wx.getStorageSync(KEY) || [])].slice(0, MAX)
      wx.setStorageSync(KEY, list)
      wx.navigateBack()
      return undefined
    },
  },
})
