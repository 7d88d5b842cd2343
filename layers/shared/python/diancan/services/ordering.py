"""Quote and place orders: validate against the store's own menu, price on the server, reserve
portions and create the order in one transaction. Three DynamoDB calls: one BatchGet (store, dishes, table
and the signed-in guest's member standing), the guest's coupon wallet Query, one transaction."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from diancan.domain.cart import OrderLine, build_lines, combo_parts_missing, portions_needed
from diancan.domain.clock import business_day, iso, local, minute_of, utcnow
from diancan.domain.counter import CounterSale
from diancan.domain.delivery import GeoPoint
from diancan.domain.delivery_settings import FeeSource, StoreDelivery, price_delivery, with_platform_fee
from diancan.domain.errors import DomainError, NotFound, Unprocessable
from diancan.domain.exceptions import OrderKeyTaken
from diancan.domain.membership import Standing, StoreOffers, benefit_of, level_for
from diancan.domain.menu import Store
from diancan.domain.money import Fen
from diancan.domain.order import Channel, DeliveryAddress, Order, OrderRequest, StatusChange, validate_request
from diancan.domain.order_limits import OrderLimits
from diancan.domain.order_status import OrderStatus
from diancan.domain.preorders import (
    MAX_NEXT_FREE,
    SLOT_MINUTES,
    PreorderSettings,
    SlotFull,
    day_slots,
    next_free,
    release_at,
    slot_capacity,
    slot_of,
)
from diancan.domain.pricing import MIN_TOTAL_FEN, Quote, discount_limit, price_order
from diancan.domain.promotions import CouponNotApplicable, Plan, Setting, Shopper, best_plan
from diancan.domain.request_keys import KeyReused, require_key
from diancan.domain.service_state import KitchenSettings
from diancan.services.ports import Cipher, Marketing, OrderRepository, ServiceStateLedger

if TYPE_CHECKING:  # built on first use (bootstrap.OnFirstUse): reading or quoting must not load WeChat Pay
    from diancan.adapters.repository import BatchRead  # the one adapter value still passed through a port
    from diancan.services.payments import PaymentService


def new_order_id(now: datetime, tz: str) -> str:
    """Time-sortable, 20 characters, valid as WeChat Pay's out_trade_no (6-32 of [0-9A-Za-z_-|*])."""
    return f"{local(now, tz):%y%m%d%H%M%S}{secrets.token_hex(4).upper()}"


