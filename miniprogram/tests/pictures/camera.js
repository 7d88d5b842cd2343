/* A page as a picture: the DOM miniprogram-simulate rendered, with that page's styles (simulate's class
 * prefixes, rpx as 1 CSS px) plus app.wxss, laid out by headless Chromium in a 750-CSS-px-wide viewport (the
 * rpx design width) at device scale 0.5, so the PNG is the phone's 375×812. Built-in components that simulate
 * leaves empty (image, input, textarea, switch) get stand-ins. */
const fs = require('fs')
const os = require('os')
const path = require('path')
const { spawnSync } = require('child_process')
const wxss = require('miniprogram-simulate/src/wxss')
const { load, SRC } = require('../helpers')

const OUT = path.join(__dirname, '..', '..', '..', 'docs', 'miniprogram')
const CHROMIUM = process.env.CHROMIUM || ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => fs.existsSync(p))

const STAND_INS = `
html, body { margin: 0; width: 750px; min-height: 1624px; }
body { background: #f5f5f5; font-family: "PingFang SC", "Noto Sans CJK SC", "Noto Sans SC", sans-serif; font-size: 28px; color: #222; -webkit-font-smoothing: antialiased; }
main { display: block; min-height: 1624px; }
wx-view, wx-scroll-view, wx-picker, wx-swiper, wx-form, wx-label { display: block; }
wx-scroll-view { overflow: hidden; }
wx-text { display: inline; }
wx-image { display: inline-block; overflow: hidden; width: 320px; height: 240px; background: linear-gradient(135deg, #f6d9bd, #e8b48a); }
wx-input, wx-textarea { display: block; min-height: 1.4em; color: #999; }
wx-input::before, wx-textarea::before { content: attr(data-ph); line-height: 64px; }
wx-textarea::before { line-height: 1.6; }
wx-switch { display: inline-block; width: 88px; height: 52px; border-radius: 26px; background: #ddd; position: relative; }
wx-switch::after { content: ''; position: absolute; top: 4px; left: 4px; width: 44px; height: 44px; border-radius: 50%; background: #fff; }
wx-switch[data-on="true"] { background: #ff6a00; }
wx-switch[data-on="true"]::after { left: 40px; }
wx-button { display: block; }
`

function appCss() {
  const source = fs.readFileSync(path.join(SRC, 'app.wxss'), 'utf8').replace(/(^|\})\s*page\s*\{/g, '$1 body {')
  return wxss.compile(source, { prefix: 'main' }).replace(/(\d+(\.\d+)?)rpx/g, '$1px')
}

let taken = 0

/** Draw the page rendered from `relative` (its last render) as docs/miniprogram/<name>.png. */
function snap(page, relative, name) {
  if (!CHROMIUM) throw new Error('no Chromium: apt-get install -y chromium fonts-noto-cjk')
  const id = load(relative)
  const own = document.querySelector(`style#${id}`)
  // the page's own style tag holds its styles and those of every component it uses
  const html = `<!doctype html><html><head><meta charset="utf-8"><style>${STAND_INS}\n${appCss()}\n${own ? own.textContent : ''}</style></head><body>${page.dom.outerHTML}</body></html>`
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-shot-'))
  const file = path.join(dir, 'page.html')
  fs.writeFileSync(file, html)
  fs.mkdirSync(OUT, { recursive: true })
  const png = path.join(OUT, `${name}.png`)
  const run = spawnSync(CHROMIUM, ['--headless=new', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--force-device-scale-factor=0.5',
    '--window-size=750,1624', `--user-data-dir=${path.join(dir, 'profile')}`, `--screenshot=${png}`, `file://${file}`], { timeout: 60000 })
  fs.rmSync(dir, { recursive: true, force: true })
  if (run.status !== 0 || !fs.existsSync(png)) throw new Error(`chromium failed for ${name}: ${run.stderr}`)
  taken += 1
  return png
}

module.exports = { snap, OUT, count: () => taken }
