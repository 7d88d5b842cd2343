/* Start the repo's local stack (`python -m local.stack`, as `make dev` does) on a free port, its WebSocket API
 * on another free one (WS_PORT), wait until /health answers, stop it afterwards. DIANCAN_STACK_URL hands an
 * already running stack instead (its WebSocket API: DIANCAN_STACK_WS_URL, else the stack's default, the port
 * after the HTTP one); DIANCAN_PYTHON overrides the interpreter (default: the repo's .venv). */
const { spawn } = require('child_process')
const net = require('net')
const path = require('path')

const REPO = path.join(__dirname, '..', '..', '..')
const HEALTH_CEILING_MS = 180000

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

async function waitHealthy(base, child, output) {
  const end = Date.now() + HEALTH_CEILING_MS
  while (Date.now() < end) {
    if (child && child.exitCode !== null) throw new Error(`local stack exited (${child.exitCode}):\n${output().slice(-3000)}`)
    try {
      const res = await global.nodeFetch(`${base}/health`, { signal: AbortSignal.timeout(2000) })
      if (res.status === 200) return
    } catch (e) { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 250))
  }
  throw new Error(`local stack not healthy after ${HEALTH_CEILING_MS / 1000}s:\n${output().slice(-3000)}`)
}

async function startStack() {
  if (process.env.DIANCAN_STACK_URL) {
    const base = process.env.DIANCAN_STACK_URL.replace(/\/$/, '')
    const wsBase = process.env.DIANCAN_STACK_WS_URL || `ws://${new URL(base).hostname}:${Number(new URL(base).port) + 1}/ws`
    await waitHealthy(base, null, () => '')
    return { base, wsBase, stop: async () => {} }
  }
  const python = process.env.DIANCAN_PYTHON || path.join(REPO, '.venv', 'bin', 'python')
  const port = await freePort()
  let wsPort = await freePort()
  while (wsPort === port) wsPort = await freePort()
  let log = ''
  const child = spawn(python, ['-m', 'local.stack'], {
    cwd: REPO,
    detached: true, // its own process group: stop it and everything it started
    env: { ...process.env, PORT: String(port), WS_PORT: String(wsPort), POWERTOOLS_LOG_LEVEL: 'WARNING', PYTHONUNBUFFERED: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const keep = (chunk) => { log = (log + chunk.toString()).slice(-20000) }
  child.stdout.on('data', keep)
  child.stderr.on('data', keep)
  const base = `http://127.0.0.1:${port}`
  const wsBase = `ws://127.0.0.1:${wsPort}/ws`
  try {
    await waitHealthy(base, child, () => log)
  } catch (e) {
    try { process.kill(-child.pid, 'SIGKILL') } catch (err) { /* gone */ }
    throw e
  }
  const stop = () => new Promise((resolve) => {
    if (child.exitCode !== null) return resolve()
    const hard = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL') } catch (e) { /* gone */ } }, 15000)
    child.once('exit', () => { clearTimeout(hard); resolve() })
    try { process.kill(-child.pid, 'SIGTERM') } catch (e) { clearTimeout(hard); resolve() }
    return undefined
  })
  return { base, wsBase, stop, log: () => log }
}

/** For a jest file that drives pages against the stack: starts it before the file's tests and points the
 * client's config at it (`base` and `wsBase`); afterwards unloads every page the file pushed on `pages` (their
 * polling and sockets stop) and stops the stack. `base` and `wsBase` are set once the stack is up. */
function useLocalStack(config) {
  const session = { base: null, wsBase: null, pages: [] }
  let running
  beforeAll(async () => {
    running = await startStack()
    session.base = running.base
    session.wsBase = running.wsBase
    config.useBase(running.base, running.wsBase)
  }, 240000)
  afterAll(async () => {
    for (const page of session.pages) page.instance.onUnload && page.instance.onUnload()
    if (running) await running.stop()
  })
  return session
}

module.exports = { startStack, useLocalStack }
