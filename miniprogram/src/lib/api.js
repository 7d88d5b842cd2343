/* The one HTTP client of the mini-program: no page calls wx.request itself.
 * - base URL per function from config.js
 * - Bearer token from storage; a 401 clears it, logs in again silently and retries once
 * - Idempotency-Key header when the caller hands one (placing an order)
 * - every refusal ({code, message, message_en, details}) and every network failure becomes one ApiError
 *   whose `message` a guest can read */
const config = require('../config')
const { t, language } = require('./i18n')

const TOKEN_KEY = 'diancan.token'

class ApiError extends Error {
  constructor({ code, message, status = 0, details = null, messageEn = '' }) {
    super(message)
    this.name = 'ApiError'
    this.code = code
    this.status = status
    this.details = details || {}
    this.messageEn = messageEn
  }
}

/** Turn whatever came back into words for the guest. The server's `message` (Chinese) and `message_en` are
 * meant for people: the one in the guest's language is shown; codes whose text is about fields or machinery
 * get friendlier words of our own. */
function toError(status, body) {
  const code = (body && body.code) || (status >= 500 ? 'SERVER_BUSY' : 'UNKNOWN')
  const own = t(`errors.${code}`)
  const server = body ? (language() === 'en' && body.message_en) || body.message || '' : ''
  let message = own !== `errors.${code}` ? own : server
  if (!message) message = status >= 500 ? t('errors.SERVER_BUSY') : t('errors.UNKNOWN')
  return new ApiError({ code, message, status, details: body && body.details, messageEn: (body && body.message_en) || '' })
}

function networkError(errMsg) {
  return new ApiError({ code: 'NETWORK', message: t('errors.NETWORK'), status: 0, details: { errMsg } })
}

function token() {
  try {
    return wx.getStorageSync(TOKEN_KEY) || ''
  } catch (e) {
    return ''
  }
}

function rawRequest({ url, method, data, header }) {
  return new Promise((resolve, reject) => {
    wx.request({
      url,
      method,
      data,
      header,
      timeout: 15000,
      success: (res) => resolve(res),
      fail: (err) => reject(networkError(err && err.errMsg)),
    })
  })
}

let loginInFlight = null

/** wx.login → POST auth/login → token in storage. Concurrent callers share one login. */
function login() {
  if (loginInFlight) return loginInFlight
  loginInFlight = new Promise((resolve, reject) => {
    wx.login({
      success: ({ code }) => resolve(code),
      fail: (err) => reject(new ApiError({ code: 'LOGIN_FAILED', message: t('errors.LOGIN_FAILED'), details: err })),
    })
  })
    .then((code) => rawRequest({
      url: `${config.functionUrl('auth')}/login`,
      method: 'POST',
      data: { code },
      header: { 'Content-Type': 'application/json' },
    }))
    .then((res) => {
      if (res.statusCode !== 200 || !res.data || !res.data.token) throw toError(res.statusCode, res.data)
      wx.setStorageSync(TOKEN_KEY, res.data.token)
      return res.data
    })
    .finally(() => { loginInFlight = null })
  return loginInFlight
}

function ensureLogin() {
  return token() ? Promise.resolve() : login().then(() => undefined)
}

/**
 * request('menu', 'GET', '/stores', {query}) → the answer's body, or throws ApiError.
 * options: data (JSON body), query (object), auth ('required' | 'optional' | 'none'), idempotencyKey
 */
async function request(fn, method, path, options = {}) {
  const { data, query, auth = 'required', idempotencyKey } = options
  if (auth === 'required') await ensureLogin()
  const qs = query
    ? Object.keys(query).filter((k) => query[k] !== undefined && query[k] !== null && query[k] !== '')
      .map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(query[k])}`).join('&')
    : ''
  const url = `${config.functionUrl(fn)}${path}${qs ? `?${qs}` : ''}`
  const send = () => {
    const header = { 'Content-Type': 'application/json' }
    const bearer = auth === 'none' ? '' : token()
    if (bearer) header.Authorization = `Bearer ${bearer}`
    if (idempotencyKey) header['Idempotency-Key'] = idempotencyKey
    return rawRequest({ url, method, data, header })
  }
  let res = await send()
  if (res.statusCode === 401 && auth !== 'none') {
    wx.removeStorageSync(TOKEN_KEY)
    if (auth === 'optional') {
      res = await send() // public read: go on as a stranger
    } else {
      await login()
      res = await send() // once: a second 401 is an error for the page
    }
  }
  if (res.statusCode >= 200 && res.statusCode < 300) return res.data
  throw toError(res.statusCode, res.data)
}

/**
 * uploadTo(form, filePath) → resolves when the storage accepted the file. `form` is a presigned POST from the
 * back end ({url, fields, file_field}): wx.uploadFile sends the fields and then the file, as S3 expects.
 * No token goes with it (the form's signature is the permission); any non-2xx answer or network failure is an
 * ApiError with the words for a failed upload.
 */
function uploadTo(form, filePath) {
  return new Promise((resolve, reject) => {
    wx.uploadFile({
      url: form.url,
      filePath,
      name: form.file_field || 'file',
      formData: form.fields,
      timeout: 60000,
      success: (res) => (res.statusCode >= 200 && res.statusCode < 300
        ? resolve()
        : reject(new ApiError({ code: 'UPLOAD_FAILED', message: t('errors.UPLOAD_FAILED'), status: res.statusCode }))),
      fail: (err) => reject(new ApiError({ code: 'UPLOAD_FAILED', message: t('errors.UPLOAD_FAILED'), details: { errMsg: err && err.errMsg } })),
    })
  })
}

/** A fresh Idempotency-Key (8-64 of A-Za-z0-9_-:.) for one checkout attempt. */
function newIdempotencyKey() {
  const random = Math.random().toString(36).slice(2, 12)
  return `mp-${Date.now().toString(36)}-${random}`
}

module.exports = { request, uploadTo, login, ensureLogin, ApiError, newIdempotencyKey, TOKEN_KEY }
