/* How an order's status reads to the guest, which steps it has passed, and whether it is still moving
 * (worth polling). Statuses: domain/order_status.py. */
const { t } = require('./i18n')
const { formatFen } = require('./money')

const MOVING = ['PENDING_PAYMENT', 'SCHEDULED', 'PAID', 'PREPARING', 'READY', 'DELIVERING', 'REFUNDING']

/** A pre-order paid ahead waits SCHEDULED until the kitchen starts it (its pickup time minus the store's
 * lead time); then it goes on as PAID like any order. */
function scheduled(order) {
  return order.status === 'SCHEDULED' || (order.history || []).some((h) => h.status === 'SCHEDULED')
}

function stepsFor(mode, preorder) {
  const after = mode === 'delivery'
    ? ['PAID', 'PREPARING', 'READY', 'DELIVERING', 'COMPLETED']
    : ['PAID', 'PREPARING', 'READY', 'COMPLETED']
  return ['PENDING_PAYMENT', ...(preorder ? ['SCHEDULED'] : []), ...after]
}

function label(status, mode) {
  const special = t(`status.${mode}_${status}`)
  return special.startsWith('status.') ? t(`status.${status}`) : special
}

function pad(n) {
  return String(n).padStart(2, '0')
}

/** "12-05 06:54" in Shanghai time from an ISO instant. */
function shortTime(iso) {
  if (!iso) return ''
  const d = new Date(new Date(iso).getTime() + 8 * 3600 * 1000)
  return `${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`
}

/** Steps with done/current flags and the time each was reached (from the order's history). */
function steps(order) {
  const order_ = stepsFor(order.mode, scheduled(order))
  const reached = {}
  for (const h of order.history || []) if (!reached[h.status]) reached[h.status] = h.at
  const index = order_.indexOf(order.status)
  return order_.map((status, i) => ({
    status,
    label: label(status, order.mode),
    done: index >= 0 ? i <= index : Boolean(reached[status]),
    current: i === index,
    time: shortTime(reached[status]),
  }))
}

function isMoving(order) {
  return MOVING.includes(order.status)
}

/** A priced line of a quote or an order as the guest reads it. */
function lineView(line) {
  return { name: line.name, qty: line.qty, options: (line.options || []).map((o) => o.name).join('/'), total: formatFen(line.line_total_fen) }
}

module.exports = { steps, label, isMoving, shortTime, lineView, scheduled, MOVING }
