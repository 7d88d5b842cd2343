"""In-memory fakes of the ports (diancan/services/ports.py), as cosmicpython's FakeRepository.

They share one ``World`` (the table, so to speak): a payment written through the ledger is seen by the
order repository, as it would be in DynamoDB. Each fake keeps its adapter's conditions and raises the
same domain exception when one fails (a status that is not the expected one, a nonce seen on another
body, an Idempotency-Key used before), so a service cannot pass here and fail on the real adapter for a
reason the fake hides. They import no boto3, no pynamodb, no moto.

A fake implements only the port methods the service tests need; the others are named in its
``UNFAKED`` (tests/services/test_ports.py checks that the rest have the port's exact signatures).
Helpers that set a scene up start with ``given_``.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar

from diancan.domain.cart import InsufficientPortions
from diancan.domain.clock import iso
from diancan.domain.delivery import (
    CourierBooking,
    CourierOrder,
    CourierStatus,
    CourierTracking,
    CourierUpdate,
    RiderPosition,
)
from diancan.domain.dispatch import Dispatch
from diancan.domain.erasure import Erasure
from diancan.domain.errors import Conflict, NotFound
from diancan.domain.events import OrderEvent
from diancan.domain.exceptions import (
    CallbackRejected,
    CartChanged,
    ConnectionGone,
    CourierUnavailable,
    DispatchChanged,
    JobChanged,
    NonceReused,
    NotEnoughPoints,
    OrderKeyTaken,
    OrderNotInState,
    PriceChanged,
    PrinterUnavailable,
    PushFailed,
    SessionNotFound,
    WeChatPayError,
    WeChatPayUnavailable,
)
from diancan.domain.member_codes import member_code
from diancan.domain.membership import MemberCard, Standing
from diancan.domain.menu import Dish, Store
from diancan.domain.order import Order, StatusChange
from diancan.domain.order_status import (
    OrderAction,
    OrderStatus,
    StatusMove,
    TransitionRefused,
    TransitionResult,
    decide,
)
from diancan.domain.payments import GENESIS, OPEN_REFUND, NotificationRejected, Refund, RefundStatus, Voucher
from diancan.domain.printing import PrintJob, PrintSetup
from diancan.domain.promotions import Coupon, CouponNotApplicable, WalletCoupon
from diancan.domain.push import Listener, Subscriber, Topic, parse_topic
from diancan.domain.service_state import DEFAULT_LANES, OpenTicket, ServiceState
from diancan.domain.shifts import Shift, ShiftAlreadyOpen
from diancan.domain.tables import CartLine, Round, SessionStatus, TableSession

if TYPE_CHECKING:
    from diancan.adapters.repository import BatchRead, TransactionStep
    from diancan.adapters.staff_table import AuditEntry


@dataclass
class World:
    """What the table would hold, as plain dicts."""

    orders: dict[str, Order] = field(default_factory=dict)
    addresses: dict[str, str | None] = field(default_factory=dict)
    order_keys: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)  # (openid, key) → (order, hash)
    portions: dict[tuple[str, str], int] = field(default_factory=dict)  # (store, dish) → portions left (limited)
    refunds: dict[tuple[str, str], Refund] = field(default_factory=dict)
    vouchers: list[Voucher] = field(default_factory=list)
    nonces: dict[str, str | None] = field(default_factory=dict)
    pickup: dict[str, tuple[str, int]] = field(default_factory=dict)  # store → (day, last number)
    sweeps: list[tuple[str, str, str, str | None]] = field(default_factory=list)
    jobs: dict[tuple[str, str], PrintJob] = field(default_factory=dict)
    events: list[OrderEvent] = field(default_factory=list)
    stores: dict[str, Store] = field(default_factory=dict)
    shifts: dict[tuple[str, str], Shift] = field(default_factory=dict)
    audit: list[AuditEntry] = field(default_factory=list)
    dishes: dict[tuple[str, str], Dish] = field(default_factory=dict)
    tables: set[tuple[str, str]] = field(default_factory=set)
    wallets: dict[str, dict[str, WalletCoupon]] = field(default_factory=dict)  # openid → coupon id → coupon
    standings: dict[str, Standing] = field(default_factory=dict)
    dispatches: dict[str, Dispatch] = field(default_factory=dict)
    riders: dict[str, RiderPosition] = field(default_factory=dict)  # order → the rider's latest position
    sessions: dict[str, TableSession] = field(default_factory=dict)
    open_tables: dict[tuple[str, str], str] = field(default_factory=dict)  # (store, table) → open session
    cart: dict[str, dict[str, CartLine]] = field(default_factory=dict)  # session → line id → line
    rounds: dict[str, dict[int, Round]] = field(default_factory=dict)  # session → round no → round
    service: dict[str, ServiceState] = field(default_factory=dict)  # store → switches and open kitchen tickets

    def order(self, order_id: str) -> Order:
        try:
            return self.orders[order_id]
        except KeyError:
            raise NotFound("no such order", "订单不存在", code="ORDER_NOT_FOUND") from None

    def event_names(self) -> list[str]:
        return [e.name for e in self.events]


def _changed(order: Order, target: OrderStatus, at: str, by: str, note: str = "", **fields: Any) -> Order:
    history = [*order.history, StatusChange(status=target, at=at, by=by, note=note)]
    return order.model_copy(update={"status": target, "history": history, **fields})


class FakeOrderRepository:
    """repository.Repository: orders by id, status moves through the state machine, conditionally."""

    UNFAKED: ClassVar[frozenset[str]] = frozenset({
        "get_dish", "list_stores", "list_user_orders", "load_menu", "order_with_issue", "put_dish", "record_login",
        "slot_counts", "store_for_update", "take_slot", "update_store"})

    def __init__(self, world: World) -> None:
        self._world = world

    def given_order(self, order: Order, *, address: str | None = None) -> Order:
        self._world.orders[order.order_id] = order
        self._world.addresses[order.order_id] = address
        return order

    def given_store(self, store: Store, *tables: str) -> Store:
        self._world.stores[store.store_id] = store
        self._world.tables.update((store.store_id, table_no) for table_no in tables)
        return store

    def given_dish(self, dish: Dish) -> Dish:
        self._world.dishes[(dish.store_id, dish.dish_id)] = dish
        if dish.portions_left is not None:
            self._world.portions[(dish.store_id, dish.dish_id)] = dish.portions_left
        return dish

    def _dish(self, store_id: str, dish_id: str) -> Dish | None:
        dish = self._world.dishes.get((store_id, dish_id))
        if dish is None or (store_id, dish_id) not in self._world.portions:
            return dish
        return dish.model_copy(update={"portions_left": self._world.portions[(store_id, dish_id)]})

    def load_for_order(self, store_id: str, dish_ids: Iterable[str], table_no: str | None,
                       extra: Sequence[BatchRead] = ()) -> tuple[Store, dict[str, Dish], bool]:
        if store_id not in self._world.stores:
            raise NotFound("no such store", "门店不存在", code="STORE_NOT_FOUND")
        for read in extra:
            read.found(None)
        return (self._world.stores[store_id], self.load_dishes(store_id, dish_ids),
                table_no is not None and (store_id, table_no) in self._world.tables)

    def load_dishes(self, store_id: str, dish_ids: Iterable[str]) -> dict[str, Dish]:
        found = {dish_id: self._dish(store_id, dish_id) for dish_id in dish_ids}
        return {dish_id: dish for dish_id, dish in found.items() if dish is not None}

    def create_order(self, order: Order, *, encrypted_address: str | None, idempotency_key: str, request_hash: str,
                     prices: dict[str, int], expires_at_epoch: int, prepay_id: str | None = None,
                     sweep_minute: str | None = None, steps: Sequence[TransactionStep] = ()) -> None:
        """One transaction: the key, every reserved dish's portions, the prices, the other areas' steps."""
        taken = self._world.order_keys.get((order.openid, idempotency_key))
        if taken is not None:
            raise OrderKeyTaken(*taken)
        for dish_id, qty in order.reserved.items():
            left = self._world.portions.get((order.store_id, dish_id))
            if left is not None and left < qty:
                raise InsufficientPortions(details={"dish_id": dish_id, "portions_left": left})
        for dish_id, price in prices.items():
            dish = self._world.dishes.get((order.store_id, dish_id))
            if dish is None or dish.price_fen != price:
                raise PriceChanged(details={"dish_id": dish_id})
        for step in steps:
            if not step.holds():
                raise step.refusal
        for step in steps:
            step.apply()
        for dish_id, qty in order.reserved.items():
            if (order.store_id, dish_id) in self._world.portions:
                self._world.portions[(order.store_id, dish_id)] -= qty
        self._world.order_keys[(order.openid, idempotency_key)] = (order.order_id, request_hash)
        self.given_order(order.model_copy(update={"prepay_id": prepay_id}), address=encrypted_address)

    def get_order(self, order_id: str, *, consistent: bool = False) -> Order:
        return self._world.order(order_id)

    def order_key_of(self, openid: str, idempotency_key: str) -> tuple[str, str] | None:
        return self._world.order_keys.get((openid, idempotency_key))

    def get_order_and_address(self, order_id: str, *, consistent: bool = False) -> tuple[Order, str | None]:
        return self._world.order(order_id), self._world.addresses.get(order_id)

    def transition(self, order_id: str, mode: str, action: OrderAction, *, at: str, by: str = "system",
                   note: str = "", extra: list | None = None) -> TransitionResult:
        return self.apply(order_id, decide(mode, action, at=at, by=by, note=note), extra=extra)

    def apply(self, order_id: str, move: StatusMove, *, extra: list | None = None) -> TransitionResult:
        current = self._world.order(order_id)
        if current.status not in move.sources:
            if current.status == move.target:
                return TransitionResult(order_id, move.target, applied=False)
            raise TransitionRefused(f"cannot {move.action} an order that is {current.status}",
                                    details={"status": current.status.value, "action": move.action.value})
        self._world.orders[order_id] = _changed(current, move.target, move.change.at, move.change.by,
                                                move.change.note)
        return TransitionResult(order_id, move.target, applied=True)

    def release_order(self, order: Order, move: StatusMove) -> TransitionResult:
        result = self.apply(order.order_id, move)
        if result.applied:
            self.restore_portions(order)
        return result

    def mark_published(self, order_id: str, event_name: str) -> None:
        order = self._world.order(order_id)
        if event_name not in order.published:
            self._world.orders[order_id] = order.model_copy(update={"published": [*order.published, event_name]})

    def restore_portions(self, order: Order) -> None:
        for dish_id, qty in order.reserved.items():
            if (order.store_id, dish_id) in self._world.portions:  # a dish that lost its limit is left alone
                self._world.portions[(order.store_id, dish_id)] += qty


class FakePaymentLedger:
    """payment_table.PaymentTable: each method is one all-or-nothing write with the adapter's conditions."""

    UNFAKED: ClassVar[frozenset[str]] = frozenset({"due", "done", "set_sweep_cursor", "sweep_cursor"})

    def __init__(self, world: World) -> None:
        self._world = world

    def _check_nonce(self, nonce: str | None, body_hash: str | None) -> None:
        if nonce and nonce in self._world.nonces and self._world.nonces[nonce] != body_hash:
            raise NonceReused("nonce seen on another body")

    def _chain(self, fields: dict) -> Voucher:
        mine = [v for v in self._world.vouchers if v.store_id == fields["store_id"]]
        if any(v.order_id == fields["order_id"] and v.reference == fields["reference"] for v in mine):
            raise OrderNotInState("voucher")
        voucher = Voucher(**fields, seq=len(mine) + 1, prev_hash=mine[-1].hash if mine else GENESIS).sealed()
        return voucher

    def _commit(self, voucher: Voucher | None, nonce: str | None, body_hash: str | None) -> None:
        if voucher is not None:
            self._world.vouchers.append(voucher)
        if nonce:
            self._world.nonces[nonce] = body_hash

    def mark_paid(self, *, order_id: str, store_id: str, day: str, voucher_fields: dict, at: str, by: str,
                  nonce: str | None, body_hash: str | None, now_epoch: int,
                  release_minute: str | None = None) -> tuple[Voucher, int]:
        self._check_nonce(nonce, body_hash)
        order = self._world.order(order_id)
        if order.status != OrderStatus.PENDING_PAYMENT:
            raise OrderNotInState("order")
        voucher = self._chain(voucher_fields)
        last_day, last = self._world.pickup.get(store_id, (None, 0))
        pickup = last + 1 if last_day == day else 1
        self._world.pickup[store_id] = (day, pickup)
        target = OrderStatus.PAID if release_minute is None else OrderStatus.SCHEDULED
        self._world.orders[order_id] = _changed(order, target, at, by, paid_at=at, paid_fen=voucher.amount_fen,
                                                transaction_id=voucher.reference, pickup_no=pickup)
        if release_minute is not None:  # the release task, in the same write
            self._world.sweeps.append((release_minute, "release", order_id, None))
        self._commit(voucher, nonce, body_hash)
        return voucher, pickup

    def mark_paid_at_counter(self, *, order_id: str, store_id: str, day: str, amount_fen: int, method: str,
                             at: str, by: str, details: dict | None = None) -> tuple[Voucher, int]:
        fields = {"store_id": store_id, "kind": "payment", "order_id": order_id, "reference": f"COUNTER-{order_id}",
                  "amount_fen": amount_fen, "method": f"counter:{method}", "payer": by, "occurred_at": at,
                  "raw": details or {}}
        return self.mark_paid(order_id=order_id, store_id=store_id, day=day, voucher_fields=fields, at=at, by=by,
                              nonce=None, body_hash=None, now_epoch=0)

    def record_late_payment(self, *, order_id: str, store_id: str, voucher_fields: dict, nonce: str | None,
                            body_hash: str | None, now_epoch: int) -> Voucher:
        self._check_nonce(nonce, body_hash)
        order = self._world.order(order_id)
        if order.status != OrderStatus.CANCELLED or order.transaction_id is not None:
            raise OrderNotInState("order")
        voucher = self._chain(voucher_fields)
        self._world.orders[order_id] = order.model_copy(update={
            "paid_fen": voucher.amount_fen, "transaction_id": voucher.reference,
            "flags": [*order.flags, "LATE_PAYMENT"]})
        self._commit(voucher, nonce, body_hash)
        return voucher

    def vouchers(self, store_id: str) -> list[Voucher]:
        return [v for v in self._world.vouchers if v.store_id == store_id]

    def order_vouchers(self, order_id: str) -> list[Voucher]:
        return [v for v in self._world.vouchers if v.order_id == order_id]

    def start_refund(self, *, order_id: str, out_refund_no: str, amount_fen: int, reason: str, requested_by: str,
                     food_made: bool, at: str, expected_committed: int, expected_count: int,
                     follow_up_minute: str, follow_up_expiry: int, line_indexes: list[int] | None = None,
                     expected_status: str | None = None) -> None:
        order = self._world.order(order_id)
        if (order.refund_committed_fen != expected_committed or len(self.refunds(order_id)) != expected_count
                or (order_id, out_refund_no) in self._world.refunds
                or (expected_status is not None and order.status != expected_status)):
            raise Conflict("another refund of this order is in progress; retry", "订单正在退款，请稍后重试",
                           code="REFUND_IN_PROGRESS")
        self._world.orders[order_id] = order.model_copy(
            update={"refund_committed_fen": order.refund_committed_fen + amount_fen})
        self._world.refunds[(order_id, out_refund_no)] = Refund(order_id, out_refund_no, RefundStatus.SUBMITTING,
                                                                amount_fen, reason, requested_by, food_made, at, None,
                                                                line_indexes)
        self._world.sweeps.append((follow_up_minute, "refund", order_id, out_refund_no))

    def get_refund(self, order_id: str, out_refund_no: str) -> Refund | None:
        return self._world.refunds.get((order_id, out_refund_no))

    def refunds(self, order_id: str) -> list[Refund]:
        return [r for (oid, _), r in sorted(self._world.refunds.items()) if oid == order_id]

    def set_refund_status(self, order_id: str, out_refund_no: str, *, status: RefundStatus,
                          expected: tuple[RefundStatus, ...], refund_id: str | None = None) -> bool:
        refund = self._world.refunds.get((order_id, out_refund_no))
        if refund is None or refund.status not in expected:
            return False
        self._world.refunds[(order_id, out_refund_no)] = _refund_with(refund, status=status,
                                                                      refund_id=refund_id or refund.refund_id)
        return True

    def fail_refund(self, refund: Refund) -> None:
        current = self._world.refunds[(refund.order_id, refund.out_refund_no)]
        if current.status != RefundStatus.SUBMITTING:
            return  # already settled by another path
        self._world.refunds[(refund.order_id, refund.out_refund_no)] = _refund_with(current, status=RefundStatus.FAILED)
        order = self._world.order(refund.order_id)
        self._world.orders[refund.order_id] = order.model_copy(update={
            "refund_committed_fen": order.refund_committed_fen - refund.amount_fen,
            "flags": [*order.flags, "REFUND_FAILED"]})

    def settle_refund(self, *, refund: Refund, store_id: str, voucher_fields: dict, status: RefundStatus, at: str,
                      nonce: str | None, body_hash: str | None, now_epoch: int, full: bool) -> Voucher | None:
        self._check_nonce(nonce, body_hash)
        key = (refund.order_id, refund.out_refund_no)
        if self._world.refunds[key].status not in OPEN_REFUND:
            raise OrderNotInState("refund")
        order = self._world.order(refund.order_id)
        if status != RefundStatus.SUCCESS:
            self._world.refunds[key] = _refund_with(self._world.refunds[key], status=status)
            self._world.orders[refund.order_id] = order.model_copy(update={"flags": [*order.flags, f"REFUND_{status}"]})
            self._commit(None, nonce, body_hash)
            return None
        if full and order.status != OrderStatus.REFUNDING:
            raise OrderNotInState("order")
        voucher = self._chain(voucher_fields)
        self._world.refunds[key] = _refund_with(self._world.refunds[key], status=RefundStatus.SUCCESS)
        updated = order.model_copy(update={"refunded_fen": order.refunded_fen + refund.amount_fen})
        self._world.orders[refund.order_id] = _changed(updated, OrderStatus.REFUNDED, at, "wechatpay") if full else updated
        self._commit(voucher, nonce, body_hash)
        return voucher

    def add_sweep(self, minute: str, task: str, order_id: str, ref: str | None, expires_at: int) -> None:
        self._world.sweeps.append((minute, task, order_id, ref))


