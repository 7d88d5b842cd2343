/* The one place that says where the back end is. Each function of diancan has its own URL root; a deployed
 * stack sits behind one HTTPS domain registered in the mini-program admin (a raw Lambda function URL cannot
 * be registered), with each function under /<function>. */
const FUNCTIONS = ['auth', 'menu', 'place_order', 'orders', 'tables']

const ENVIRONMENTS = {
  local: { base: 'http://127.0.0.1:8000' }, // `make dev`; DevTools: 详情 → 本地设置 → 不校验合法域名
  staging: { base: 'https://api-staging.diancan.example.com' },
  production: { base: 'https://api.diancan.example.com' },
}

// WeChat's own release channels pick the environment: DevTools/develop → local, 体验版 → staging, 正式版 → production
const BY_ENV_VERSION = { develop: 'local', trial: 'staging', release: 'production' }

// subscription message templates (mini-program admin → 订阅消息), the same ids as the back end's wechat secret
// (ready_template, notice_templates): ready = 取餐提醒, accepted = 接单通知, delivering = 配送中通知,
// delivered = 送达通知, refunded = 退款通知
const SUBSCRIBE_TEMPLATES = {
  ready: 'READY_TEMPLATE_ID_FROM_ADMIN',
  accepted: 'ACCEPTED_TEMPLATE_ID_FROM_ADMIN',
  delivering: 'DELIVERING_TEMPLATE_ID_FROM_ADMIN',
  delivered: 'DELIVERED_TEMPLATE_ID_FROM_ADMIN',
  refunded: 'REFUNDED_TEMPLATE_ID_FROM_ADMIN',
}

let override = null

function currentEnvironment() {
  if (override) return override
  let envVersion = 'develop'
  try {
    envVersion = wx.getAccountInfoSync().miniProgram.envVersion || 'develop'
  } catch (e) { /* old base library: develop */ }
  return ENVIRONMENTS[BY_ENV_VERSION[envVersion] || 'local']
}

/** URL root of one function, e.g. functionUrl('menu') → https://api.…/menu */
function functionUrl(name) {
  if (!FUNCTIONS.includes(name)) throw new Error(`unknown function ${name}`)
  return `${currentEnvironment().base}/${name}`
}

/** Point the client at another stack (tests, or a developer's own deployment). */
function useBase(base) {
  override = base ? { base } : null
}

module.exports = { SUBSCRIBE_TEMPLATES, ENVIRONMENTS, FUNCTIONS, functionUrl, useBase, currentEnvironment }
