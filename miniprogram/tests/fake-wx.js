/* A fake `wx` for component tests: storage in memory, wx.request answered from canned routes
 * ({'GET /menu/stores': {status, data} | (req) => {status, data}}), and every call recorded. */
function createFakeWx() {
  const state = { storage: {}, routes: {}, calls: [], requests: [], codes: 0 }
  const record = (name, args) => state.calls.push({ name, args })
  const ok = (name) => (args = {}) => {
    record(name, args)
    if (args.success) args.success({ errMsg: `${name}:ok` })
    if (args.complete) args.complete()
  }
  const fake = {
    __state: state,
    /** Answer requests whose "METHOD path" (path without the function's base and the query) matches. */
    __route(key, answer) { state.routes[key] = answer },
    __reset() {
      state.storage = {}; state.routes = {}; state.calls = []; state.requests = []; state.chosenMedia = null; state.upload = null
    },
    __called(name) { return state.calls.filter((c) => c.name === name) },
    getStorageSync: (k) => (k in state.storage ? state.storage[k] : ''),
    setStorageSync: (k, v) => { state.storage[k] = JSON.parse(JSON.stringify(v)) },
    removeStorageSync: (k) => { delete state.storage[k] },
    getAccountInfoSync: () => ({ miniProgram: { envVersion: 'develop' } }),
    getSystemInfoSync: () => ({ SDKVersion: '3.3.0', fontSizeSetting: 16, windowHeight: 812, windowWidth: 375, pixelRatio: 2 }),
    getAppBaseInfo: () => ({ SDKVersion: '3.3.0', fontSizeSetting: 16, language: 'zh_CN' }),
    getWindowInfo: () => ({ windowHeight: 812, windowWidth: 375, pixelRatio: 2, statusBarHeight: 44 }),
    nextTick: (fn) => setTimeout(fn, 0),
    login: (args) => { state.codes += 1; record('login', args); args.success({ code: `test-unit.${state.codes}` }) },
    request(args) {
      const url = new URL(args.url)
      const path = url.pathname.replace(/^\/[^/]+/, '')
      const key = `${args.method || 'GET'} /${url.pathname.split('/')[1]}${path}`
      state.requests.push({ ...args, key, query: Object.fromEntries(url.searchParams) })
      let answer = state.routes[key]
      if (answer === undefined) answer = { status: 404, data: { code: 'NOT_FOUND', message: '未找到', message_en: 'not found' } }
      if (typeof answer === 'function') answer = answer({ ...args, key, query: Object.fromEntries(url.searchParams) })
      Promise.resolve(answer).then((a) => {
        if (a.networkError) args.fail({ errMsg: 'request:fail timeout' })
        else args.success({ statusCode: a.status || 200, data: a.data, header: {} })
      })
    },
    showToast: (args) => record('showToast', args),
    showModal: (args) => { record('showModal', args); if (args.success) args.success({ confirm: true, cancel: false }) },
    showLoading: (args) => record('showLoading', args),
    hideLoading: () => record('hideLoading'),
    navigateTo: ok('navigateTo'),
    redirectTo: ok('redirectTo'),
    switchTab: ok('switchTab'),
    reLaunch: ok('reLaunch'),
    navigateBack: ok('navigateBack'),
    stopPullDownRefresh: ok('stopPullDownRefresh'),
    setNavigationBarTitle: ok('setNavigationBarTitle'),
    makePhoneCall: ok('makePhoneCall'),
    vibrateShort: ok('vibrateShort'),
    getSetting: (args) => args.success({ authSetting: state.authSetting || {} }),
    authorize: ok('authorize'),
    openSetting: (args) => { record('openSetting', args); args.success({ authSetting: state.authSetting || {} }) },
    getLocation: (args) => {
      record('getLocation', args)
      if (state.location) args.success(state.location)
      else args.fail({ errMsg: 'getLocation:fail auth deny' })
    },
    chooseLocation: (args) => {
      record('chooseLocation', args)
      if (state.chosenLocation) args.success(state.chosenLocation)
      else args.fail({ errMsg: 'chooseLocation:fail cancel' })
    },
    /** The files a guest picks next (state.chosenMedia: [{tempFilePath, size}]); none: they cancelled. */
    chooseMedia: (args) => {
      record('chooseMedia', args)
      if (state.chosenMedia) args.success({ type: 'image', tempFiles: state.chosenMedia.slice(0, args.count) })
      else if (args.fail) args.fail({ errMsg: 'chooseMedia:fail cancel' })
    },
    /** Uploads answered by state.upload ({statusCode} or {fail: true}; default 204, as S3 answers a POST). */
    uploadFile: (args) => {
      record('uploadFile', args)
      const outcome = state.upload || { statusCode: 204 }
      Promise.resolve().then(() => (outcome.fail ? args.fail({ errMsg: 'uploadFile:fail timeout' })
        : args.success({ statusCode: outcome.statusCode, data: '' })))
    },
    requestSubscribeMessage: (args) => { record('requestSubscribeMessage', args); if (args.success) args.success({}) },
    requestPayment: (args) => {
      record('requestPayment', args)
      const outcome = state.payment || 'ok'
      if (outcome === 'ok') args.success({ errMsg: 'requestPayment:ok' })
      else args.fail({ errMsg: outcome === 'cancel' ? 'requestPayment:fail cancel' : 'requestPayment:fail unknown' })
    },
    createSelectorQuery: () => {
      const q = {
        in: () => q, select: () => q, selectAll: () => q,
        boundingClientRect: () => q, fields: () => q,
        exec: (cb) => cb && cb([state.rects || [], []]),
      }
      return q
    },
  }
  return fake
}

module.exports = { createFakeWx }