def _refund_with(refund: Refund, **changes: Any) -> Refund:
    return replace(refund, **changes)


@dataclass(frozen=True)
class FakePayConfig:
    mchid: str = "1900000001"
    appid: str = "wx-test-app"


class FakeWeChatPay:
    """wechatpay.WeChatPayGateway: notifications are JSON bodies whose ``signed`` says whether they verify;
    refunds answer PROCESSING, or the scripted refusal / outage."""

    UNFAKED: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, config: FakePayConfig | None = None) -> None:
        self._config = config or FakePayConfig()
        self.refund_calls: list[tuple[str, str, int]] = []
        self.refund_failure: Exception | None = None
        self.closed: list[str] = []
        self.transactions: dict[str, dict] = {}
        self.refund_answers: dict[str, dict] = {}
        self.prepaid: dict[str, tuple[int, str]] = {}
        self.prepay_failure: Exception | None = None
        self._ids = itertools.count(1)

    @property
    def config(self) -> FakePayConfig:
        return self._config

    @staticmethod
    def given_notification(event_type: str, resource: dict, *, signed: bool = True) -> str:
        return json.dumps({"event_type": event_type, "resource": resource, "signed": signed})

    def verify_notification(self, headers: Mapping[str, str], raw_body: str, now: datetime) -> dict:
        body = json.loads(raw_body)
        if not body.get("signed"):
            raise NotificationRejected("BAD_SIGNATURE")
        return {"id": None, "event_type": body["event_type"], "resource_type": "encrypt-resource", "summary": "",
                "create_time": None, "nonce": headers["Wechatpay-Nonce"], "resource": body["resource"]}

    def prepay_jsapi(self, out_trade_no: str, amount_fen: int, payer_openid: str, description: str,
                     time_expire: datetime, attach: str | None = None) -> str:
        if self.prepay_failure is not None:
            raise self.prepay_failure
        self.prepaid.setdefault(out_trade_no, (amount_fen, description))  # idempotent per out_trade_no
        return f"wx-prepay-{out_trade_no}"

    def payment_params(self, prepay_id: str) -> dict[str, str]:
        return {"appId": self._config.appid, "package": f"prepay_id={prepay_id}", "signType": "RSA"}

    def refund(self, out_trade_no: str, out_refund_no: str, refund_fen: int, total_fen: int, reason: str) -> dict:
        if self.refund_failure is not None:
            raise self.refund_failure
        self.refund_calls.append((out_trade_no, out_refund_no, refund_fen))
        answer = self.refund_answers.setdefault(out_refund_no, {
            "refund_id": f"RF{next(self._ids)}", "out_refund_no": out_refund_no, "status": "PROCESSING"})
        return dict(answer)

    def query_refund(self, out_refund_no: str) -> dict:
        if out_refund_no not in self.refund_answers:
            raise WeChatPayError("RESOURCE_NOT_EXISTS", "no such refund", 404)
        return dict(self.refund_answers[out_refund_no])

    def query_by_out_trade_no(self, out_trade_no: str) -> dict:
        return dict(self.transactions.get(out_trade_no, {"trade_state": "NOTPAY", "out_trade_no": out_trade_no}))

    def close(self, out_trade_no: str) -> None:
        self.closed.append(out_trade_no)


