/* Load and render the mini-program's components with miniprogram-simulate (each path once per test file:
 * jest caches modules), and wait on conditions instead of sleeping. */
const path = require('path')
const simulate = require('miniprogram-simulate')

const SRC = path.join(__dirname, '..', 'src')

/* simulate runs each component's JS with require() for every page that uses it, counting on the require
 * cache being cleared; jest's module registry is not, so a component shared by two pages (state-view, the
 * cart bar, TDesign's loading) would be defined for the first page only and render blank in the second.
 * Run it again in an isolated registry instead (its helpers are pure: a fresh copy changes nothing). */
const simulateUtils = require('miniprogram-simulate/src/utils')
const ran = new Set()
simulateUtils.runJs = (filePath) => {
  const resolved = require.resolve(filePath)
  if (!ran.has(resolved)) {
    ran.add(resolved)
    require(resolved)
    return
  }
  jest.isolateModules(() => { require(resolved) })
}
const NPM = path.join(SRC, 'miniprogram_npm')
const loaded = {}

/** Tags of the component library the project uses, mapped to the built miniprogram_npm folder (simulate
 * resolves only relative and root-absolute paths). */
function libraryTags() {
  const fs = require('fs')
  const map = {}
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'miniprogram_npm') continue
      const full = path.join(dir, entry.name)
      if (entry.isDirectory()) walk(full)
      else if (entry.name.endsWith('.json')) {
        const using = JSON.parse(fs.readFileSync(full, 'utf8')).usingComponents || {}
        for (const [tag, target] of Object.entries(using)) {
          if (target.startsWith('tdesign-miniprogram/')) map[tag] = `/miniprogram_npm/${target}`
        }
      }
    }
  }
  walk(SRC)
  return map
}
const LIBRARY = libraryTags()

function load(relative) {
  if (!loaded[relative]) {
    loaded[relative] = simulate.load(path.join(SRC, relative), { rootPath: SRC, compiler: 'official', less: false, usingComponents: { ...LIBRARY } })
  }
  return loaded[relative]
}

/** Render a page or component; `query` goes to onLoad as WeChat would hand it. */
function render(relative, props = {}) {
  const id = load(relative)
  const comp = simulate.render(id, props)
  const parent = document.createElement('parent-wrapper')
  comp.attach(parent)
  return comp
}

async function waitFor(predicate, { timeout = 3000, what = 'condition' } = {}) {
  const end = Date.now() + timeout
  for (;;) {
    let value
    try {
      value = predicate()
    } catch (e) {
      value = false
    }
    if (value) return value
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

function text(comp, selector) {
  const node = comp.querySelector(selector)
  return node ? node.dom.textContent.replace(/\s+/g, ' ').trim() : null
}

/** Tap the first node matching selector (j-component dispatches on a microtask) and let handlers run. */
async function tap(comp, selector, detail) {
  const node = typeof selector === 'string' ? comp.querySelector(selector) : selector
  if (!node) throw new Error(`nothing to tap at ${selector}`)
  node.dispatchEvent('tap', detail ? { detail } : {})
  await settle()
}

/** Let pending promises (fake requests, setData) run. */
async function settle(rounds = 5) {
  for (let i = 0; i < rounds; i += 1) await new Promise((r) => setTimeout(r, 0))
}

/** The page's state-view part ('loading' | 'error' | 'empty'), or null. */
function state(comp, which) {
  const view = comp.querySelector('#state')
  return view ? view.querySelector(`#state-${which}`) : null
}

function all(comp, selector) {
  return comp.querySelectorAll(selector)
}

const TIMERS = ['hrtime', 'nextTick', 'performance', 'queueMicrotask', 'requestAnimationFrame', 'cancelAnimationFrame',
  'requestIdleCallback', 'cancelIdleCallback', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval',
  'setTimeout', 'clearTimeout']

/** Run ``fn`` with the clock at ``iso``: only Date is faked (timers run as usual), so what a page says about
 * opening hours does not depend on when the test runs. */
async function atTime(iso, fn) {
  jest.useFakeTimers({ doNotFake: TIMERS, now: new Date(iso) })
  try { return await fn() } finally { jest.useRealTimers() }
}

module.exports = { LIBRARY, state, load, render, waitFor, text, all, tap, settle, atTime, SRC, NPM, simulate }
