/* The spec popup: the dish's option groups with their rules (required, single or multi, at most N) and
 * surcharges; "add" is refused with the group's name until the rules hold. The price shown is the menu
 * price plus surcharges, for orientation only: the cart's total comes from the server's quote. */
const spec = require('../../lib/spec')
const { t, localized } = require('../../lib/i18n')
const { formatFen } = require('../../lib/money')
const { ui } = require('../../lib/ui')

function view(dish, selected) {
  return (dish.option_groups || []).map((g) => ({
    group_id: g.group_id,
    name: localized(g),
    rule: [g.required ? t('spec.required') : '', g.multi ? (g.max_select ? t('spec.maxSelect', { n: g.max_select }) : t('spec.multi')) : ''].filter(Boolean).join(' · '),
    options: g.options.map((o) => ({
      option_id: o.option_id,
      name: localized(o),
      surcharge: o.price_fen ? t('spec.surcharge', { fee: formatFen(o.price_fen) }) : '',
      checked: (selected[g.group_id] || []).includes(o.option_id),
    })),
  }))
}

Component({
  behaviors: [ui({ msg: 'spec' })],
  properties: {
    dish: { type: Object, value: null },
    show: { type: Boolean, value: false },
  },
  data: { title: '', description: '', groups: [], selected: {}, error: '', priceText: '', allergensText: '', nutrition: [] },
  observers: {
    // a fresh choice each time the popup opens; a parent re-render while open keeps the guest's choice
    'dish, show': function reset(dish, show) {
      const opening = show && !this.shown
      this.shown = show
      if (!dish || !opening) return
      // elder mode: the required groups come with their first choice already made, so one tap adds the dish
      const selected = this.data.elder ? spec.defaults(dish) : {}
      const { surcharge } = spec.flatten(dish, selected)
      this.setData({
        selected,
        title: localized(dish),
        description: localized(dish, 'description'),
        error: '',
        groups: view(dish, selected),
        priceText: formatFen(dish.price_fen + surcharge),
        allergensText: (dish.allergens || []).length ? t('menu.allergens', { list: dish.allergens.join('、') }) : '',
        nutrition: Object.entries(dish.nutrition || {}).map(([k, v]) => `${k} ${v}`),
      })
    },
  },
  methods: {
    onOption(e) {
      const { group, option } = e.currentTarget.dataset
      const selected = spec.toggle(this.data.dish, this.data.selected, group, option)
      const { surcharge } = spec.flatten(this.data.dish, selected)
      this.setData({ selected, groups: view(this.data.dish, selected), error: '', priceText: formatFen(this.data.dish.price_fen + surcharge) })
    },
    onAdd() {
      const dish = this.data.dish
      const problem = spec.check(dish, this.data.selected)
      if (problem) {
        const error = problem.reason === 'max'
          ? t('spec.tooMany', { group: localized(problem.group), n: problem.group.max_select })
          : t('spec.missing', { group: localized(problem.group) })
        this.setData({ error })
        return
      }
      const { ids, names } = spec.flatten(dish, this.data.selected)
      this.triggerEvent('add', { dish, options: ids, optionNames: names })
    },
    onClose() {
      this.triggerEvent('close')
    },
    noop() {},
  },
})