@dataclass
class FakeRead:
    """A read that rides along in ``load_for_order`` (the adapter's BatchRead): the fake reads the World."""

    read: Callable[[], Any]
    value: Any = None

    def found(self, record: None) -> None:
        self.value = self.read()


@dataclass
class FakeStep:
    """Another area's write in the order's transaction (the adapter's TransactionStep)."""

    holds: Callable[[], bool]
    apply: Callable[[], None]
    refusal: Exception


class FakeMarketing:
    """marketing_table.MarketingTable: wallets and standings; a coupon is reserved only while available."""

    UNFAKED: ClassVar[frozenset[str]] = frozenset({
        "claim", "get_template", "ledger", "list_templates", "mark_coupon_used", "post_points", "return_coupon"})

    def __init__(self, world: World) -> None:
        self._world = world

    def given_coupon(self, openid: str, coupon: Coupon) -> None:
        self._world.wallets.setdefault(openid, {})[coupon.coupon_id] = WalletCoupon(coupon, "available", None)

    def standing(self, openid: str) -> Standing:
        return self._world.standings.get(openid, Standing())

    def standing_read(self, openid: str) -> FakeRead:
        return FakeRead(lambda: self.standing(openid))

    def wallet(self, openid: str) -> list[WalletCoupon]:
        return list(self._world.wallets.get(openid, {}).values())

    def reserve_coupon(self, openid: str, coupon_id: str, order_id: str, at: str) -> FakeStep:
        wallet = self._world.wallets.setdefault(openid, {})

        def holds() -> bool:
            held = wallet.get(coupon_id)
            return held is not None and held.status == "available" and iso(held.coupon.valid_until) > at

        def apply() -> None:
            wallet[coupon_id] = replace(wallet[coupon_id], status="reserved", order_id=order_id)

        return FakeStep(holds, apply, CouponNotApplicable("the coupon was used or expired meanwhile",
                                                          "优惠券已被使用或已过期", code="COUPON_TAKEN",
                                                          details={"coupon_id": coupon_id}))

    def redeem_points(self, openid: str, order_id: str, points: int, at: str) -> FakeStep:
        def apply() -> None:
            was = self.standing(openid)
            self._world.standings[openid] = replace(was, points=was.points - points)

        return FakeStep(lambda: self.standing(openid).points >= points, apply, NotEnoughPoints(details={"points": points}))


