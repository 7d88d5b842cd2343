/* Log in as soon as the mini-program starts, so the first page's requests carry a token; the API client
 * logs in again by itself when the token is missing or refused. */
const api = require('./lib/api')

App({
  globalData: {},
  onLaunch() {
    api.ensureLogin().catch(() => { /* the first request will try again and show the error */ })
  },
})