def request_fingerprint(request: OrderRequest) -> str:
    canonical = json.dumps(request.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class PlatformDeliveryFees(Protocol):
    """The courier platform's fee for delivering ``cargo_fen`` of goods to ``address``; None when it cannot say."""

    def fee_fen(self, store_id: str, settings: StoreDelivery, address: DeliveryAddress,
                cargo_fen: Fen) -> Fen | None: ...


@dataclass(frozen=True)
class Placed:
    order: Order
    created: bool  # False when an earlier request with the same Idempotency-Key made it
    pay_params: dict | None = None  # wx.requestPayment parameters while the order awaits payment


class OrderingService:
    def __init__(self, repository: OrderRepository, pii: Cipher | None, payments: PaymentService, *,
                 expiry_minutes: int, clock: Callable[[], datetime] = utcnow,
                 marketing: Marketing | None = None,
                 platform_fees: Callable[[], PlatformDeliveryFees] | None = None,
                 service_states: ServiceStateLedger | None = None) -> None:
        self._repository = repository
        self._service_states = service_states  # delivery paused: read in the order's BatchGetItem
        self._platform_fees = platform_fees  # built on first use: only stores that ask for it need the courier
        self._payments = payments
        self._marketing = marketing
        self._pii = pii
        self._expiry = timedelta(minutes=expiry_minutes)
        self._clock = clock

    def shopper(self, openid: str | None, now: datetime, standing: Standing | None = None) -> Shopper:
        """The signed-in guest's coupons, points and level (a Query, and a GetItem unless ``standing`` was read
        with the order's batch); nobody's for a stranger."""
        if openid is None or self._marketing is None:
            return Shopper()
        if standing is None:
            standing = self._marketing.standing(openid)
        coupons = tuple(e.coupon for e in self._marketing.wallet(openid)
                        if e.status == "available" and e.coupon.valid_until > now)
        return Shopper(first_order=standing.completed_orders == 0, member=benefit_of(level_for(standing.spend_fen)),
                       coupons=coupons, points_balance=standing.points)

    def standing_read(self, openid: str | None) -> BatchRead[Standing] | None:
        """The signed-in guest's member standing, to ride in ``load_for_order``'s batch (then ``shopper``)."""
        return self._marketing.standing_read(openid) if openid and self._marketing else None

    def _prepare(self, request: OrderRequest, openid: str | None = None):
        now = self._clock()
        member = self.standing_read(openid)
        wanted = request.mode == "delivery" or request.pickup_at is not None  # delivery paused; busy slots
        service = (self._service_states.batch_read(request.store_id)
                   if wanted and self._service_states is not None else None)
        store, dishes, table_exists = self._repository.load_for_order(
            request.store_id, [item.dish_id for item in request.items], request.table_no,
            extra=[read for read in (member, service) if read])
        validate_request(request, store, now=now, table_exists=table_exists)
        if service is not None:
            service.value.check_delivery(request.mode)
        OrderLimits.of(store).check(request.items)
        if missing := combo_parts_missing(dishes):  # only when a combo is ordered: its parts' portions
            dishes = {**dishes, **self._repository.load_dishes(request.store_id, missing)}
        lines = build_lines(dishes, request.items)
        offers = StoreOffers.of(store.settings)
        shopper = self.shopper(openid, now, member.value if member else None)
        delivery_fee = self._delivery_fee(request, store, lines)
        plan = best_plan(lines, Setting(store.store_id, now, store.timezone), shopper,
                         full_reductions=offers.full_reductions, points=offers.points,
                         use_points=request.use_points, coupon_id=request.coupon_id,
                         limit_fen=discount_limit(lines, request.mode, store, delivery_fee))
        quote = price_order(lines, mode=request.mode, store=store, delivery_fee_fen=delivery_fee,
                            discounts=plan.discounts)
        if quote.total_fen < MIN_TOTAL_FEN:  # only an order whose items and fees are 0 (the offers leave 0.01)
            raise Unprocessable("the order total must be at least 0.01", "订单金额至少0.01元", code="TOTAL_TOO_LOW")
        busy = service is not None and service.value.busy(KitchenSettings.of(store), now)
        return now, store, dishes, quote, plan, busy

    def quote(self, request: OrderRequest, openid: str | None = None) -> Quote:
        """The exact price the guest would be charged now, best offers applied (nothing written)."""
        return self._prepare(request, openid)[3]

    def place(self, openid: str, request: OrderRequest, idempotency_key: str | None) -> Placed:
        require_key(idempotency_key)
        now, store, dishes, quote, plan, busy = self._prepare(request, openid)
        order = self._new_order(now, store, dishes, quote, request, openid, by=f"guest:{openid}",
                                channel=Channel.TABLE if request.table_no else Channel.MINIPROGRAM)
        slot = order.slot
        encrypted = None
        if request.address is not None and self._pii is not None:
            encrypted = self._pii.encrypt(request.address.model_dump_json())
        fingerprint = request_fingerprint(request)
        steps = []
        if slot is not None:  # taken in the order's write, on the condition that the slot has room (AP-PO1)
            capacity = slot_capacity(store, busy)
            if capacity <= 0:
                raise self._slot_full(store, request.mode, slot, now, busy)
            steps.append(self._repository.take_slot(store.store_id, slot, capacity,
                                                    expires_at_epoch=int(request.pickup_at.timestamp()) + 7 * 86400))
        prepay_id = self._payments.prepay(order, _description(store.name, quote.lines))
        try:
            self._create(now, order, quote, dishes, plan, idempotency_key, fingerprint, encrypted, prepay_id,
                         steps=steps)
        except OrderKeyTaken as taken:
            if taken.order_id == order.order_id:  # our own write committed and botocore retried it: keep it
                order = order.model_copy(update={"prepay_id": prepay_id})
                return Placed(order, created=True, pay_params=self._payments.pay_params(order))
            self._payments.close_quietly(order.order_id)  # this attempt's prepay was never handed out
            existing = self._existing(taken, fingerprint)
            return Placed(existing, created=False, pay_params=self._pay_params_if_due(existing))
        except SlotFull:
            self._payments.close_quietly(order.order_id)
            raise self._slot_full(store, request.mode, slot, now, busy) from None
        except DomainError:
            self._payments.close_quietly(order.order_id)
            raise
        order = order.model_copy(update={"prepay_id": prepay_id})
        return Placed(order, created=True, pay_params=self._payments.pay_params(order))

    def slot_day(self, store_id: str, mode: str, day: date | None) -> dict:
        """The pickup slots of a store's local ``day`` (None: today) a guest may choose for ``mode``, with
        their capacity now, smaller while the store is busy (a BatchGetItem of the store and its service item,
        and a Query)."""
        service = self._service_states.batch_read(store_id) if self._service_states is not None else None
        store = self._repository.load_for_order(store_id, (), None, extra=[service] if service else [])[0]
        if store.retired:
            raise NotFound("no such store", "门店不存在", code="STORE_NOT_FOUND")
        if mode not in store.modes or mode == "dine_in":
            raise Unprocessable(f"no pre-orders for {mode}", "该就餐方式不支持预约", code="MODE_NOT_OFFERED",
                                details={"mode": mode})
        now = self._clock()
        day = day or business_day(now, store.timezone)
        busy = service is not None and service.value.busy(KitchenSettings.of(store), now)
        slots = day_slots(store, mode, day, now=now, taken=self._repository.slot_counts(store_id, day.isoformat()),
                          busy=busy)
        return {"store_id": store_id, "mode": mode, "date": day.isoformat(), "slot_minutes": SLOT_MINUTES,
                "lead_minutes": int(PreorderSettings.of(store).lead(mode).total_seconds() // 60),
                "slots": [slot.model_dump(mode="json") for slot in slots]}

    def _slot_full(self, store: Store, mode: str, slot: str, now: datetime, busy: bool) -> SlotFull:
        """The refusal of a full slot, with the next free slots of that day and the next (two Queries)."""
        day = date.fromisoformat(slot[:10])
        free: list[str] = []
        for offset in (0, 1):
            other = day + timedelta(days=offset)
            slots = day_slots(store, mode, other, now=now,
                              taken=self._repository.slot_counts(store.store_id, other.isoformat()), busy=busy)
            free += next_free(slots, slot, MAX_NEXT_FREE - len(free))
            if len(free) >= MAX_NEXT_FREE:
                break
        return SlotFull(details={"slot": slot, "next_free": free})

    def place_at_counter(self, openid: str, request: OrderRequest, idempotency_key: str | None, *, by: str,
                         sale: CounterSale) -> Placed:
        """An order the cashier takes: priced and checked exactly as the guest's (``openid``: the member it is for,
        or the cashier), created awaiting payment without a WeChat Pay prepay, the cashier taking the money next
        (``sale``: cash short of the total is refused before anything is written). The same key again answers
        the order it made (``created`` False)."""
        require_key(idempotency_key)
        try:
            now, store, dishes, quote, plan, _ = self._prepare(request, openid)
        except CouponNotApplicable:
            # The member's coupon is reserved: by this very sale when the key was used (a repeat that got past the
            # console's request-key record answers its order; one GetItem on this refusal path only).
            earlier = self._repository.order_key_of(openid, idempotency_key) if request.coupon_id else None
            if earlier is None:
                raise
            return Placed(self._existing(OrderKeyTaken(*earlier), request_fingerprint(request)), created=False)
        sale.receipt(quote.total_fen)
        order = self._new_order(now, store, dishes, quote, request, openid, by=by, channel=Channel.COUNTER)
        fingerprint = request_fingerprint(request)
        try:
            self._create(now, order, quote, dishes, plan, idempotency_key, fingerprint, None, None)
        except OrderKeyTaken as taken:
            if taken.order_id == order.order_id:
                return Placed(order, created=True)
            return Placed(self._existing(taken, fingerprint), created=False)
        return Placed(order, created=True)

    def _new_order(self, now: datetime, store: Store, dishes: dict, quote: Quote, request: OrderRequest, openid: str,
                   *, by: str, channel: Channel) -> Order:
        created_at = iso(now)
        slot = release = None
        if request.pickup_at is not None:  # a pre-order: its slot, and when the kitchen starts it
            slot, release = slot_of(store, request.pickup_at), iso(release_at(store, request.mode, request.pickup_at))
        return Order(
            order_id=new_order_id(now, store.timezone), store_id=store.store_id, openid=openid,
            mode=request.mode, status=OrderStatus.PENDING_PAYMENT, table_no=request.table_no,
            address=request.address, pickup_at=iso(request.pickup_at) if request.pickup_at else None,
            release_at=release, slot=slot, remark=request.remark, lines=quote.lines, items_fen=quote.items_fen,
            packing_fee_fen=quote.packing_fee_fen, delivery_fee_fen=quote.delivery_fee_fen,
            discounts=quote.discounts, discount_fen=quote.discount_fen, total_fen=quote.total_fen,
            reserved=portions_needed(quote.lines, dishes), created_at=created_at,
            prep_minutes=KitchenSettings.of(store).order_prep_minutes(
                [dishes[line.dish_id] for line in quote.lines if line.dish_id in dishes]),
            business_day=business_day(now, store.timezone).isoformat(),
            pay_expires_at=iso(now + self._expiry),
            history=[StatusChange(status=OrderStatus.PENDING_PAYMENT, at=created_at, by=by)], channel=channel,
        )

    def _create(self, now: datetime, order: Order, quote: Quote, dishes: dict, plan: Plan, idempotency_key: str,
                fingerprint: str, encrypted: str | None, prepay_id: str | None, *, steps: Sequence = ()) -> None:
        """The order with its portions, prices, key, expiry sweep, the guest's coupon and points and ``steps``
        (a pre-order's place in its slot): one write."""
        self._repository.create_order(
            order, encrypted_address=encrypted, idempotency_key=idempotency_key, request_hash=fingerprint,
            prices={line.dish_id: line.base_price_fen for line in quote.lines},
            expires_at_epoch=int(now.timestamp()), prepay_id=prepay_id, sweep_minute=minute_of(now + self._expiry),
            steps=[*self.marketing_steps(order.openid, order, plan), *steps])

    def _existing(self, taken: OrderKeyTaken, fingerprint: str) -> Order:
        """The order an earlier request with this key made; the key with another request is refused."""
        if taken.request_hash != fingerprint:
            raise KeyReused("this Idempotency-Key was used for a different order",
                            "该请求标识已用于另一笔订单") from None
        return self._repository.get_order(taken.order_id, consistent=True)

    def _pay_params_if_due(self, order: Order) -> dict | None:
        try:
            return self._payments.pay_params(order)
        except DomainError:
            return None

    def marketing_steps(self, openid: str, order: Order, plan: Plan) -> list:
        """The coupon and the points go with the order in its one transaction, or the order fails."""
        if self._marketing is None:
            return []
        steps = []
        if plan.coupon_id:
            steps.append(self._marketing.reserve_coupon(openid, plan.coupon_id, order.order_id, order.created_at))
        if plan.points_used:
            steps.append(self._marketing.redeem_points(openid, order.order_id, plan.points_used, order.created_at))
        return steps

    def _delivery_fee(self, request: OrderRequest, store: Store, lines: list[OrderLine]) -> Fen:
        """The store's fee for this address and these items (before discounts); refuses an address outside the
        area (with its distance) and an order below the store's delivery minimum. A store set to
        ``platform_if_higher`` charges the courier platform's quote when it is higher (free delivery still wins)."""
        if request.mode != "delivery" or request.address is None:
            return 0
        items_fen = sum(line.line_total_fen for line in lines)
        quote = price_delivery(store, GeoPoint(request.address.lat, request.address.lng), items_fen)
        settings = StoreDelivery.of(store)
        if settings.fee_source != FeeSource.PLATFORM_IF_HIGHER or self._platform_fees is None:
            return quote.fee_fen
        platform_fee = self._platform_fees().fee_fen(store.store_id, settings, request.address, items_fen)
        return with_platform_fee(settings.fees, quote, items_fen, platform_fee)


def _description(store_name: str, lines) -> str:
    """What the guest sees in WeChat's payment sheet, e.g. ``小馆子·静安店-宫保鸡丁等3件``."""
    count = sum(line.qty for line in lines)
    return f"{store_name}-{lines[0].name}" + (f"等{count}件" if count > 1 else "")