class FakeMemberDirectory:
    """member_lookup_table.MemberLookupTable: members by phone tail (the bound phone's ciphertext from FakeCipher)
    and by member code, their standing from the World."""

    def __init__(self, world: World, cipher: FakeCipher) -> None:
        self._world = world
        self._cipher = cipher
        self._phones: dict[str, str] = {}  # openid → encrypted phone

    def given_member(self, openid: str, phone: str | None = None) -> None:
        self._phones[openid] = self._cipher.encrypt(phone) if phone else ""

    def with_phone_tail(self, tail: str, limit: int) -> list[str]:
        return [o for o, enc in self._phones.items() if enc and self._cipher.decrypt(enc).endswith(tail)][:limit]

    def with_code(self, code: str, limit: int) -> list[str]:
        return [o for o in self._phones if member_code(o) == code][:limit]

    def cards(self, openids: list[str]) -> list[MemberCard]:
        return [MemberCard(o, self._world.standings.get(o, Standing()), self._phones.get(o) or None) for o in openids]


class FakeDispatches:
    """delivery_table.DeliveryTable: one dispatch per order, each save conditioned on the version read."""

    def __init__(self, world: World) -> None:
        self._world = world

    def get(self, order_id: str) -> Dispatch | None:
        return self._world.dispatches.get(order_id)

    def save(self, dispatch: Dispatch) -> Dispatch:
        stored = self._world.dispatches.get(dispatch.order_id)
        if (stored is not None) if dispatch.version == 0 else (stored is None or stored.version != dispatch.version):
            raise DispatchChanged(details={"order_id": dispatch.order_id})
        saved = dispatch.model_copy(update={"version": dispatch.version + 1})
        self._world.dispatches[dispatch.order_id] = saved
        return saved

    def active(self, store_id: str, limit: int = 200) -> list[Dispatch]:
        return [d for d in self._world.dispatches.values() if d.store_id == store_id and d.active][:limit]

    def flag(self, order_id: str, flag: str, on: bool) -> None:
        order = self._world.order(order_id)
        flags = [f for f in order.flags if f != flag] + ([flag] if on else [])
        self._world.orders[order_id] = order.model_copy(update={"flags": flags})

    def locate(self, order_id: str, store_id: str, position: RiderPosition) -> bool:
        kept = self._world.riders.get(order_id)
        if kept is not None and (kept.at >= position.at or (kept.lat, kept.lng) == (position.lat, position.lng)):
            return False
        self._world.riders[order_id] = position
        return True

    def rider(self, order_id: str) -> RiderPosition | None:
        return self._world.riders.get(order_id)


