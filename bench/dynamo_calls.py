"""DynamoDB calls per operation, each beside the fewest its access pattern needs.

Every operation runs through its real handler with a real event (function-URL samples from events/, SQS
batches received from the consumer's own queue after the bus delivered the event), on the still stack.
"""

from __future__ import annotations

import json
import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from bench.calls import CallLog, recorded_calls
from bench.world import ADDRESS, STORE, Bench, http_event


@dataclass(frozen=True)
class Target:
    calls: dict[str, int]
    why: str  # what each call of the target is for
    above: str = ""  # why the measured count may be higher than the target (the doc's explanation)

    @property
    def total(self) -> int:
        return sum(self.calls.values())


@dataclass(frozen=True)
class Counted:
    operation: str
    counts: Counter
    target: Target
    log: CallLog
    per: str = "call"
    seconds: float = 0.0  # time of the operation (the report build's, for its Lambda GB-seconds)

    @property
    def total(self) -> float:
        return sum(self.counts.values())

    @property
    def verdict(self) -> str:
        if self.total <= self.target.total:
            return "meets"
        return "above (explained)" if self.target.above else "above"


TARGETS = {
    "quote": Target({"BatchGetItem": 1}, "store profile + the cart's dishes (+ table) in one batch"),
    "place order": Target(
        {"BatchGetItem": 1, "Query": 1, "TransactWriteItems": 1},
        "batch: store, dishes, table and the signed-in guest's member standing USER#/MEMBER (points, level, "
        "first order; MarketingTable hands its key to Repository.load_for_order as a BatchRead); Query: the "
        "guest's coupon wallet (the best coupon is chosen on the server, so its ids are not known beforehand); "
        "one transaction: order, idempotency key, sweep entry, portions (and coupon/points)"),
    "menu read": Target({"Query": 1}, "the store's partition (profile, categories, dishes, tables) in one Query"),
    "order read": Target(
        {"Query": 1},
        "the order and its STOCK_ISSUE (tells the guest when stock could not cover a paid order) in one "
        "consistent Query of ORDER#<id>, SK between ORDER and STOCK_ISSUE, filtered on kind (Repository."
        "order_with_issue); the range also holds the order's few print jobs, refunds, review and deduction "
        "markers, read but not returned; the guest's detail widens it down to DELIVERY, so a delivery order's "
        "dispatch comes in the same Query (DeliveryTable.dispatch_read)"),
    "notify": Target(
        {"GetItem": 2, "TransactWriteItems": 1, "UpdateItem": 1},
        "GetItem order (status, amount to check); GetItem chain head STORE#/CHAIN (voucher sequence, hash, "
        "pickup number); one transaction: order → PAID, voucher, nonce record, chain head; UpdateItem "
        "published marker after PutEvents (so a replay re-publishes only if the first attempt failed)",
        "the dashboard counter STORE#<sid>/STATS#<day> is one more UpdateItem, kept out of the payment "
        "transaction on purpose: every payment of a store-day writes it, and inside TransactWriteItems that "
        "hot item would make concurrent payments cancel each other (TransactionConflict)"),
    "stock deduction": Target(
        {"Query": 4, "TransactWriteItems": 1},
        "Query ORDER#<id> for the order (its lines) and its STOCK_ISSUE (skip an order already waiting for the "
        "store's decision), the same read as order read; Query the store's ingredients (which are tracked, how "
        "much); one transaction: paid-check, marker, ledger entries, conditional decrements; then a fresh read "
        "to derive StockLow alerts and sold-out flags, needed because two concurrent deductions computed from "
        "the pre-read quantities can both miss a threshold their sum crosses: one consistent Query of STORE#<sid> "
        "from #PROFILE to INGREDIENT#~ (menu recipes and ingredients are adjacent) and one of STOCKALERT# (the "
        "open alerts sort after LOG#AUDIT#, the whole audit log, and STATS#<day>, one item a day: a range "
        "reaching them would read both, and a filter does not make DynamoDB read less)"),
    "print dispatch": Target(
        {"Query": 2, "GetItem": 1, "PutItem": 6, "UpdateItem": 4},
        "Query the store partition #PROFILE..CATEGORY#~ (profile, categories → stations) and Query its "
        "STATION# items: one Query from #PROFILE to STATION#~ would also read every dish, the ingredients "
        "and the whole audit log (LOG#AUDIT#), which sort between; GetItem order; per ticket (3 here: wok, "
        "bar, receipt) a conditional PutItem claiming the job before sending and one recording the printer's "
        "job id after (exactly-once printing across retries); UpdateItem the store's #SERVICE item (the "
        "kitchen tickets join its open ones: busy mode and the guests' waiting times, one write for all of "
        "the event's tickets); UpdateItem order → PREPARING (tickets out); UpdateItem the published marker "
        "after OrderPreparing's PutEvents (as notify's: a replay re-publishes only if the first attempt failed); "
        "UpdateItem the dashboard's STATS#<day> counter, by design outside the order's write (the hot per-day "
        "item would make concurrent writers conflict)",
        "a second UpdateItem of #SERVICE drops the open tickets older than STALE_AFTER (never bumped) when there "
        "are any: the bench's store has the demo history's; a store whose cooks bump their tickets has none, "
        "and each stale ticket is dropped once"),
    "courier callback": Target(
        {"GetItem": 1, "PutItem": 1},
        "GetItem the delivery record (per-order token, last status); one conditional write of the step"),
}


