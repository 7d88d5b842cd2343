/* A store's menu: one request for the whole menu; a category sidebar kept in step with the dish list;
 * lazy pictures; sold-out dishes greyed; search; the spec popup; "guess you like"; the cart bar with the
 * server's quote. At a table (session=…) the cart is the table's shared cart on the server. */
const api = require('../../lib/api')
const cartStore = require('../../lib/cart')
const hours = require('../../lib/hours')
const spec = require('../../lib/spec')
const { t, localized, language } = require('../../lib/i18n')
const { formatFen } = require('../../lib/money')
const { ui } = require('../../lib/ui')

const QUOTE_DELAY_MS = 250
const ADDRESS_KEY = 'diancan.addresses'

/** A notice the server words in both languages ({message, message_en}), in the guest's. */
function notice(given) {
  if (!given) return ''
  return language() === 'en' ? given.message_en || given.message : given.message
}

function dishView(d, qty, names = {}) {
  const parts = Object.entries(d.combo_parts || {})
  const name = localized(d)
  return {
    dish_id: d.dish_id,
    name,
    description: localized(d, 'description'),
    imageLabel: t('a11y.dishImage', { name }),
    addLabel: t((d.option_groups || []).length ? 'a11y.chooseSpec' : 'a11y.add', { name }),
    image: (d.images || [])[0] || '',
    priceText: formatFen(d.price_fen),
    soldOut: Boolean(d.sold_out),
    leftText: !d.sold_out && d.portions_left !== null && d.portions_left !== undefined && d.portions_left <= 5
      ? t('menu.leftN', { n: d.portions_left }) : '',
    tags: d.tags || [],
    allergensText: (d.allergens || []).length ? t('menu.allergens', { list: d.allergens.join('、') }) : '',
    comboText: parts.length ? t('menu.combo', { list: parts.map(([id, n]) => `${names[id] || id}×${n}`).join('、') }) : '',
    ratingText: d.rating_count ? t('menu.rating', { rating: d.rating, n: d.rating_count }) : '',
    hasSpecs: (d.option_groups || []).length > 0,
    qty: qty || 0,
  }
}