class FakeCourier:
    """courier.DadaCourier: bookings by origin id; callbacks are JSON ``{origin_id, status, at}``, and one
    marked ``forged`` is refused as the adapter refuses a bad signature."""

    UNFAKED: ClassVar[frozenset[str]] = frozenset({"add_tip", "cancel", "place", "quote"})
    name = "dada"
    callback_ack: Mapping[str, Any] = MappingProxyType({"status": "ok"})

    def __init__(self) -> None:
        self.booked: list[CourierOrder] = []
        self.failure: Exception | None = None
        self.tracking: dict[str, CourierTracking] = {}  # what the status query answers, per origin id
        self.queries: list[str] = []

    def status(self, origin_id: str) -> CourierTracking:
        self.queries.append(origin_id)
        if self.failure is not None:
            raise self.failure
        if origin_id not in self.tracking:
            raise CourierUnavailable("no status faked for this order")
        return self.tracking[origin_id]

    def callback_url(self, base_url: str, origin_id: str) -> str:
        return f"{base_url}?origin_id={origin_id}"

    def add_order(self, order: CourierOrder) -> CourierBooking:
        if self.failure is not None:
            raise self.failure
        self.booked.append(order)
        return CourierBooking(origin_id=order.origin_id, fee_fen=800, distance_m=1200, platform_order_no="DD1")

    def re_add(self, order: CourierOrder) -> CourierBooking:
        return self.add_order(order)

    def verify_callback(self, body: str | bytes | Mapping[str, Any],
                        query: Mapping[str, str] | None = None) -> CourierUpdate:
        fields = json.loads(body)
        if fields.get("forged"):
            raise CallbackRejected("bad signature")
        return CourierUpdate(origin_id=fields["origin_id"], status=CourierStatus(fields["status"]),
                             at=datetime.fromisoformat(fields["at"]), platform_status=0)


