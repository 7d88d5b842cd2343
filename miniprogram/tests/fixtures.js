/* Canned answers shaped exactly like the local stack's (captured from `python -m local.stack`). */
const spice = { group_id: 'spice', name: '辣度', required: true, multi: false, max_select: null, options: [
  { option_id: 'spicy-none', name: '不辣', price_fen: 0 }, { option_id: 'spicy-mild', name: '微辣', price_fen: 0 }] }
const topping = { group_id: 'topping', name: '加料', required: false, multi: true, max_select: 2, options: [
  { option_id: 'topping-pearl', name: '珍珠', price_fen: 200 }, { option_id: 'topping-pudding', name: '布丁', price_fen: 300 },
  { option_id: 'topping-coconut', name: '椰果', price_fen: 200 }] }
const size = { group_id: 'size', name: '杯型', required: true, multi: false, max_select: null, options: [
  { option_id: 'size-medium', name: '中杯', price_fen: 0 }, { option_id: 'size-large', name: '大杯', price_fen: 300 }] }

function dish(id, name, price, extra = {}) {
  return { dish_id: id, category_id: 'hot', name, price_fen: price, description: '', images: [`https://img.example/${id}.jpg`],
    option_groups: [], tags: [], nutrition: null, allergens: [], on_shelf: true, portions_left: null, daily_portions: null,
    sold_out: false, station_id: 'wok', packing_fee_fen: 100, combo_parts: {}, sold_count: 0, rating_count: 0, rating: null, ...extra }
}

const store = {
  store_id: 'sh-jingan', name: '小馆子·静安店', city: '上海', address: '上海市静安区南京西路1266号', phone: '021-62881234',
  lat: 31.2296, lng: 121.4486, images: [], hours: [{ days: [0, 1, 2, 3, 4, 5, 6], open: '00:00:00', close: '00:00:00' }],
  timezone: 'Asia/Shanghai', modes: ['dine_in', 'takeout', 'delivery'], packing_fee_fen: 100, min_delivery_fen: 2000,
  delivery_fee_fen: 500, preorder_days: 7, accepting_orders: true, open_now: true,
}
const closedStore = {
  ...store, store_id: 'sh-xuhui', name: '小馆子·徐汇店', address: '上海市徐汇区漕溪北路88号', open_now: false,
  hours: [{ days: [0, 1, 2, 3, 4, 5, 6], open: '10:00:00', close: '14:00:00' }],
}

function menu(overrides = {}) {
  return {
    store_id: 'sh-jingan',
    store,
    categories: [
      { category_id: 'hot', name: '热菜', dishes: [
        dish('d-gongbao', '宫保鸡丁', 3800, { option_groups: [spice], allergens: ['花生'], nutrition: { 热量: '约520千卡' }, tags: ['招牌'] }),
        dish('d-hongshao', '红烧肉', 5800, { portions_left: 3, daily_portions: 20, tags: ['限量'] }),
        dish('d-xiaolongbao', '蟹粉小笼包', 3800, { sold_out: true, portions_left: 0 }),
      ] },
      { category_id: 'drink', name: '饮品', dishes: [
        dish('d-milktea', '招牌奶茶', 1500, { category_id: 'drink', option_groups: [size, topping] }),
        dish('d-cola', '可乐', 500, { category_id: 'drink' }),
        dish('d-set', '双人套餐', 8800, { category_id: 'drink', combo_parts: { 'd-hongshao': 1, 'd-cola': 2 } }),
      ] },
    ],
    recommendations: [dish('d-cola', '可乐', 500)],
    ...overrides,
  }
}

function quote(total, extra = {}) {
  return { lines: [], items_fen: total, packing_fee_fen: 0, delivery_fee_fen: 0, discounts: [], discount_fen: 0, total_fen: total, explain: [], ...extra }
}

function order(overrides = {}) {
  return {
    order_id: '26120506541719A6B920', store_id: 'sh-jingan', mode: 'takeout', status: 'PENDING_PAYMENT', table_no: null,
    address: null, pickup_at: null, remark: '',
    lines: [{ dish_id: 'd-milktea', name: '招牌奶茶', qty: 1, options: [{ group_id: 'size', option_id: 'size-large', name: '大杯', price_fen: 300 }], unit_price_fen: 1800, line_total_fen: 1800, packing_fee_fen: 0 }],
    items_fen: 1800, packing_fee_fen: 100, delivery_fee_fen: 0, discounts: [], discount_fen: 0, total_fen: 1900,
    created_at: '2026-12-04T22:54:17.746Z', business_day: '2026-12-05', pay_expires_at: new Date(Date.now() + 10 * 60000).toISOString(),
    paid_at: null, pickup_no: null, refunded_fen: 0, transaction_id: null, paid_fen: null, flags: [],
    history: [{ status: 'PENDING_PAYMENT', at: '2026-12-04T22:54:17.746Z', by: 'guest:x', note: '' }],
    ...overrides,
  }
}

const payParams = { appId: 'wx1', timeStamp: '1796424857', nonceStr: 'n', package: 'prepay_id=wx-1', signType: 'RSA', paySign: 's' }

module.exports = { store, closedStore, menu, dish, quote, order, payParams }
