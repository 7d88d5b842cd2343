/* The WXML lint is the official wcc: it must refuse a syntax error (and pass the project's own files). */
const fs = require('fs')
const os = require('os')
const path = require('path')
const { lint } = require('../../scripts/lint-wxml')

test('wcc refuses a broken WXML file and names it', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wxml-'))
  fs.mkdirSync(path.join(dir, 'pages'))
  fs.writeFileSync(path.join(dir, 'pages', 'good.wxml'), '<view class="a">{{x}}</view>\n')
  fs.writeFileSync(path.join(dir, 'pages', 'bad.wxml'), '<view>\n  <text>{{x}</text>\n</view\n')
  const { files, failures } = lint(dir)
  expect(files.sort()).toEqual(['pages/bad.wxml', 'pages/good.wxml'])
  expect(failures).toHaveLength(1)
  expect(failures[0]).toMatch(/^pages\/bad\.wxml: /)
  fs.rmSync(dir, { recursive: true, force: true })
})

test('every WXML file of the mini-program compiles', () => {
  const { files, failures } = lint()
  expect(files.length).toBeGreaterThanOrEqual(11)
  expect(failures).toEqual([])
})
