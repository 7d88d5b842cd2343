/* Opening hours as the back end defines them (domain/menu.py OpeningPeriod): days 0 = Monday … 6 = Sunday,
 * local times; open == close is around the clock; close < open runs past midnight. The stores' zone is
 * Asia/Shanghai (UTC+8, no summer time), so local time is UTC + 8 h. The server's `open_now` stays the
 * truth for "open"; this only finds the next opening and the pre-order times to offer. */
const OFFSET_MS = 8 * 3600 * 1000

function minutes(hhmmss) {
  const [h, m] = hhmmss.split(':').map(Number)
  return h * 60 + m
}

/** Local parts of an instant: weekday (0 = Monday), minute of day, and the local midnight as an instant. */
function localParts(instant) {
  const shifted = new Date(instant.getTime() + OFFSET_MS)
  const weekday = (shifted.getUTCDay() + 6) % 7
  const minute = shifted.getUTCHours() * 60 + shifted.getUTCMinutes()
  const midnight = Date.UTC(shifted.getUTCFullYear(), shifted.getUTCMonth(), shifted.getUTCDate()) - OFFSET_MS
  return { weekday, minute, midnight }
}

function covers(period, instant) {
  const { weekday, minute } = localParts(instant)
  const open = minutes(period.open)
  const close = minutes(period.close)
  if (open === close) return period.days.includes(weekday)
  if (open < close) return period.days.includes(weekday) && minute >= open && minute < close
  const yesterday = (weekday + 6) % 7
  return (period.days.includes(weekday) && minute >= open) || (period.days.includes(yesterday) && minute < close)
}

function isOpenAt(store, instant) {
  if (!store.accepting_orders) return false
  return (store.hours || []).some((p) => covers(p, instant))
}

/** The next instant (on a 5-minute grid, within 8 days) the store opens, or null. */
function nextOpening(store, now = new Date()) {
  if (!store.accepting_orders) return null
  const step = 5 * 60 * 1000
  let t = Math.ceil(now.getTime() / step) * step
  const end = now.getTime() + 8 * 24 * 3600 * 1000
  for (; t < end; t += step) {
    if (isOpenAt(store, new Date(t))) return new Date(t)
  }
  return null
}

function pad(n) {
  return String(n).padStart(2, '0')
}

/** "今天 17:00" / "明天 10:00" / "12月8日 10:00" (in English "today 17:00", "12/8 10:00") for a local instant. */
function describe(instant, now = new Date()) {
  const { t } = require('./i18n')
  const a = localParts(instant)
  const b = localParts(now)
  const days = Math.round((a.midnight - b.midnight) / (24 * 3600 * 1000))
  const hm = `${pad(Math.floor(a.minute / 60))}:${pad(a.minute % 60)}`
  if (days === 0) return t('time.today', { hm })
  if (days === 1) return t('time.tomorrow', { hm })
  const shifted = new Date(instant.getTime() + OFFSET_MS)
  return t('time.date', { month: shifted.getUTCMonth() + 1, day: shifted.getUTCDate(), hm })
}

/** ISO 8601 with the +08:00 offset the back end expects for pickup_at. */
function isoLocal(instant) {
  const s = new Date(instant.getTime() + OFFSET_MS)
  return `${s.getUTCFullYear()}-${pad(s.getUTCMonth() + 1)}-${pad(s.getUTCDate())}T${pad(s.getUTCHours())}:${pad(s.getUTCMinutes())}:00+08:00`
}

/** Pre-order times the back end accepts: every `stepMinutes` while the store is open, from `leadMinutes`
 * ahead up to min(preorder_days, maxDays) days ahead. */
function preorderSlots(store, now = new Date(), { stepMinutes = 30, leadMinutes = 30, maxDays = 3, limit = 96 } = {}) {
  const step = stepMinutes * 60 * 1000
  const start = Math.ceil((now.getTime() + leadMinutes * 60 * 1000) / step) * step
  const days = Math.min(store.preorder_days || 0, maxDays)
  const end = now.getTime() + days * 24 * 3600 * 1000
  const slots = []
  for (let t = start; t <= end && slots.length < limit; t += step) {
    const at = new Date(t)
    if (isOpenAt(store, at)) slots.push({ iso: isoLocal(at), label: describe(at, now) })
  }
  return slots
}

module.exports = { isOpenAt, nextOpening, describe, isoLocal, preorderSlots, localParts }
