"""Months of realistic order history for the demo chain, so the local stack shows full reports.

    python -m local.demo_history --days 60

Weekday and hour patterns (lunch and dinner peaks, busier weekends), popular and unpopular dishes,
full reductions and coupons (with their COUPONUSE index entries), guests who come back, refunds (some on
a later day, with a chained refund voucher), delivery times, and reviews in Chinese (about one completed
order in six; stars lower for slow deliveries, text to match) as the reviews area stores them. Everything
is written through the product's own record classes with BatchWriteItem (25 items a call); the vouchers
continue each store's chain, and ``load`` adds the reviews to the dishes' rating counters once at the end.
"""

from __future__ import annotations

import argparse
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from diancan.domain.cart import OrderLine
from diancan.domain.clock import iso, utcnow, zone
from diancan.domain.order import Order, StatusChange
from diancan.domain.order_status import OrderStatus
from diancan.domain.payments import Voucher
from diancan.domain.pricing import Discount

BASE_ORDERS = {"sh-jingan": 110, "sh-xuhui": 70}
WEEKDAY_FACTOR = (0.9, 0.9, 1.0, 1.0, 1.25, 1.45, 1.35)
HOUR_WEIGHTS = {7: 2, 8: 3, 9: 2, 10: 3, 11: 12, 12: 16, 13: 9, 14: 3, 15: 2, 16: 3, 17: 9, 18: 14, 19: 11,
                20: 6, 21: 3, 22: 1}
DISH_WEIGHTS = {"d-gongbao": 14, "d-beef-noodle": 13, "d-milktea": 12, "d-rice": 12, "d-xiaolongbao": 9,
                "d-mapo": 8, "d-hongshao": 6, "d-yuxiang": 6, "d-fried-rice": 6, "d-shengjian": 5,
                "d-lemontea": 5, "d-qingcai": 4, "d-koushuiji": 3, "d-zhajiang": 3, "d-tangcu": 2, "d-yangchun": 2,
                "d-pork-rib-soup": 2, "d-pai-huanggua": 2, "d-pidan-doufu": 1, "d-shaomai": 1, "d-cola": 1,
                "d-soymilk": 0.5, "d-liangpi": 0.4, "d-chunjuan": 0.3}
REFUND_REASONS = ("出餐太慢", "菜品有异物", "口味不符", "顾客取消", "漏送菜品")
REVIEW_SHARE = 0.16
PRAISE = ("{dish}很好吃，分量足", "{dish}味道正宗，下次还来", "上菜很快，服务热情，{dish}推荐", "环境干净，{dish}口感好",
          "性价比高，{dish}很入味", "{dish}鲜嫩多汁，米饭香", "老板热情，{dish}地道")
COMPLAINTS = ("{dish}太咸了，上菜太慢", "等了四十分钟，{dish}都凉了", "{dish}分量少，价格偏贵", "外卖洒了，{dish}很油腻",
              "服务态度差，{dish}不新鲜", "{dish}太辣，口味不符")
SO_SO = ("{dish}一般，中规中矩", "味道还行，就是排队太久")
MCH_PREFIX = "4200002"
LOCAL_DAYS, LOCAL_SCALE = 14, 0.15  # the local stack's history: small, so `make dev` starts in seconds


@dataclass
class Menu:
    """What the generator needs of a store's menu: dish id → (name, category, price, recipe)."""

    dishes: dict[str, tuple[str, str, int, dict[str, int]]]


@dataclass
class History:
    """Records to write, grouped by record class (the writer batches each group)."""

    records: dict[type, list] = field(default_factory=dict)

    def add(self, record) -> None:
        self.records.setdefault(type(record), []).append(record)

    ratings: Counter = field(default_factory=Counter)  # (store id, dish id, "sum" | "count") → stars, reviews

    def count(self) -> int:
        return sum(len(group) for group in self.records.values())


