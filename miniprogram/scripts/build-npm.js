#!/usr/bin/env node
/* Build the component library into src/miniprogram_npm/ as WeChat DevTools' "构建 npm" would, but only the
 * components the mini-program uses and what they need (the main package must stay under 2 MB; the whole
 * TDesign dist is 5.6 MB). The closure follows usingComponents and relative JS imports. */
const fs = require('fs')
const path = require('path')

const ROOT = path.join(__dirname, '..')
const SRC = path.join(ROOT, 'src')
const DIST = path.join(ROOT, 'node_modules', 'tdesign-miniprogram', 'miniprogram_dist')
const OUT = path.join(SRC, 'miniprogram_npm', 'tdesign-miniprogram')
const PREFIX = 'tdesign-miniprogram/'

function walk(dir, files = []) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'miniprogram_npm') continue
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) walk(full, files)
    else files.push(full)
  }
  return files
}

/** Top-level TDesign folders the project's .json files name in usingComponents. */
function usedComponents() {
  const used = new Set()
  for (const file of walk(SRC).filter((f) => f.endsWith('.json'))) {
    const json = JSON.parse(fs.readFileSync(file, 'utf8'))
    const using = { ...(json.usingComponents || {}), ...((json.window || {}).usingComponents || {}) }
    for (const target of Object.values(using)) {
      if (target.startsWith(PREFIX)) used.add(target.slice(PREFIX.length).split('/')[0])
    }
  }
  return used
}

/** Every folder of the dist reachable from the used components (usingComponents and relative imports). */
function closure(start) {
  const seen = new Set(['common', 'mixins'])
  const queue = [...start, 'common', 'mixins']
  while (queue.length) {
    const folder = queue.shift()
    const dir = path.join(DIST, folder)
    if (!fs.existsSync(dir)) throw new Error(`tdesign-miniprogram has no ${folder}`)
    for (const file of walk(dir)) {
      const text = fs.readFileSync(file, 'utf8')
      const refs = []
      if (file.endsWith('.json')) {
        try {
          refs.push(...Object.values(JSON.parse(text).usingComponents || {}))
        } catch (e) { /* not a component json */ }
      }
      if (/\.(js|wxs|wxml|wxss)$/.test(file)) {
        for (const m of text.matchAll(/(?:from|require\(|src=|import)\s*["']([./][^"']+)["']/g)) refs.push(m[1])
      }
      for (const ref of refs) {
        const target = path.relative(DIST, path.resolve(path.dirname(file), ref)).split(path.sep)[0]
        if (target && !target.startsWith('..') && !seen.has(target) && fs.existsSync(path.join(DIST, target))) {
          seen.add(target)
          queue.push(target)
        }
      }
    }
  }
  for (const folder of start) seen.add(folder)
  return seen
}

function copy(from, to) {
  fs.mkdirSync(to, { recursive: true })
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    if (entry.name.endsWith('.d.ts')) continue
    const a = path.join(from, entry.name)
    const b = path.join(to, entry.name)
    if (entry.isDirectory()) copy(a, b)
    else fs.copyFileSync(a, b)
  }
}

function main() {
  fs.rmSync(path.join(SRC, 'miniprogram_npm'), { recursive: true, force: true })
  const folders = closure(usedComponents())
  for (const folder of folders) copy(path.join(DIST, folder), path.join(OUT, folder))
  // TDesign's ES modules import tslib by name: DevTools resolves it from miniprogram_npm
  copy(path.join(DIST, 'miniprogram_npm', 'tslib'), path.join(SRC, 'miniprogram_npm', 'tslib'))
  console.log(`miniprogram_npm: tdesign-miniprogram (${[...folders].sort().join(', ')}) + tslib`)
}

main()
