/* UI words live in one file per language (lib/messages/<lang>.js); pages ask t('key', {params}).
 * The language is the guest's own choice (made in 我的, kept in storage) or else WeChat's language. */
const zh = require('./messages/zh')
const en = require('./messages/en')

const LANGUAGES = { zh, en }
const LANG_KEY = 'diancan.lang'
let current = null

/** The guest's language: their choice in 我的, else WeChat's (zh_CN, zh_TW… → zh; anything else → en). */
function detect() {
  try {
    const chosen = wx.getStorageSync(LANG_KEY)
    if (LANGUAGES[chosen]) return chosen
  } catch (e) { /* no storage: follow WeChat */ }
  let system = 'zh_CN'
  try {
    const info = wx.getAppBaseInfo ? wx.getAppBaseInfo() : wx.getSystemInfoSync()
    system = (info && info.language) || 'zh_CN'
  } catch (e) { /* old base library: Chinese */ }
  return /^zh/i.test(system) ? 'zh' : 'en'
}

/** Read the language again (a page calls this when it is shown, so a switch in 我的 reaches every page). */
function refresh() {
  current = detect()
  return current
}

function language() {
  return current || refresh()
}

/** Remember the guest's choice. */
function setLanguage(lang) {
  if (!LANGUAGES[lang]) throw new Error(`unknown language ${lang}`)
  wx.setStorageSync(LANG_KEY, lang)
  current = lang
}

function lookup(table, key) {
  return key.split('.').reduce((node, part) => (node ? node[part] : undefined), table)
}

function t(key, params) {
  let text = lookup(LANGUAGES[language()], key)
  if (text === undefined) text = lookup(zh, key)
  if (typeof text !== 'string') return key
  return text.replace(/\{(\w+)\}/g, (_, name) => (params && params[name] !== undefined ? params[name] : ''))
}

/** A whole section (e.g. section('menu')) for a page's data, so WXML reads {{msg.title}}. */
function section(name) {
  return LANGUAGES[language()][name] || zh[name]
}

/** A back-end name or description in the guest's language: `name_en` when English is chosen and the back
 * end has it, else the Chinese `name`. */
function localized(record, field = 'name') {
  if (!record) return ''
  const english = record[`${field}_en`]
  return language() === 'en' && english ? english : (record[field] || '')
}

module.exports = { t, section, localized, language, setLanguage, refresh, LANGUAGES, LANG_KEY }