def demo_menu(store_id: str) -> Menu:
    from local.demo_data import DISHES

    return Menu({did: (name, cat, price, recipe) for did, cat, name, price, _s, _o, _p, recipe, _d, _t in DISHES})


def make_order(store_id: str, order_id: str, created: datetime, lines: list[tuple[str, str, int, int, dict]], *,
               mode: str = "dine_in", openid: str = "guest", status: OrderStatus = OrderStatus.COMPLETED,
               discounts: list[Discount] = (), packing_fen: int = 0, delivered_after_min: float | None = None,
               tz: str = "Asia/Shanghai") -> Order:
    """An order as the product stores it. ``lines``: (dish id, name, unit price, qty, recipe of one portion)."""
    order_lines = [OrderLine(dish_id=d, name=n, category_id="c", qty=q, base_price_fen=p, unit_price_fen=p,
                             line_total_fen=p * q, recipe=r) for d, n, p, q, r in lines]
    items = sum(line.line_total_fen for line in order_lines)
    discount = sum(d.amount_fen for d in discounts)
    paid = status not in (OrderStatus.PENDING_PAYMENT, OrderStatus.CANCELLED)
    history = [StatusChange(status=OrderStatus.PENDING_PAYMENT, at=iso(created))]
    if paid:
        history.append(StatusChange(status=OrderStatus.PAID, at=iso(created + timedelta(minutes=1))))
    if status == OrderStatus.COMPLETED:
        done = created + timedelta(minutes=delivered_after_min if delivered_after_min is not None else 20)
        history.append(StatusChange(status=OrderStatus.COMPLETED, at=iso(done)))
    elif not paid:
        history.append(StatusChange(status=status, at=iso(created + timedelta(minutes=15))))
    total = items - discount + packing_fen
    return Order(order_id=order_id, store_id=store_id, openid=openid, mode=mode, status=status, lines=order_lines,
                 items_fen=items, packing_fee_fen=packing_fen, discounts=list(discounts), discount_fen=discount,
                 total_fen=total, created_at=iso(created), business_day=created.astimezone(zone(tz)).date().isoformat(),
                 pay_expires_at=iso(created + timedelta(minutes=15)),
                 paid_at=iso(created + timedelta(minutes=1)) if paid else None,
                 transaction_id=f"{MCH_PREFIX}{order_id}" if paid else None, paid_fen=total if paid else None,
                 history=history)


def order_record(order: Order):
    """The OrderRecord the repository writes for ``order`` (same keys and state fields)."""
    from diancan.adapters import keys
    from diancan.adapters.records import OrderRecord

    state = {"published", "status", "history", "paid_at", "pickup_no", "refunded_fen", "transaction_id", "paid_fen",
             "prepay_id", "refund_committed_fen", "flags"}
    return OrderRecord(keys.order(order.order_id), keys.ORDER, store_id=order.store_id, openid=order.openid,
                       status=order.status.value, doc=order.model_dump(mode="json", exclude=state | {"address"}),
                       history=[h.model_dump(mode="json") for h in order.history], paid_at=order.paid_at,
                       transaction_id=order.transaction_id, paid_fen=order.paid_fen, refunded_fen=order.refunded_fen,
                       refund_committed_fen=order.refunded_fen,
                       GSI1PK=keys.user(order.openid), GSI1SK=keys.timed(order.created_at, order.order_id),
                       GSI2PK=keys.store_day(order.store_id, order.business_day),
                       GSI2SK=keys.timed(order.created_at, order.order_id))


class Chain:
    """Continues a store's voucher chain in memory (seq and hash), sealing each voucher as the product does."""

    def __init__(self, store_id: str, seq: int, head: str) -> None:
        self.store_id, self.seq, self.head = store_id, seq, head

    def next(self, **fields) -> Voucher:
        self.seq += 1
        voucher = Voucher(store_id=self.store_id, seq=self.seq, prev_hash=self.head, **fields).sealed()
        self.head = voucher.hash
        return voucher