Component({
  behaviors: [ui({ msg: 'menu', cartMsg: 'cart' })],
  data: {
    status: 'loading',
    error: '',
    store: null,
    storeState: 'open',
    banner: '',
    busyBanner: '',
    deliveryBanner: '',
    readOnly: false,
    modes: [],
    mode: '',
    categories: [],
    recommendations: [],
    favourites: [], // elder mode: the dishes this guest orders most, first
    activeCategory: '',
    intoView: '',
    query: '',
    results: [],
    noResults: '',
    specDish: null,
    showSpec: false,
    table: null,
    cart: { count: 0, lines: [], totalText: '', hint: '', blocked: '', quoting: false, actionText: '' },
  },
  methods: {
    onLoad(query = {}) {
      this.storeId = query.store_id
      this.session = query.session || ''
      this.tableName = this.session ? decodeURIComponent(query.table || '') : ''
      this.load()
    },
    onShow() {
      if (this.refreshUi()) return
      if (this.menu) this.refreshCart()
    },
    onUnload() {
      clearTimeout(this.quoteTimer)
    },
    load() {
      this.setData({ status: 'loading' })
      return api.request('menu', 'GET', `/stores/${this.storeId}/menu`, { auth: 'optional' })
        .then((menu) => {
          this.menu = menu
          this.dishes = {}
          for (const c of menu.categories) for (const d of c.dishes) this.dishes[d.dish_id] = d
          this.names = Object.fromEntries(Object.values(this.dishes).map((d) => [d.dish_id, localized(d)]))
          const store = menu.store
          wx.setStorageSync(`diancan.store.${store.store_id}`, store)
          wx.setStorageSync('diancan.lastStore', store.store_id) // 我的 shows this store's coupons to claim
          wx.setNavigationBarTitle({ title: store.name })
          let storeState = 'open'
          if (!store.accepting_orders) storeState = 'paused'
          else if (!store.open_now) storeState = 'closed'
          const next = storeState === 'closed' ? hours.nextOpening(store) : null
          const banner = storeState === 'paused' ? t('menu.pausedBanner')
            : storeState === 'closed' ? t('menu.closedBanner', { next: next ? t('stores.nextOpen', { when: hours.describe(next) }) : '' }) : ''
          const service = menu.service || {}
          const saved = cartStore.load(store.store_id)
          const open = service.delivery_paused ? store.modes.filter((m) => m !== 'delivery') : store.modes
          const modes = this.session ? ['dine_in'] : (open.length ? open : store.modes)
          const mode = this.session ? 'dine_in' : (modes.includes(saved.mode) ? saved.mode : (modes.includes('takeout') ? 'takeout' : modes[0]))
          this.cart = cartStore.setMode(saved, mode)
          this.setData({
            table: this.session ? { banner: t('menu.tableBanner', { store: store.name, table: this.tableName }) } : null,
            store: { name: store.name, address: store.address, phone: store.phone },
            storeState,
            banner,
            busyBanner: service.busy ? notice(service.busy_notice) : '',
            deliveryBanner: service.delivery_paused && !this.session ? notice(service.delivery_paused_notice) : '',
            readOnly: storeState !== 'open',
            modes: modes.map((m) => ({ mode: m, label: t(`modes.${m}`) })),
            mode,
            activeCategory: menu.categories.length ? menu.categories[0].category_id : '',
            status: menu.categories.some((c) => c.dishes.length) ? 'ready' : 'empty',
          })
          this.refreshCart()
          if (this.data.elder) this.loadFavourites()
          wx.nextTick ? wx.nextTick(() => this.measure()) : this.measure()
        })
        .catch((error) => this.setData({ status: 'error', error: error.message }))
    },
    /** Elder mode's "常点": the guest's most ordered dishes (their profile), shown before everything else. */
    loadFavourites() {
      return api.request('orders', 'GET', '/me')
        .then((me) => {
          this.favouriteIds = (me.favourite_dishes || []).map((f) => f.dish_id)
          this.paint()
        })
        .catch(() => { /* no favourites: the simplified menu works without them */ })
    },
    /** Dish lists with the cart's quantities as badges. */
    paint() {
      const qty = this.tableCart ? this.tableQty() : cartStore.qtyByDish(this.cart)
      const categories = this.menu.categories.map((c) => ({
        category_id: c.category_id,
        name: localized(c),
        count: c.dishes.reduce((n, d) => n + (qty[d.dish_id] || 0), 0),
        dishes: c.dishes.map((d) => dishView(d, qty[d.dish_id], this.names)),
      }))
      const recommendations = (this.menu.recommendations || []).map((d) => dishView(d, qty[d.dish_id], this.names))
      const favourites = (this.favouriteIds || []).filter((id) => this.dishes[id]).map((id) => dishView(this.dishes[id], qty[id], this.names))
      this.setData({ categories, recommendations, favourites, results: this.search(this.data.query, qty) })
    },
    search(query, qty) {
      const needle = (query || '').trim().toLowerCase()
      if (!needle) return []
      return Object.values(this.dishes)
        .filter((d) => d.name.toLowerCase().includes(needle) || (d.name_en || '').toLowerCase().includes(needle) || (d.tags || []).some((tag) => tag.toLowerCase().includes(needle)) || (d.description || '').toLowerCase().includes(needle))
        .map((d) => dishView(d, qty[d.dish_id], this.names))
    },
    onSearch(e) {
      const query = e.detail.value
      const qty = this.tableCart ? this.tableQty() : cartStore.qtyByDish(this.cart)
      this.setData({ query, results: this.search(query, qty), noResults: t('menu.searchEmpty', { q: query }) })
    },
    onClearSearch() {
      this.setData({ query: '', results: [] })
    },
    onMode(e) {
      const { mode } = e.currentTarget.dataset
      this.cart = cartStore.setMode(this.cart, mode)
      this.setData({ mode })
      this.requote()
    },
    /* sidebar ↔ list */
    measure() {
      try {
        wx.createSelectorQuery().in(this).selectAll('.section').boundingClientRect().exec((res) => {
          const rects = (res && res[0]) || []
          if (rects.length) {
            const base = rects[0].top
            this.sectionTops = rects.map((r, i) => ({ id: this.data.categories[i] && this.data.categories[i].category_id, top: r.top - base }))
          }
        })
      } catch (e) { /* no layout (tests): the sidebar still follows taps */ }
    },
    onCategory(e) {
      const { id } = e.currentTarget.dataset
      this.lockUntil = Date.now() + 500 // the scroll caused by the jump must not move the highlight back
      this.setData({ activeCategory: id, intoView: `cat-${id}` })
    },
    onScroll(e) {
      if (!this.sectionTops || (this.lockUntil && Date.now() < this.lockUntil)) return
      const top = e.detail.scrollTop + 1
      let current = this.sectionTops[0].id
      for (const s of this.sectionTops) if (s.top <= top) current = s.id
      if (current !== this.data.activeCategory) this.setData({ activeCategory: current })
    },
    /** The dish's picture: its detail with rating and the newest reviews. */
    onDetail(e) {
      wx.navigateTo({ url: `/dish/detail/detail?store_id=${this.storeId}&dish_id=${e.currentTarget.dataset.id}` })
    },
    /* adding */
    onAdd(e) {
      if (this.data.readOnly) return
      const dish = this.dishes[e.currentTarget.dataset.id]
      if (!dish || dish.sold_out) return
      if ((dish.option_groups || []).length) {
        this.setData({ specDish: dish, showSpec: true })
        return
      }
      this.addToCart(dish, [], [])
    },
    onSpecAdd(e) {
      const { dish, options, optionNames } = e.detail
      this.setData({ showSpec: false })
      this.addToCart(dish, options, optionNames)
    },
    onSpecClose() {
      this.setData({ showSpec: false })
    },
    addToCart(dish, options, optionNames) {
      if (this.tableCart) {
        return api.request('tables', 'POST', `/tables/sessions/${this.session}/cart/lines`, { data: { dish_id: dish.dish_id, qty: 1, options } })
          .then((cart) => this.showTableCart(cart))
          .catch((error) => wx.showToast({ title: error.message, icon: 'none' }))
      }
      this.cart = cartStore.add(this.cart, dish, options, optionNames)
      this.refreshCart()
      return Promise.resolve()
    },
    onCartChange(e) {
      const { key, qty } = e.detail
      if (this.tableCart) {
        return api.request('tables', 'PUT', `/tables/sessions/${this.session}/cart/lines/${key}`, { data: { qty } })
          .then((cart) => this.showTableCart(cart))
          .catch((error) => wx.showToast({ title: error.message, icon: 'none' }))
      }
      this.cart = cartStore.setQty(this.cart, key, qty)
      this.refreshCart()
      return Promise.resolve()
    },
    onCartClear() {
      if (this.tableCart) return Promise.all(this.tableCart.lines.filter((l) => l.mine).map((l) => api.request('tables', 'PUT', `/tables/sessions/${this.session}/cart/lines/${l.line_id}`, { data: { qty: 0 } }))).then(() => this.refreshCart())
      this.cart = cartStore.clear(this.cart)
      this.refreshCart()
      return Promise.resolve()
    },
    /* the cart: local lines, or the table's shared cart; totals from the server only */
    refreshCart() {
      if (this.session) {
        return api.request('tables', 'GET', `/tables/sessions/${this.session}/cart`)
          .then((cart) => this.showTableCart(cart))
          .catch((error) => this.setData({ 'cart.hint': error.message }))
      }
      this.cart = cartStore.load(this.storeId)
      const lines = this.cart.lines.map((l) => ({ key: l.key, name: l.name, option_names: l.option_names, qty: l.qty }))
      this.setData({ 'cart.count': cartStore.count(this.cart), 'cart.lines': lines })
      this.paint()
      this.requote()
      return Promise.resolve()
    },
    tableQty() {
      const out = {}
      for (const l of this.tableCart.lines) out[l.dish_id] = (out[l.dish_id] || 0) + l.qty
      return out
    },
    showTableCart(cart) {
      this.tableCart = cart
      const lines = cart.lines.map((l) => ({
        key: l.line_id,
        name: (this.dishes[l.dish_id] || { name: l.dish_id }).name,
        option_names: spec.optionNames(this.dishes[l.dish_id], l.options),
        by: t('table.addedBy', { who: l.added_by }),
        qty: l.qty,
      }))
      this.setData({ 'cart.count': lines.reduce((n, l) => n + l.qty, 0), 'cart.lines': lines, 'cart.actionText': t('table.sendRound') })
      this.paint()
      this.requote()
    },
    quoteBody() {
      const items = this.tableCart
        ? this.tableCart.lines.map((l) => ({ dish_id: l.dish_id, qty: l.qty, options: l.options }))
        : cartStore.items(this.cart)
      const body = { store_id: this.storeId, mode: this.data.mode, items }
      if (this.tableCart) body.table_no = this.tableCart.table_no
      if (this.data.mode === 'delivery') {
        const addresses = wx.getStorageSync(ADDRESS_KEY) || []
        if (addresses.length) body.address = addresses[0]
      }
      return body
    },
    requote() {
      clearTimeout(this.quoteTimer)
      const body = this.quoteBody()
      if (!body.items.length || this.data.readOnly) {
        this.setData({ 'cart.totalText': '', 'cart.hint': '', 'cart.blocked': '', 'cart.quoting': false })
        return
      }
      this.setData({ 'cart.quoting': true })
      const ticket = (this.quoteTicket = (this.quoteTicket || 0) + 1)
      this.quoteTimer = setTimeout(() => {
        api.request('place_order', 'POST', '/quote', { data: body })
          .then((quote) => {
            if (ticket !== this.quoteTicket) return
            this.setData({
              'cart.quoting': false,
              'cart.totalText': formatFen(quote.total_fen),
              'cart.hint': quote.discount_fen ? t('cart.discount', { fee: formatFen(quote.discount_fen) }) : (quote.explain || []).join(' '),
              'cart.blocked': '',
            })
          })
          .catch((error) => {
            if (ticket !== this.quoteTicket) return
            const short = error.code === 'BELOW_DELIVERY_MINIMUM' && error.details.short_by_fen
            this.setData({
              'cart.quoting': false,
              'cart.totalText': '',
              'cart.hint': error.message,
              'cart.blocked': short ? t('cart.short', { fee: formatFen(error.details.short_by_fen) }) : '',
            })
          })
      }, QUOTE_DELAY_MS)
    },
    onCheckout() {
      if (this.session) {
        wx.navigateBack({ fail: () => wx.redirectTo({ url: `/table/entry/entry?session=${this.session}` }) })
        return
      }
      wx.navigateTo({ url: `/order/checkout/checkout?store_id=${this.storeId}` })
    },
    onRetry() {
      this.load()
    },
    onCallStore() {
      if (this.menu) wx.makePhoneCall({ phoneNumber: this.menu.store.phone })
    },
  },
})
