/* UI words live in one file per language (lib/messages/<lang>.js); pages ask t('key', {params}). */
const zh = require('./messages/zh')

const LANGUAGES = { zh }
let current = 'zh'

function t(key, params) {
  const table = LANGUAGES[current] || zh
  let text = key.split('.').reduce((node, part) => (node ? node[part] : undefined), table)
  if (text === undefined) text = key.split('.').reduce((node, part) => (node ? node[part] : undefined), zh)
  if (typeof text !== 'string') return key
  return text.replace(/\{(\w+)\}/g, (_, name) => (params && params[name] !== undefined ? params[name] : ''))
}

/** A whole section (e.g. t.section('menu')) for a page's data, so WXML reads {{msg.title}}. */
function section(name) {
  return (LANGUAGES[current] || zh)[name] || zh[name]
}

module.exports = { t, section }
