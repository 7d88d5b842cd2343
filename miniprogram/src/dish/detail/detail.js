/* A dish's detail: its picture, price, description, rating and the newest reviews with the store's replies
 * (GET /menu/stores/{sid}/dishes/{did}, one request). */
const api = require('../../lib/api')
const { t, localized } = require('../../lib/i18n')
const { formatFen } = require('../../lib/money')
const { ui } = require('../../lib/ui')

function present(d) {
  const name = localized(d)
  return {
    name,
    description: localized(d, 'description'),
    image: (d.images || [])[0] || '',
    imageLabel: t('a11y.dishImage', { name }),
    priceText: formatFen(d.price_fen),
    ratingText: d.rating_count ? t('menu.rating', { rating: d.rating, n: d.rating_count }) : '',
    reviews: (d.reviews || []).map((r) => ({
      key: r.review_key,
      stars: '★'.repeat(r.stars) + '☆'.repeat(5 - r.stars),
      starsText: t('dish.stars', { n: r.stars }),
      text: r.text,
      at: (r.at || '').slice(0, 10),
      reply: r.reply ? t('dish.reply', { text: r.reply }) : '',
      pictures: (r.pictures || []).map((url, i) => ({ url, label: t('review.pictureLabel', { n: i + 1 }) })),
    })),
  }
}

Component({
  behaviors: [ui({ msg: 'dish' })],
  data: { status: 'loading', error: '', dish: null },
  methods: {
    onLoad(query = {}) {
      this.storeId = query.store_id
      this.dishId = query.dish_id
      this.load()
    },
    onShow() {
      this.refreshUi()
    },
    load() {
      return api.request('menu', 'GET', `/stores/${this.storeId}/dishes/${this.dishId}`, { auth: 'optional' })
        .then((d) => {
          const dish = present(d)
          wx.setNavigationBarTitle({ title: dish.name })
          this.setData({ status: 'ready', dish })
        })
        .catch((error) => this.setData({ status: 'error', error: error.message }))
    },
    onBack() {
      wx.navigateBack()
    },
    onRetry() {
      this.load()
    },
  },
})
