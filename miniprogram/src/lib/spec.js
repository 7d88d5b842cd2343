/* The option-group rules of a dish, as the back end enforces them (required, multi, max_select), checked
 * before adding so the guest hears about a missing choice at once and not at checkout. */

/** selected: {group_id: [option_id, ...]} → null when fine, else {group, reason}. */
function check(dish, selected) {
  for (const group of dish.option_groups || []) {
    const chosen = selected[group.group_id] || []
    if (group.required && chosen.length === 0) return { group, reason: 'required' }
    if (!group.multi && chosen.length > 1) return { group, reason: 'single' }
    if (group.multi && group.max_select && chosen.length > group.max_select) return { group, reason: 'max' }
  }
  return null
}

/** Tap on an option: single groups replace, multi groups toggle (refusing past max_select). */
function toggle(dish, selected, groupId, optionId) {
  const group = (dish.option_groups || []).find((g) => g.group_id === groupId)
  if (!group) return selected
  const chosen = selected[groupId] || []
  let next
  if (!group.multi) next = chosen[0] === optionId && !group.required ? [] : [optionId]
  else if (chosen.includes(optionId)) next = chosen.filter((o) => o !== optionId)
  else if (group.max_select && chosen.length >= group.max_select) next = chosen
  else next = [...chosen, optionId]
  return { ...selected, [groupId]: next }
}

/** Option ids in menu order, their names, and the surcharge (for showing only; the server prices). */
function flatten(dish, selected) {
  const ids = []
  const names = []
  let surcharge = 0
  for (const group of dish.option_groups || []) {
    for (const option of group.options) {
      if ((selected[group.group_id] || []).includes(option.option_id)) {
        ids.push(option.option_id)
        names.push(option.name)
        surcharge += option.price_fen || 0
      }
    }
  }
  return { ids, names, surcharge }
}

/** "大杯/半糖" for option ids of a dish (a shared table cart holds ids only). */
function optionNames(dish, ids) {
  return flatten(dish || {}, groupsOf(dish, ids)).names.join('/')
}

function groupsOf(dish, ids) {
  const selected = {}
  for (const group of (dish && dish.option_groups) || []) {
    selected[group.group_id] = group.options.map((o) => o.option_id).filter((id) => (ids || []).includes(id))
  }
  return selected
}

/** The preselected choice of elder mode: the first option of every required group (the cheapest way to a
 * dish the rules accept; the guest can still change it on the same screen). */
function defaults(dish) {
  const selected = {}
  for (const group of dish.option_groups || []) {
    if (group.required && group.options.length) selected[group.group_id] = [group.options[0].option_id]
  }
  return selected
}

module.exports = { check, toggle, flatten, optionNames, defaults }