class FakeCipher:
    """pii.PiiCipher: reversible and visibly not plaintext."""

    def encrypt(self, plaintext: str) -> str:
        return "enc:" + plaintext[::-1]

    def decrypt(self, token: str) -> str:
        return token.removeprefix("enc:")[::-1]


class FakeTables:
    """seating_table.SeatingTable for rounds paid one by one: the shared cart bumps the session's version, and a
    round commits only if the cart is still the version its sender saw (else CartChanged, nothing written)."""

    UNFAKED: ClassVar[frozenset[str]] = frozenset({
        "add_call", "answer_call", "append_to_tab", "close", "fix_bill", "flag_tab", "open_calls", "open_sessions",
        "round_step", "save_prepay", "table", "tables"})

    def __init__(self, world: World) -> None:
        self._world = world

    def open_or_join(self, fresh: TableSession, who: str, name: str) -> TableSession:
        session_id = self._world.open_tables.setdefault((fresh.store_id, fresh.table_no), fresh.session_id)
        session = self._world.sessions.get(session_id, fresh)
        session = session.model_copy(update={"guests": {**session.guests, who: name}})
        self._world.sessions[session_id] = session
        return session

    def session(self, session_id: str) -> TableSession:
        try:
            return self._world.sessions[session_id]
        except KeyError:
            raise SessionNotFound() from None

    def session_items(self, session_id: str) -> tuple[TableSession, list[CartLine], list[Round]]:
        session = self.session(session_id)
        lines = sorted(self._world.cart.get(session_id, {}).values(), key=lambda line: line.added_at)
        return session, lines, list(self._world.rounds.get(session_id, {}).values())

    def _bump(self, session_id: str) -> None:
        session = self.session(session_id)
        if session.status != SessionStatus.OPEN:
            raise Conflict("this table is not taking orders now", "本桌当前无法点餐（已结账或已结束）",
                           code="TABLE_NOT_OPEN")
        self._world.sessions[session_id] = session.model_copy(update={"version": session.version + 1})

    def add_line(self, session_id: str, line: CartLine) -> None:
        cart = self._world.cart.setdefault(session_id, {})
        if line.line_id in cart:
            raise CartChanged()
        self._bump(session_id)
        cart[line.line_id] = line

    def set_qty(self, session_id: str, line_id: str, qty: int) -> None:
        cart = self._world.cart.setdefault(session_id, {})
        if line_id not in cart:
            raise NotFound("no such line in the cart", "该菜品已不在购物车中", code="CART_LINE_NOT_FOUND")
        self._bump(session_id)
        if qty == 0:
            del cart[line_id]
        else:
            cart[line_id] = cart[line_id].model_copy(update={"qty": qty})

    def round_writes(self, session: TableSession, seen_version: int, entry: Round, line_ids: list[str],
                     *, tab_order_id: str | None = None) -> Callable[[], None]:
        session_id = session.session_id

        def write() -> None:
            current = self.session(session_id)
            rounds = self._world.rounds.setdefault(session_id, {})
            if current.version != seen_version or current.status != SessionStatus.OPEN or entry.round_no in rounds:
                raise CartChanged()
            for line_id in line_ids:
                self._world.cart.get(session_id, {}).pop(line_id, None)
            rounds[entry.round_no] = entry
            self._world.sessions[session_id] = current.model_copy(update={
                "version": current.version + 1, "round_count": entry.round_no,
                "tab_order_id": tab_order_id or current.tab_order_id})

        return write

    def commit_round(self, write: Callable[[], None]) -> None:
        write()


class FakeEventPublisher:
    """eventbus.EventBus: every published event, in order (``World.events``)."""

    def __init__(self, world: World) -> None:
        self._world = world

    def publish(self, events: Sequence[OrderEvent]) -> None:
        self._world.events.extend(events)


class FakePrintJobQueue:
    """print_jobs.PrintJobs: jobs by (order, ticket) with the adapter's version check on every save."""

    UNFAKED: ClassVar[frozenset[str]] = frozenset({"all_stations", "retire_station",
        "open_kitchen_tickets", "orders_of_day", "put_station", "sent", "stations"})

    def __init__(self, world: World) -> None:
        self._world = world
        self._setups: dict[str, PrintSetup] = {}

    def given_setup(self, setup: PrintSetup) -> None:
        self._setups[setup.store.store_id] = setup

    def given_job(self, job: PrintJob) -> PrintJob:
        self._world.jobs[(job.order_id, job.ticket_id)] = job
        return job

    def print_setup(self, store_id: str) -> PrintSetup:
        try:
            return self._setups[store_id]
        except KeyError:
            raise NotFound("no such store", "门店不存在", code="STORE_NOT_FOUND") from None

    def claim(self, job: PrintJob) -> tuple[PrintJob, bool]:
        stored = self._world.jobs.get((job.order_id, job.ticket_id))
        if stored is not None:
            return stored, False
        return self.given_job(job.model_copy(update={"version": 1})), True

    def save(self, job: PrintJob) -> PrintJob:
        stored = self._world.jobs.get((job.order_id, job.ticket_id))
        if stored is not None and stored.version != job.version:
            raise JobChanged("print job changed meanwhile", "出单任务已变化", details={"ticket_id": job.ticket_id})
        return self.given_job(job.model_copy(update={"version": job.version + 1}))

    def get(self, order_id: str, ticket_id: str) -> PrintJob:
        try:
            return self._world.jobs[(order_id, ticket_id)]
        except KeyError:
            raise NotFound("no such ticket", "小票不存在", code="TICKET_NOT_FOUND") from None

    def of_order(self, order_id: str) -> list[PrintJob]:
        return [job for (oid, _), job in sorted(self._world.jobs.items()) if oid == order_id]

    def flag_not_printed(self, order_id: str, flagged: bool) -> None:
        order = self._world.order(order_id)
        flags = [f for f in order.flags if f != "NOT_PRINTED"] + (["NOT_PRINTED"] if flagged else [])
        self._world.orders[order_id] = order.model_copy(update={"flags": flags})