def _random_order(rng: random.Random, store_id: str, day: date, n: int, menu: Menu, guests: list[str]) -> Order:
    hours, weights = zip(*HOUR_WEIGHTS.items(), strict=True)
    if store_id == "sh-xuhui":
        hours, weights = zip(*[(h, w) for h, w in HOUR_WEIGHTS.items() if 10 <= h < 14 or 17 <= h < 22], strict=True)
    local_at = datetime.combine(day, time(rng.choices(hours, weights)[0], rng.randrange(60), rng.randrange(60)),
                                tzinfo=zone())
    ids, dish_weights = zip(*[(d, DISH_WEIGHTS.get(d, 1)) for d in menu.dishes], strict=True)
    chosen = {}
    for dish_id in rng.choices(ids, dish_weights, k=rng.choice((1, 2, 2, 3, 3, 4))):
        chosen[dish_id] = chosen.get(dish_id, 0) + 1
    lines = [(d, menu.dishes[d][0], menu.dishes[d][2], q, menu.dishes[d][3]) for d, q in chosen.items()]
    items = sum(p * q for _, _, p, q, _ in lines)
    mode = rng.choices(("dine_in", "takeout", "delivery"), (55, 25, 20))[0]
    discounts = []
    if items >= 10000:
        discounts.append(Discount(kind="full_reduction", label="满100减15", amount_fen=1500, ref="fr-100-15"))
    if rng.random() < 0.12 and items > 2000:
        discounts.append(Discount(kind="coupon", label="新客券 -5.00", amount_fen=500,
                                  ref=f"cp-{store_id}-{day:%Y%m%d}-{n}"))
    roll = rng.random()
    status = OrderStatus.CANCELLED if roll < 0.03 else OrderStatus.COMPLETED
    return make_order(store_id, f"{day:%y%m%d}{store_id[-3:].upper()}{n:05d}", local_at.astimezone(UTC), lines,
                      mode=mode, openid=rng.choice(guests), status=status, discounts=discounts,
                      packing_fen=100 if mode != "dine_in" else 0,
                      delivered_after_min=rng.uniform(22, 55) if mode == "delivery" else None)


def generate(days: int, end: date, seed: int = 7, chains: dict[str, Chain] | None = None,
             scale: float = 1.0) -> Iterator[History]:
    """One History per day per store, oldest first (a generator, so memory stays at one day); ``scale``
    multiplies the orders per day and the guests (tests use a tenth)."""
    from diancan.adapters import keys
    from diancan.adapters.records import GuestCouponRecord, MemberRecord, UserRecord

    rng = random.Random(seed)
    start = end - timedelta(days=days - 1)
    for store_id, full in BASE_ORDERS.items():
        base = max(1, round(full * scale))
        menu, chain = demo_menu(store_id), (chains or {}).get(store_id) or Chain(store_id, 0, "0" * 64)
        guests = [f"demo-{store_id}-{n:04d}" for n in range(base * 6)]
        people = History()
        for n, openid in enumerate(guests):
            first = start + timedelta(days=rng.randrange(-90, days))
            people.add(UserRecord(keys.user(openid), keys.USER_PROFILE, openid=openid,
                                  created_at=iso(datetime.combine(first, time(12), tzinfo=zone())), doc={}))
            people.add(MemberRecord(keys.user(openid), keys.MEMBER, points=rng.randrange(0, 3000) if n % 3 else 0))
        yield people
        late_refunds: list[tuple[Order, int, str]] = []
        for offset in range(days):
            day = start + timedelta(days=offset)
            batch = History()
            for order, amount, reason in late_refunds:
                _refund(batch, chain, order, amount, reason, datetime.combine(day, time(11), tzinfo=zone()))
            late_refunds = []
            count = int(base * WEEKDAY_FACTOR[day.weekday()] * rng.uniform(0.85, 1.15))
            orders = sorted((_random_order(rng, store_id, day, n, menu, guests) for n in range(count)),
                            key=lambda o: o.created_at)
            for order in orders:
                if order.paid_at:
                    batch.add(_voucher_record(chain.next(kind="payment", order_id=order.order_id,
                                                         reference=order.transaction_id, amount_fen=order.total_fen,
                                                         payer=order.openid, occurred_at=order.paid_at,
                                                         raw={"out_trade_no": order.order_id})))
                for discount in order.discounts:
                    if discount.kind == "coupon":
                        batch.add(GuestCouponRecord(
                            keys.user(order.openid), keys.guest_coupon(discount.ref), status="used",
                            order_id=order.order_id, valid_until=order.created_at,
                            GSI2PK=keys.coupon_uses(store_id, day.isoformat()), GSI2SK=keys.timed(order.created_at, discount.ref),
                            doc={"coupon_id": discount.ref, "template_id": "tpl-newcomer"}))
                if order.paid_at and rng.random() < 0.025:
                    amount = order.total_fen if rng.random() < 0.6 else order.total_fen // 3
                    if rng.random() < 0.5:
                        late_refunds.append((order, amount, rng.choice(REFUND_REASONS)))
                    else:
                        _refund(batch, chain, order, amount, rng.choice(REFUND_REASONS),
                                datetime.fromisoformat(order.paid_at.replace("Z", "+00:00")) + timedelta(minutes=30))
                if order.status == OrderStatus.COMPLETED and rng.random() < REVIEW_SHARE:
                    _review(batch, rng, order)
                batch.add(order_record(order))
            yield batch


