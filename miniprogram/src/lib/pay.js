/* Paying with WeChat Pay: only the server's pay_params go to wx.requestPayment (the client never computes an
 * amount). A cancelled payment sheet is not an error: it resolves 'cancelled'. */
const config = require('../config')
const { ApiError } = require('./api')
const { t } = require('./i18n')

/* The status messages that fit an order, most useful first; WeChat takes at most 3 templates per request. */
const NOTICES_BY_MODE = {
  takeout: ['ready', 'accepted', 'refunded'],
  delivery: ['accepted', 'delivering', 'delivered', 'refunded'], // out for delivery before refunded: 3 fit
  dine_in: ['accepted', 'refunded'],
}
const MAX_PER_REQUEST = 3

/** Template ids to ask for an order of `mode` (unknown mode: the pickup reminder). */
function noticeTemplates(mode) {
  return (NOTICES_BY_MODE[mode] || ['ready']).map((kind) => config.SUBSCRIBE_TEMPLATES[kind]).filter(Boolean).slice(0, MAX_PER_REQUEST)
}

/** Ask for the status messages that fit the order. Call it synchronously inside the tap handler, before any
 * await: WeChat allows it only straight after a user tap. */
function askNotices(mode) {
  try {
    wx.requestSubscribeMessage({ tmplIds: noticeTemplates(mode), fail: () => {}, complete: () => {} })
  } catch (e) { /* old base library: no subscription */ }
}

/** → 'paid' | 'cancelled'; rejects ApiError PAY_FAILED on any other failure. */
function requestPayment(payParams) {
  return new Promise((resolve, reject) => {
    wx.requestPayment({
      timeStamp: payParams.timeStamp,
      nonceStr: payParams.nonceStr,
      package: payParams.package,
      signType: payParams.signType,
      paySign: payParams.paySign,
      success: () => resolve('paid'),
      fail: (err) => {
        const errMsg = (err && err.errMsg) || ''
        if (/cancel/.test(errMsg)) resolve('cancelled')
        else reject(new ApiError({ code: 'PAY_FAILED', message: t('errors.PAY_FAILED'), details: { errMsg } }))
      },
    })
  })
}

/** "mm:ss" left until an ISO deadline, or '' once past. */
function countdown(deadlineIso, now = Date.now()) {
  const left = Math.floor((new Date(deadlineIso).getTime() - now) / 1000)
  if (!(left > 0)) return ''
  return `${String(Math.floor(left / 60)).padStart(2, '0')}:${String(left % 60).padStart(2, '0')}`
}

module.exports = { askNotices, noticeTemplates, requestPayment, countdown }
