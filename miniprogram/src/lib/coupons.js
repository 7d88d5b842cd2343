/* A coupon's terms in words ("满¥30.00可用 · 减¥5.00 · 仅限首单"), from the rule the server sends. */
const { t } = require('./i18n')
const { formatFen } = require('./money')

function ruleWords(rule) {
  const parts = []
  parts.push(rule.threshold_fen ? t('coupon.threshold', { threshold: formatFen(rule.threshold_fen) }) : t('coupon.noThreshold'))
  if (rule.kind === 'fixed') parts.push(t('coupon.fixed', { amount: formatFen(rule.amount_fen) }))
  else {
    parts.push(t('coupon.percent', { pct: rule.percent_off, zhOff: (100 - rule.percent_off) / 10 }))
    if (rule.cap_fen) parts.push(t('coupon.cap', { cap: formatFen(rule.cap_fen) }))
  }
  if (rule.scope === 'category') parts.push(t('coupon.scopeCategory'))
  if (rule.scope === 'dish') parts.push(t('coupon.scopeDish'))
  if (rule.first_order_only) parts.push(t('coupon.firstOrder'))
  return parts.join(' · ')
}

module.exports = { ruleWords }