def count(bench: Bench, operation: str, action: Callable[[], object], per: str = "call") -> Counted:
    with recorded_calls() as log:
        action()
    return Counted(operation, log.dynamodb(), TARGETS[operation], log, per)


def _bearer(bench: Bench, guest: str) -> dict:
    return {"authorization": f"Bearer {bench.token(guest)}"}


def count_all(bench: Bench) -> list[Counted]:
    """Each operation once (after a warm-up call of the same handler, so no first-use reads count)."""
    results = []
    bench.invoke("place_order", http_event("place_order/post_quote"))
    results.append(count(bench, "quote", lambda: bench.invoke("place_order", http_event("place_order/post_quote"))))
    bench.place("warmup")
    event = bench.place_event("alice")
    results.append(count(bench, "place order", lambda: bench.invoke("place_order", event)))
    order = json.loads(bench.invoke("place_order", bench.place_event("alice"))["body"])
    bench.invoke("menu", http_event("menu/get_menu"))
    results.append(count(bench, "menu read", lambda: bench.invoke("menu", http_event("menu/get_menu"))))
    read = http_event("orders/get_order", path=f"/orders/{order['order_id']}", headers=_bearer(bench, "alice"))
    bench.invoke("orders", read)
    results.append(count(bench, "order read", lambda: bench.invoke("orders", read)))

    bench.purge("stock_decrement", "print_dispatch", "courier_dispatch")
    notification = bench.pay(order)
    results.append(count(bench, "notify", lambda: bench.invoke("pay_notify", notification)))
    paid = bench.queued("stock_decrement")
    results.append(count(bench, "stock deduction", lambda: bench.invoke("stock_decrement", paid)))
    tickets = bench.queued("print_dispatch")
    results.append(count(bench, "print dispatch", lambda: bench.invoke("print_dispatch", tickets)))
    results.append(_courier_callback(bench))
    return results


def _courier_callback(bench: Bench) -> Counted:
    """A paid delivery order booked with the Dada simulator, then Dada's "accepted" callback."""
    order = bench.place("dave", mode="delivery", address=ADDRESS,
                        items=[{"dish_id": "d-hongshao", "qty": 2}, {"dish_id": "d-cola", "qty": 2}])
    bench.purge("courier_dispatch")
    bench.invoke("pay_notify", bench.pay(order))
    bench.invoke("courier_dispatch", bench.queued("courier_dispatch"))
    bench.purge("stock_decrement", "print_dispatch", "loyalty")
    accepted = bench.courier_callback_event(order["order_id"], 2, int(time.time()))
    return count(bench, "courier callback", lambda: bench.invoke("courier_callback", accepted))