def _voucher_record(voucher: Voucher):
    from diancan.adapters import keys
    from diancan.adapters.records import VoucherRecord

    return VoucherRecord(keys.order(voucher.order_id), keys.voucher(voucher.reference),
                         GSI2PK=keys.store_vouchers(voucher.store_id), GSI2SK=keys.seq(voucher.seq),
                         doc=voucher.model_dump(mode="json"))


def _refund(batch: History, chain: Chain, order: Order, amount: int, reason: str, at: datetime) -> None:
    from diancan.adapters import keys
    from diancan.adapters.records import RefundRecord

    number = f"{order.order_id}R1"
    refund_id = f"5030{order.order_id}"
    batch.add(RefundRecord(keys.order(order.order_id), keys.refund(number), status="SUCCESS", amount_fen=amount,
                           reason=reason, requested_by="staff", created_at=iso(at), refund_id=refund_id,
                           settled_at=iso(at)))
    batch.add(_voucher_record(chain.next(kind="refund", order_id=order.order_id, reference=refund_id,
                                         amount_fen=amount, occurred_at=iso(at),
                                         raw={"out_trade_no": order.order_id, "out_refund_no": number})))


def _review(batch: History, rng: random.Random, order: Order) -> None:
    """A guest's review of a completed order: stars for one or two of its dishes, a text that fits them."""
    from diancan.adapters import keys
    from diancan.adapters.records import DishReviewRecord, OrderReviewRecord

    done = next(change.at for change in order.history if change.status == OrderStatus.COMPLETED)
    slow = (datetime.fromisoformat(done.replace("Z", "+00:00"))
            - datetime.fromisoformat(order.created_at.replace("Z", "+00:00"))) > timedelta(minutes=45)
    mood = rng.choices((5, 4, 3, 2, 1), (2, 2, 3, 4, 4) if slow else (10, 6, 2, 1, 1))[0]
    lines = rng.sample(order.lines, min(len(order.lines), rng.choice((1, 1, 2))))
    stars = {line.dish_id: max(1, min(5, mood + rng.choice((0, 0, 0, 1, -1)))) for line in lines}
    phrases = PRAISE if mood >= 4 else COMPLAINTS if mood <= 2 else SO_SO
    text = rng.choice(phrases).format(dish=lines[0].name) if rng.random() < 0.85 else ""
    at = iso(datetime.fromisoformat(done.replace("Z", "+00:00")) + timedelta(minutes=rng.randrange(10, 240)))
    batch.add(OrderReviewRecord(keys.order(order.order_id), keys.ORDER_REVIEW, store_id=order.store_id,
                                doc={"stars": stars, "text": text, "pictures": [], "at": at, "openid": order.openid}))
    for dish_id, value in sorted(stars.items()):
        batch.add(DishReviewRecord(keys.dish_reviews(order.store_id, dish_id), keys.dish_review(at, order.order_id),
                                   stars=value, text=text, pictures=[], at=at,
                                   GSI2PK=keys.store_reviews(order.store_id, at[:7]),
                                   GSI2SK=keys.timed(at, f"{order.order_id}#{dish_id}")))
        batch.ratings[(order.store_id, dish_id, "sum")] += value
        batch.ratings[(order.store_id, dish_id, "count")] += 1


