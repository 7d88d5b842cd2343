/* One look for every page's loading, error and empty states; the normal content goes in the default slot. */
const { ui } = require('../../lib/ui')

Component({
  behaviors: [ui({ words: 'common' })],
  options: { multipleSlots: true },
  properties: {
    status: { type: String, value: 'loading' }, // loading | error | empty | ready
    message: { type: String, value: '' },
  },

  methods: {
    onRetry() {
      this.triggerEvent('retry')
    },
  },
})
