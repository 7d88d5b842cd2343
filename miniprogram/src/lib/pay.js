/* Paying with WeChat Pay: only the server's pay_params go to wx.requestPayment (the client never computes an
 * amount). A cancelled payment sheet is not an error: it resolves 'cancelled'. */
const config = require('../config')
const { ApiError } = require('./api')
const { t } = require('./i18n')

/** Ask for the "order ready" subscription. Call it synchronously inside the tap handler, before any await:
 * WeChat allows it only straight after a user tap. */
function askReadyNotice() {
  try {
    wx.requestSubscribeMessage({ tmplIds: [config.SUBSCRIBE_TEMPLATES.ready], fail: () => {}, complete: () => {} })
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

module.exports = { askReadyNotice, requestPayment, countdown }
