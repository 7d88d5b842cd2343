/* WeChat refuses a main package over 2 MB. The main package is everything under src/ outside the
 * subpackage roots, including the built miniprogram_npm. */
const fs = require('fs')
const path = require('path')

const SRC = path.join(__dirname, '..', '..', 'src')
const LIMIT = 2 * 1024 * 1024

function size(dir, skip) {
  let total = 0
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    if (skip.includes(full)) continue
    total += entry.isDirectory() ? size(full, skip) : fs.statSync(full).size
  }
  return total
}

test('main package stays under 2 MB, every package under 20 MB', () => {
  const app = JSON.parse(fs.readFileSync(path.join(SRC, 'app.json'), 'utf8'))
  const roots = (app.subPackages || app.subpackages || []).map((p) => path.join(SRC, p.root))
  expect(fs.existsSync(path.join(SRC, 'miniprogram_npm'))).toBe(true) // built before the tests
  const main = size(SRC, roots)
  expect(main).toBeLessThan(LIMIT)
  expect(main + roots.reduce((n, r) => n + size(r, []), 0)).toBeLessThan(20 * 1024 * 1024)
  for (const page of app.pages) expect(roots.some((r) => path.join(SRC, page).startsWith(r))).toBe(false)
})