REPORT_DAY = date(2026, 11, 20)  # a Friday of generated history (no live orders on it)


def count_report(bench: Bench, orders_wanted: int = 1000) -> tuple[Counted, int]:
    """One store's day report over a generated day of ``orders_wanted``-ish orders; calls per 1,000 orders."""
    from diancan import bootstrap
    from diancan.adapters import keys
    from diancan.adapters.records import ChainHeadRecord, OrderRecord
    from diancan.domain.forecast import same_weekdays_before
    from local.demo_history import BASE_ORDERS, WEEKDAY_FACTOR, Chain, generate, write

    payments = bootstrap.payment_table()
    ledger = payments.ledger(STORE)
    chain = Chain(STORE, ledger.seq, ledger.head)  # the history's vouchers continue the live chain
    scale = orders_wanted / (BASE_ORDERS[STORE] * WEEKDAY_FACTOR[REPORT_DAY.weekday()])
    orders, day_key = 0, keys.store_day(STORE, REPORT_DAY.isoformat())
    for history in generate(days=1, end=REPORT_DAY, seed=11, scale=scale, chains={STORE: chain}):
        write(history)
        orders += sum(1 for kind, group in history.records.items() if kind is OrderRecord
                      for record in group if day_key == record.GSI2PK)
    ChainHeadRecord(keys.store(STORE), keys.CHAIN, chain_seq=chain.seq, chain_head=chain.head,
                    pickup_day=ledger.pickup_day, pickup_no=ledger.pickup_no).save()
    # The daily schedule built every past day's report; build those the forecast reads (the same weekdays
    # before the day and before the next day), so it finds their stored profiles as it would in production.
    for past in sorted({*same_weekdays_before(REPORT_DAY), *same_weekdays_before(REPORT_DAY + timedelta(days=1))}):
        bootstrap.reports().build("day", past, STORE)
    with recorded_calls(billing=True) as log:  # its one write's sizing reads add little to its time
        started = time.perf_counter()
        bootstrap.reports().build("day", REPORT_DAY, STORE)
        seconds = time.perf_counter() - started
    per_thousand = Counter({op: n * 1000 / orders for op, n in log.dynamodb().items()})
    return Counted("report build", per_thousand, _report_target(log, orders, day_key), log,
                   "1,000 orders", seconds), orders


def _report_target(log: CallLog, orders: int, day_key: str) -> Target:
    """Data-bound reads scale with the orders (1 MB a Query page, 100 keys a BatchGetItem); the rest is one
    read per source plus one GetItem per past same-weekday report the forecast uses."""
    order_pages = sum(1 for c in log if c.operation == "Query" and day_key in c.what)
    guest_batches = sum(1 for c in log if c.operation == "BatchGetItem")
    per_source, forecast_days, index_write = 10, 7, 1
    total = order_pages + guest_batches + per_source + forecast_days + index_write
    # rounded up to 0.1: never below the exact figure, and far less than one call (~1.1 per 1,000 here)
    return Target({"all": math.ceil(total * 10_000 / orders) / 10},
                  f"{order_pages} GSI2 pages of the day's {orders} orders; {guest_batches} BatchGetItem of ≤100 "
                  f"guests (new vs returning); {per_source} reads, one per source (stores, ingredients, coupon "
                  f"uses, the report index's chain checkpoint, vouchers after it, print failures, sold-out events, "
                  f"reviews, menu, coupon templates); {forecast_days} GetItem of past same-weekday reports "
                  f"(forecast: stored by the daily schedule; the bench builds those days first); 1 PutItem",
                  "the forecast found no stored report for a past day and queried that day's orders instead "
                  "(one Query page per missing day)")
