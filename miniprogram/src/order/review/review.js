/* Reviewing a completed order: stars per dish (five buttons each, no gesture), a short text and up to 3
 * pictures, sent once (POST /orders/{id}/review); the server refuses an order not completed or already
 * reviewed, in words. Pictures: chosen with wx.chooseMedia, each uploaded at once with wx.uploadFile to the
 * presigned POST the back end hands out (POST /orders/review-pictures); the review names their keys. */
const api = require('../../lib/api')
const { t } = require('../../lib/i18n')
const { ui } = require('../../lib/ui')

const STARS = [1, 2, 3, 4, 5]
const MAX_PICTURES = 3
const MAX_BYTES = 5 * 1024 * 1024
const TYPES = { jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp' }

/** The content type of a chosen file by its extension, or '' when it is not one the back end takes. */
function typeOf(path) {
  const ext = (String(path).split('?')[0].split('.').pop() || '').toLowerCase()
  return TYPES[ext] || ''
}

Component({
  behaviors: [ui({ msg: 'review' })],
  data: { status: 'loading', error: '', dishes: [], text: '', sending: false, done: false, pictures: [], maxPictures: MAX_PICTURES, pictureHint: '' },
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
      this.setData({ pictureHint: t('review.pictureHint', { n: MAX_PICTURES }), pictures: this.labelled(this.pictureList || []) })
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
    /** Each picture with its screen-reader words (and the remove button's). */
    labelled(pictures) {
      return pictures.map((p, i) => ({ ...p, label: t('review.pictureLabel', { n: i + 1 }), removeLabel: t('review.removePicture', { n: i + 1 }),
        state: p.status === 'uploading' ? t('review.uploading') : p.status === 'failed' ? t('review.failed') : '' }))
    },
    setPictures(change) {
      this.pictureList = change(this.pictureList || [])
      this.setData({ pictures: this.labelled(this.pictureList) })
    },
    onAddPicture() {
      const room = MAX_PICTURES - (this.pictureList || []).length
      if (room <= 0 || this.data.done) return
      wx.chooseMedia({
        count: room,
        mediaType: ['image'],
        sizeType: ['compressed'],
        sourceType: ['album', 'camera'],
        success: (res) => (res.tempFiles || []).slice(0, room).forEach((file) => this.addPicture(file)),
      })
    },
    /** Check one chosen file, then ask where to put it and upload it; its tile shows how that went. */
    addPicture(file) {
      const contentType = typeOf(file.tempFilePath)
      if (!contentType) return wx.showToast({ title: t('review.badType'), icon: 'none' })
      if (file.size > MAX_BYTES) return wx.showToast({ title: t('review.tooBig'), icon: 'none' })
      const id = `p${Date.now()}-${Math.random().toString(36).slice(2, 8)}`
      this.setPictures((list) => [...list, { id, path: file.tempFilePath, status: 'uploading', key: '' }])
      const settle = (fields) => this.setPictures((list) => list.map((p) => (p.id === id ? { ...p, ...fields } : p)))
      const upload = api.request('orders', 'POST', '/review-pictures', { data: { content_type: contentType, size: file.size } })
        .then((form) => api.uploadTo(form, file.tempFilePath).then(() => settle({ status: 'done', key: form.key })))
        .catch((error) => {
          settle({ status: 'failed' })
          wx.showToast({ title: error.message, icon: 'none' })
        })
      this.uploads = [...(this.uploads || []), upload]
      return upload
    },
    onRemovePicture(e) {
      const { id } = e.currentTarget.dataset
      this.setPictures((list) => list.filter((p) => p.id !== id))
    },
    onSubmit() {
      if (this.data.sending || this.data.done) return Promise.resolve()
      if (this.data.dishes.some((d) => !d.stars)) {
        wx.showToast({ title: t('review.missing'), icon: 'none' })
        return Promise.resolve()
      }
      const pictures = this.pictureList || []
      if (pictures.some((p) => p.status === 'uploading')) {
        wx.showToast({ title: t('review.waitUpload'), icon: 'none' })
        return Promise.resolve()
      }
      this.setData({ sending: true })
      const body = { dishes: this.data.dishes.map((d) => ({ dish_id: d.dish_id, stars: d.stars })), text: this.data.text.trim(),
        pictures: pictures.filter((p) => p.status === 'done').map((p) => p.key) }
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
