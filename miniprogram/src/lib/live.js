/* Live updates of one topic (`order:<id>`) over the back end's WebSocket API with wx.connectSocket:
 * - the guest's token in the URL (`<wsBase>?token=...`): a socket cannot carry an Authorization header reliably
 * - on open it subscribes ({"action":"subscribe","topic":...}) and hands every message (JSON) to onMessage
 * - after a drop (close or error) it connects again after 1, 2, 4, 8, 15, then every 30 s; a connection that
 *   opens starts the count again
 * - onState(true | false) tells the page whether it is connected, so it polls only while it is not
 * - close() ends it for good (page hidden or unloaded, or the order stopped moving) */
const config = require('../config')
const api = require('./api')

const BACKOFF_MS = [1000, 2000, 4000, 8000, 15000, 30000]

function follow(topic, { onMessage, onState = () => {} }) {
  let socket = null
  let timer = null
  let attempt = 0
  let ended = false
  let open = false

  const setOpen = (value) => {
    if (open === value) return
    open = value
    onState(value)
  }

  const retry = () => {
    if (ended || timer) return
    const delay = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)]
    attempt += 1
    timer = setTimeout(() => { timer = null; connect() }, delay)
  }

  /** The socket is gone (closed by the server or the network, or failed): forget it and try again later. */
  const dropped = (task) => {
    if (task !== socket) return // an older socket, already replaced or closed by us
    socket = null
    setOpen(false)
    retry()
  }

  function connect() {
    if (ended) return
    api.ensureLogin().then(() => {
      if (ended) return
      const url = `${config.wsUrl()}?token=${encodeURIComponent(api.token())}`
      const task = wx.connectSocket({ url, fail: () => dropped(task) })
      socket = task
      task.onOpen(() => {
        if (task !== socket) return
        attempt = 0
        setOpen(true)
        task.send({ data: JSON.stringify({ action: 'subscribe', topic }) })
      })
      task.onMessage(({ data }) => {
        if (task !== socket) return
        let message
        try {
          message = JSON.parse(data)
        } catch (e) {
          return // not ours
        }
        onMessage(message)
      })
      task.onClose(() => dropped(task))
      task.onError(() => {
        dropped(task)
        task.close({})
      })
    }).catch(() => retry()) // no login now (offline): try again with the same backoff
  }

  connect()
  return {
    get open() { return open },
    close() {
      ended = true
      clearTimeout(timer)
      timer = null
      const task = socket
      socket = null
      if (task) task.close({})
      open = false
    },
  }
}

module.exports = { follow, BACKOFF_MS }