def add_ratings(ratings: Counter) -> None:
    """The reviews' stars on the dishes' rating counters (one UpdateItem per dish, as the reviews area's ADD)."""
    from diancan.adapters import keys
    from diancan.adapters.records import DishRecord

    for (store_id, dish_id, part), value in ratings.items():
        if part == "sum":
            DishRecord(keys.store(store_id), keys.dish(dish_id)).update(
                actions=[DishRecord.rating_sum.add(value), DishRecord.rating_count.add(ratings[(store_id, dish_id, "count")])],
                condition=DishRecord.PK.exists())


def write(history: History) -> None:
    for record_class, records in history.records.items():
        with record_class.batch_write() as batch:
            for record in records:
                batch.save(record)


def load(days: int = 60, end: date | None = None, scale: float = 1.0) -> dict[str, int]:
    """Write the history ending yesterday (local) after each store's current chain head; returns counts."""
    from diancan import bootstrap
    from diancan.adapters import keys
    from diancan.adapters.records import ChainHeadRecord

    end = end or (utcnow().astimezone(zone()).date() - timedelta(days=1))
    payments = bootstrap.payment_table()
    chains = {sid: Chain(sid, payments.ledger(sid).seq, payments.ledger(sid).head) for sid in BASE_ORDERS}
    written, ratings = 0, Counter()
    for history in generate(days, end, chains=chains, scale=scale):
        write(history)
        written += history.count()
        ratings.update(history.ratings)
    add_ratings(ratings)
    for sid, chain in chains.items():
        ledger = payments.ledger(sid)
        ChainHeadRecord(keys.store(sid), keys.CHAIN, chain_seq=chain.seq, chain_head=chain.head,
                        pickup_day=ledger.pickup_day, pickup_no=ledger.pickup_no).save()
    return {"items": written, **{f"vouchers:{sid}": c.seq for sid, c in chains.items()}}


def load_local() -> dict[str, int]:
    """The local stack's history (``local.demo_data.load_all``): two weeks at 15 % of a busy chain (about 370
    orders and 50 reviews), then yesterday's reports (each store's and the chain's) built once, so the console
    lists a full report when the stack is up. Last week's and last month's take about 6 s each against the
    moto server: /dev/ "run now" on report_build builds all three. (Reconciliation lists the history's
    payments as missing in the bill: the WeChat Pay simulator never saw them.)"""
    counts = load(LOCAL_DAYS, scale=LOCAL_SCALE)
    counts["reports"] = len(build_reports(("day",)))
    return counts


def build_reports(periods: tuple[str, ...]) -> list[dict]:
    """Every store's and the chain's latest complete period of each kind, as the schedules would build them."""
    from diancan import bootstrap

    service, now = bootstrap.reports(), utcnow()
    return [entry for period in periods for entry in service.build(period, service.last_complete(period, now))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=60)
    args = parser.parse_args()
    from diancan import bootstrap

    bootstrap.reset()
    print(load(args.days))


if __name__ == "__main__":
    main()
