/* A handler that throws inside a tap is swallowed by exparser and only logged: make it fail the test. */
let errors = []
const original = console.error

beforeEach(() => {
  errors = []
  console.error = (...args) => { errors.push(args.map(String).join(' ')); original(...args) }
})

afterEach(() => {
  console.error = original
  if (errors.length) throw new Error(`console.error during the test:\n${errors.join('\n').slice(0, 2000)}`)
})
