const { render, text, tap } = require('../helpers')

const PATH = 'components/state-view/state-view'

test('loading, error with retry, empty and ready states', async () => {
  const comp = render(PATH, { status: 'loading' })
  expect(comp.querySelector('#state-loading')).toBeTruthy()
  comp.setData({ status: 'error', message: '网络不太好' })
  expect(text(comp, '#state-error')).toContain('网络不太好')
  const retried = jest.fn()
  comp.addEventListener('retry', retried)
  await tap(comp, '#state-retry')
  expect(retried).toHaveBeenCalled()
  comp.setData({ status: 'empty', message: '' })
  expect(text(comp, '#state-empty')).toContain('这里还没有内容')
  comp.setData({ status: 'ready' })
  expect(comp.querySelector('#state-empty')).toBeFalsy()
})
