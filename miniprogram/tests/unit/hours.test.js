/* Opening hours as the back end reads them (days 0 = Monday, Shanghai local time, close ≤ open past midnight). */
const hours = require('../../src/lib/hours')
const { closedStore, store } = require('../fixtures')

// 2026-12-07 is a Monday; 02:00 UTC = 10:00 Shanghai
const at = (iso) => new Date(iso)

test('next opening: later today, tomorrow, or never for a paused store', () => {
  expect(hours.describe(hours.nextOpening(closedStore, at('2026-12-07T00:30:00Z')), at('2026-12-07T00:30:00Z'))).toBe('今天 10:00')
  expect(hours.describe(hours.nextOpening(closedStore, at('2026-12-07T07:00:00Z')), at('2026-12-07T07:00:00Z'))).toBe('明天 10:00')
  expect(hours.nextOpening({ ...closedStore, accepting_orders: false }, at('2026-12-07T00:30:00Z'))).toBeNull()
})

test('a period past midnight belongs to its start day', () => {
  const late = { ...store, hours: [{ days: [4], open: '18:00:00', close: '02:00:00' }] } // Friday 18:00 → Saturday 02:00
  expect(hours.isOpenAt(late, at('2026-12-11T17:30:00Z'))).toBe(true) // Sat 01:30 local
  expect(hours.isOpenAt(late, at('2026-12-12T17:30:00Z'))).toBe(false) // Sun 01:30 local
  expect(hours.isOpenAt(store, at('2026-12-07T19:00:00Z'))).toBe(true) // around the clock
})

test('pre-order slots: only inside opening hours, ISO with +08:00, not past preorder_days', () => {
  const slots = hours.preorderSlots(closedStore, at('2026-12-07T00:00:00Z'), { maxDays: 2 })
  expect(slots[0]).toEqual({ iso: '2026-12-07T10:00:00+08:00', label: '今天 10:00' })
  expect(slots.every((s) => /T(1[0-3]):(00|30):00\+08:00$/.test(s.iso))).toBe(true)
  expect(slots.map((s) => s.iso)).not.toContain('2026-12-07T14:00:00+08:00')
  expect(hours.preorderSlots({ ...closedStore, preorder_days: 0 }, at('2026-12-07T00:00:00Z'))).toEqual([])
})
