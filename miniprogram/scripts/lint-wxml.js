#!/usr/bin/env node
/* Compile every .wxml of the mini-program with the official WXML compiler (wcc, bundled in
 * miniprogram-compiler): a syntax error fails with file:line:col, as WeChat DevTools would refuse it. */
const fs = require('fs')
const path = require('path')
const { spawnSync } = require('child_process')

const SRC = path.join(__dirname, '..', 'src')
const WCC = path.join(path.dirname(require.resolve('miniprogram-compiler/package.json')), 'bin', 'linux', 'wcc')

function wxmlFiles(root, dir = root, files = []) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'miniprogram_npm') continue
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) wxmlFiles(root, full, files)
    else if (entry.name.endsWith('.wxml')) files.push(path.relative(root, full))
  }
  return files
}

function lint(root = SRC) {
  try { fs.chmodSync(WCC, 0o755) } catch (e) { /* read-only install: try as is */ }
  const failures = []
  const files = wxmlFiles(root)
  for (const file of files) {
    const run = spawnSync(WCC, ['-d', '-cc', '0', file, '-gn', '$gwx'], { cwd: root, maxBuffer: 16 * 1024 * 1024 })
    if (run.error) throw run.error
    if (run.status !== 0) failures.push(`${file}: ${run.stderr.toString().trim()}`)
  }
  return { files, failures }
}

if (require.main === module) {
  const { files, failures } = lint(process.argv[2] ? path.resolve(process.argv[2]) : SRC)
  if (failures.length) {
    console.error(failures.join('\n'))
    console.error(`wcc: ${failures.length} of ${files.length} WXML files do not compile`)
    process.exit(1)
  }
  console.log(`wcc: all ${files.length} WXML files compile`)
}

module.exports = { lint }
