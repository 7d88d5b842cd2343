/* Money comes from the server as integer fen; this is the one place that turns it into words. */
function formatFen(fen) {
  if (fen === null || fen === undefined || Number.isNaN(Number(fen))) return ''
  const n = Math.round(Number(fen))
  const sign = n < 0 ? '-' : ''
  const abs = Math.abs(n)
  return `${sign}¥${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`
}

module.exports = { formatFen }
