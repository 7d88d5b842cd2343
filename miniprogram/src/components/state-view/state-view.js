/* One look for every page's loading, error and empty states; the normal content goes in the default slot. */
const { section } = require('../../lib/i18n')

Component({
  options: { multipleSlots: true },
  properties: {
    status: { type: String, value: 'loading' }, // loading | error | empty | ready
    message: { type: String, value: '' },
  },
  data: { words: section('common') },
  methods: {
    onRetry() {
      this.triggerEvent('retry')
    },
  },
})