class FakeServiceStates:
    """service_state_table.ServiceStateTable: switches and open kitchen tickets per store (``World.service``)."""

    UNFAKED: ClassVar[frozenset[str]] = frozenset({"batch_read"})

    def __init__(self, world: World) -> None:
        self._world = world

    def read(self, store_id: str) -> ServiceState:
        return self._world.service.get(store_id, ServiceState())

    def switch(self, store_id: str, name: str, on: bool, *, at: str, by: str) -> bool:
        state = self.read(store_id)
        field_name = {"busy": "busy_switched", "delivery_paused": "delivery_paused"}[name]
        if getattr(state, field_name) == on:
            return False
        self._world.service[store_id] = replace(state, **{field_name: on})
        return True

    def enter(self, store_id: str, tickets: list[OpenTicket], *, lanes: int = DEFAULT_LANES) -> ServiceState:
        state = replace(self.read(store_id), lanes=lanes)
        kept = {t.ticket_id: t for t in state.tickets} | {t.ticket_id: t for t in tickets}
        self._world.service[store_id] = replace(state, tickets=tuple(kept[k] for k in sorted(kept)))
        return self._world.service[store_id]

    def leave(self, store_id: str, ticket_ids: list[str]) -> None:
        state = self.read(store_id)
        self._world.service[store_id] = replace(
            state, tickets=tuple(t for t in state.tickets if t.ticket_id not in ticket_ids))


class FakePrinter:
    """printer.FeieyunPrinter: what was printed on which printer; a printer in ``offline`` is unreachable."""

    def __init__(self) -> None:
        self.printed: list[tuple[str, str, int]] = []
        self.offline: set[str] = set()
        self._ids = itertools.count(1)

    def print_ticket(self, printer_sn: str, content: str, copies: int = 1) -> str:
        if printer_sn in self.offline:
            raise PrinterUnavailable("printer service unavailable", "打印服务暂不可用")
        self.printed.append((printer_sn, content, copies))
        return f"P{next(self._ids)}"

    def query_print(self, print_id: str) -> bool | None:
        return True

    def printer_status(self, printer_sn: str) -> str:
        return "offline" if printer_sn in self.offline else "online"


class FakeShiftBook:
    """shift_table.ShiftTable: one open shift per (store, cashier); closing only an open shift."""

    def __init__(self, world: World) -> None:
        self._world = world

    def open(self, shift: Shift) -> None:
        if any(s.store_id == shift.store_id and s.staff_id == shift.staff_id and s.is_open
               for s in self._world.shifts.values()):
            raise ShiftAlreadyOpen(details={"staff_id": shift.staff_id})
        self._world.shifts[(shift.store_id, shift.shift_id)] = shift

    def close(self, shift: Shift) -> bool:
        stored = self._world.shifts[(shift.store_id, shift.shift_id)]
        if not stored.is_open:
            return False
        self._world.shifts[(shift.store_id, shift.shift_id)] = shift
        return True

    def record_print(self, shift: Shift) -> None:
        assert not self._world.shifts[(shift.store_id, shift.shift_id)].is_open
        self._world.shifts[(shift.store_id, shift.shift_id)] = shift

    def get(self, store_id: str, shift_id: str) -> Shift | None:
        return self._world.shifts.get((store_id, shift_id))

    def open_shift_of(self, store_id: str, staff_id: str) -> Shift | None:
        return next((s for s in self._world.shifts.values()
                     if s.store_id == store_id and s.staff_id == staff_id and s.is_open), None)

    def recent(self, store_id: str, limit: int = 30) -> list[Shift]:
        mine = [s for (sid, _), s in sorted(self._world.shifts.items(), reverse=True) if sid == store_id]
        return mine[:limit]


class FakeVoucherChain:
    """payment_table.PaymentTable read by chain position (the World's vouchers, as the fake ledger writes them)."""

    def __init__(self, world: World) -> None:
        self._world = world

    def chain_seq(self, store_id: str) -> int:
        return max((v.seq for v in self._world.vouchers if v.store_id == store_id), default=0)

    def vouchers_between(self, store_id: str, after_seq: int, upto_seq: int) -> list[Voucher]:
        return [v for v in self._world.vouchers if v.store_id == store_id and after_seq < v.seq <= upto_seq]


class FakeAuditTrail:
    """staff_table.AuditLog: entries per store in the order appended (their ``at`` never goes back here)."""

    def __init__(self, world: World) -> None:
        self._world = world

    def append(self, entry: AuditEntry) -> None:
        self._world.audit.append(entry)

    def recent(self, store_id: str | None, limit: int = 100) -> list[AuditEntry]:
        return [e for e in reversed(self._world.audit) if e.store_id == (store_id or "")][:limit]

    def between(self, store_id: str, start_iso: str, end_iso: str) -> list[AuditEntry]:
        return [e for e in self._world.audit if e.store_id == store_id and start_iso <= e.at <= end_iso]


