/* The guest's cart for one store, kept in storage so it survives leaving the menu and coming back.
 * It holds what the guest chose (dish, options, qty) and names to show; never a price to charge: totals
 * come from the server's /quote. */
const KEY = 'diancan.cart.'

function lineKey(dishId, options) {
  return `${dishId}|${[...(options || [])].sort().join(',')}`
}

function load(storeId) {
  try {
    const saved = wx.getStorageSync(KEY + storeId)
    return saved && Array.isArray(saved.lines) ? saved : { storeId, mode: '', lines: [] }
  } catch (e) {
    return { storeId, mode: '', lines: [] }
  }
}

function save(cart) {
  wx.setStorageSync(KEY + cart.storeId, cart)
  return cart
}

/** Add one of a dish with options; the same dish with the same options is one line. */
function add(cart, dish, options = [], optionNames = []) {
  const key = lineKey(dish.dish_id, options)
  const lines = cart.lines.map((l) => ({ ...l }))
  const found = lines.find((l) => l.key === key)
  if (found) found.qty += 1
  else lines.push({ key, dish_id: dish.dish_id, name: dish.name, options: [...options], option_names: optionNames.join('/'), qty: 1 })
  return save({ ...cart, lines })
}

function setQty(cart, key, qty) {
  const lines = cart.lines.map((l) => (l.key === key ? { ...l, qty } : l)).filter((l) => l.qty > 0)
  return save({ ...cart, lines })
}

function clear(cart) {
  return save({ ...cart, lines: [] })
}

function setMode(cart, mode) {
  return save({ ...cart, mode })
}

function count(cart) {
  return cart.lines.reduce((n, l) => n + l.qty, 0)
}

/** The items part of a /quote or /orders body. */
function items(cart) {
  return cart.lines.map((l) => ({ dish_id: l.dish_id, qty: l.qty, options: l.options }))
}

/** How many of a dish (any options) are in the cart, for the menu's badges. */
function qtyByDish(cart) {
  const out = {}
  for (const l of cart.lines) out[l.dish_id] = (out[l.dish_id] || 0) + l.qty
  return out
}

/** "再来一单": the cart of the order's store replaced by the order's lines (same dishes, options, quantities
 * and mode); the server's quote then says what changed (a dish sold out, a new price). */
function fromOrder(order) {
  const lines = order.lines.map((l) => {
    const options = (l.options || []).map((o) => o.option_id)
    return { key: lineKey(l.dish_id, options), dish_id: l.dish_id, name: l.name, options, option_names: (l.options || []).map((o) => o.name).join('/'), qty: l.qty }
  })
  return save({ storeId: order.store_id, mode: order.mode, lines })
}

module.exports = { load, save, add, setQty, clear, setMode, count, items, qtyByDish, lineKey, fromOrder }
