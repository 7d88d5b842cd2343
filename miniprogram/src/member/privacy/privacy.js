/* What the mini-program keeps about the guest and why, and "delete my data": confirmed in a dialog, sent to
 * the back end (POST /orders/me/erase, 202: recorded, done by the erasure worker within minutes), and its answer
 * shown: the request's reference, what will be deleted, what is kept and why. */
const api = require('../../lib/api')
const i18n = require('../../lib/i18n')
const { ui } = require('../../lib/ui')

const { t } = i18n

Component({
  behaviors: [ui({ msg: 'privacy' })],
  data: { busy: false, result: null },
  methods: {
    onLoad() {
      wx.setNavigationBarTitle({ title: t('privacy.title') })
    },
    onShow() {
      this.refreshUi()
    },
    onRemove() {
      if (this.data.busy) return Promise.resolve()
      return new Promise((resolve) => {
        wx.showModal({
          title: t('privacy.remove'),
          content: t('privacy.removeConfirm'),
          confirmText: t('common.confirm'),
          cancelText: t('common.cancel'),
          success: (res) => resolve(Boolean(res && res.confirm)),
          fail: () => resolve(false),
        })
      }).then((confirmed) => (confirmed ? this.erase() : undefined))
    },
    erase() {
      this.setData({ busy: true })
      return api.request('orders', 'POST', '/me/erase', { data: { confirm: true } })
        .then((answer) => {
          const english = i18n.language() === 'en'
          this.setData({
            busy: false,
            result: {
              removed: t('privacy.removed', { reference: answer.reference, list: answer.erased.map((w) => t(`privacy.what.${w}`)).join(english ? ', ' : '、') }),
              kept: answer.kept.map((k) => t('privacy.kept', { why: english ? k.why_en : k.why })),
            },
          })
        })
        .catch((error) => {
          this.setData({ busy: false })
          wx.showToast({ title: error.message, icon: 'none' })
        })
    },
  },
})