class FakePushConnections:
    """push_table.PushTable: connections (listener, topics, expiry) and subscriptions by audience partition."""

    def __init__(self, world: World) -> None:
        self._world = world
        self.connections: dict[str, tuple[Listener, set[str], int]] = {}
        self.orders: dict[str, str] = {}  # order id -> openid

    def given_order(self, order_id: str, openid: str) -> None:
        self.orders[order_id] = openid

    def connect(self, connection_id: str, listener: Listener, at: str, expires_at: int) -> None:
        self.connections[connection_id] = (listener, set(), expires_at)

    def listener(self, connection_id: str) -> tuple[Listener, set[str], int]:
        if connection_id not in self.connections:
            raise ConnectionGone()
        listener, topics, expires_at = self.connections[connection_id]
        return listener, set(topics), expires_at

    def order_owner(self, order_id: str) -> str | None:
        return self.orders.get(order_id)

    def subscribe(self, connection_id: str, topic: Topic, expires_at: int) -> None:
        if connection_id not in self.connections:
            raise ConnectionGone()
        self.connections[connection_id][1].add(topic.name)

    def subscribers(self, order_id: str | None, store_id: str | None) -> list[Subscriber]:
        return [Subscriber(cid, name) for cid, (_, topics, _) in sorted(self.connections.items()) for name in sorted(topics)
                if (order_id and name == f"order:{order_id}")
                or (not order_id and parse_topic(name).store_id == store_id)]

    def forget(self, connection_id: str) -> int:
        found = self.connections.pop(connection_id, None)
        return len(found[1]) if found else 0


class FakePushChannel:
    """websocket.WebSocketConnections: what each connection was sent; gone (410) and failing connections."""

    def __init__(self, world: World) -> None:
        self._world = world
        self.sent: dict[str, list[dict]] = {}
        self._gone: set[str] = set()
        self._failing: dict[str, bool] = {}  # connection -> retryable

    def given_gone(self, connection_id: str) -> None:
        self._gone.add(connection_id)

    def given_failing(self, connection_id: str, *, retryable: bool) -> None:
        self._failing[connection_id] = retryable

    def send(self, connection_id: str, message: dict[str, Any]) -> bool:
        if connection_id in self._gone:
            return False
        if connection_id in self._failing:
            raise PushFailed("failing", retryable=self._failing[connection_id])
        self.sent.setdefault(connection_id, []).append(message)
        return True


@dataclass
class DueTask:
    """What the due-work adapter hands back (its SweepRecord): the task, its order (or request) and its ref."""

    minute: str
    task: str
    order_id: str
    ref: str | None


class FakeDueQueue:
    """due_work.DueWork: tasks filed by minute and the worker's cursor."""

    def __init__(self) -> None:
        self._tasks: dict[tuple[str, str, str], DueTask] = {}
        self._cursor: str | None = None

    def add(self, minute: str, task: str, order_id: str, ref: str | None, expires_at: int) -> None:
        self._tasks[(minute, task, ref or order_id)] = DueTask(minute, task, order_id, ref)

    def due(self, minute: str) -> list:
        return [t for (m, _, _), t in sorted(self._tasks.items()) if m == minute]

    def done(self, record) -> None:
        self._tasks.pop((record.minute, record.task, record.ref or record.order_id), None)

    def cursor(self) -> str | None:
        return self._cursor

    def set_cursor(self, minute: str) -> None:
        self._cursor = minute


class FakeErasures:
    """erasure_table.ErasureTable: one request per guest (a new one only once the last is done); a step's write
    only if ``steps`` is still what the step read. The request's first step is filed in ``queue``."""

    def __init__(self, queue: FakeDueQueue) -> None:
        self._queue = queue
        self._stored: dict[str, Erasure] = {}

    def request(self, erasure: Erasure, minute: str, expires_at: int) -> Erasure:
        held = self._stored.get(erasure.openid)
        if held is not None and held.pending:
            return held
        self._stored[erasure.openid] = erasure
        self._queue.add(minute, "erase", erasure.erasure_id, erasure.openid, expires_at)
        return erasure

    def get(self, openid: str) -> Erasure | None:
        return self._stored.get(openid)

    def advance(self, erasure: Erasure, read_steps: int) -> bool:
        if self._stored[erasure.openid].steps != read_steps:
            return False
        self._stored[erasure.openid] = erasure
        return True

    def recent(self, limit: int = 50) -> list[Erasure]:
        return sorted(self._stored.values(), key=lambda e: e.requested_at, reverse=True)[:limit]

FAKES: dict[str, type] = {
    "Tables": FakeTables,
    "Dispatches": FakeDispatches, "Courier": FakeCourier, "Cipher": FakeCipher,
    "Marketing": FakeMarketing, "MemberDirectory": FakeMemberDirectory,
    "OrderRepository": FakeOrderRepository, "PaymentLedger": FakePaymentLedger, "WeChatPayClient": FakeWeChatPay,
    "EventPublisher": FakeEventPublisher, "PrintJobQueue": FakePrintJobQueue, "Printer": FakePrinter,
    "ShiftBook": FakeShiftBook, "VoucherChain": FakeVoucherChain, "AuditTrail": FakeAuditTrail,
    "ServiceStateLedger": FakeServiceStates, "DueQueue": FakeDueQueue, "Erasures": FakeErasures,
    "PushConnections": FakePushConnections, "PushChannel": FakePushChannel,
}

__all__ = ["FAKES", "WeChatPayUnavailable", "World"]
