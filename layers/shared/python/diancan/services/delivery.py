"""Delivery in the order's life: booking the courier (courier_dispatch), applying its callbacks
(courier_callback), and the store's own moves (console).

- The dispatch record is claimed (``BOOKING``) before the platform is called; a replayed or retried event
  finds the claim, and the platform call itself is retry-safe (``add_order``), so one order books one rider.
- ``CourierUnavailable`` fails the SQS record (SQS retries after its visibility timeout); on the last receive,
  or at once when the platform refuses (``CourierError``), the dispatch waits for staff: order flag, SNS alert,
  ``DispatchFailed`` metric.
- Callbacks only move forward (``DeliveryHistory``). Picked up → order DELIVERING, delivered → COMPLETED. A
  platform cancel or expiry is re-published once automatically; the next one waits for staff. A failed
  delivery waits for staff, who re-dispatch, send their own people, or close it with a refund.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Protocol

from diancan.domain import lifecycle
from diancan.domain.clock import iso, minute_of, utcnow
from diancan.domain.delivery import (
    REDISPATCHABLE,
    RIDER_TASK,
    CourierBooking,
    CourierOrder,
    CourierStatus,
    CourierUpdate,
    GeoPoint,
    Rider,
    RiderPosition,
    order_action_for,
)
from diancan.domain.delivery import OrderAction as CourierAsks
from diancan.domain.delivery_settings import CourierChoice, StoreDelivery
from diancan.domain.dispatch import Dispatch, DispatchState, Problem, masked
from diancan.domain.errors import NotFound, Unprocessable, UpstreamUnavailable
from diancan.domain.events import OrderEvent, RiderMoved
from diancan.domain.exceptions import CourierError, CourierUnavailable, DispatchChanged
from diancan.domain.order import DeliveryAddress, Order
from diancan.domain.order_status import OrderAction, OrderStatus, StatusMove, TransitionRefused, decide
from diancan.domain.preorders import waits_for_release
from diancan.services.completion import EventPublisher, complete_order
from diancan.services.ports import Cipher, Courier, Dispatches, OrderRepository, PaymentLedger

logger = logging.getLogger(__name__)

DISPATCHABLE = {OrderStatus.PAID, OrderStatus.PREPARING, OrderStatus.READY}
WRITE_TRIES = 5
S = DispatchState
DUE_WORK_TTL_S = 30 * 24 * 3600


class Alerts(Protocol):
    def publish(self, kind: str, subject: str, detail: dict) -> None: ...


class Refunds(Protocol):
    def refund(self, order_id: str, amount_fen: int | None, *, reason: str, by: str, food_made: bool = False): ...


class CourierRefused(Unprocessable):
    code, message_zh, message_en = "COURIER_REFUSED", "配送平台拒绝了该操作", "The courier platform refused"


class DeliveryService:
    def __init__(self, repository: OrderRepository, dispatches: Dispatches, courier: Courier, pii: Cipher,
                 alerts: Alerts, bus: EventPublisher, *, public_base_url: str,
                 refunds: Callable[[], Refunds] | None = None,
                 count: Callable[[str], None] = lambda name: None, clock: Callable[[], datetime] = utcnow,
                 max_receives: int = 5, due_work: PaymentLedger | None = None) -> None:
        self._repository = repository
        self._dispatches = dispatches
        self._courier = courier
        self._pii = pii
        self._alerts = alerts
        self._bus = bus
        self._callback_base = f"{public_base_url.rstrip('/')}/courier_callback/{courier.name}"
        self._refunds = refunds  # built on demand: only the console's refund decision needs WeChat Pay
        self._count = count
        self._clock = clock
        self._max_receives = max_receives
        self._due_work = due_work  # the sweeper's buckets: the next position query of a delivering rider

    # ---- courier_dispatch ----------------------------------------------------------------------------

    def on_event(self, event: OrderEvent | None, *, receive_count: int = 1) -> str:
        """Book the courier if this event is the store's trigger; what happened, for logs."""
        if event is None or waits_for_release(event):  # not ours; a pre-order paid ahead: booked at its release
            return "not_the_trigger"
        order = self._repository.get_order(event.order_id, consistent=True)
        if order.mode != "delivery":
            return "not_delivery"
        settings = self._settings(order.store_id)
        if not settings.dispatches_on(event.name):
            return "not_the_trigger"
        if order.status not in DISPATCHABLE:
            return "not_dispatchable"
        dispatch = self._claim(order, settings.courier, settings.city_code)
        if dispatch.state != S.BOOKING or dispatch.ever_booked:
            return f"already_{dispatch.state.value.lower()}"
        try:
            booking = self._courier.add_order(self._courier_order(order.order_id, settings))
        except CourierUnavailable:
            if receive_count < self._max_receives:
                raise
            self._needs_staff(order.order_id, Problem.DISPATCH_FAILED, "courier unreachable after every retry")
            return "failed"
        except CourierError as refusal:
            self._needs_staff(order.order_id, Problem.DISPATCH_FAILED, f"{refusal.code}: {refusal.msg}")
            return "failed"
        self._booked(order.order_id, booking)
        return "booked"

    # ---- courier_callback ----------------------------------------------------------------------------

    def on_callback(self, body: str | bytes, query: Mapping[str, str] | None = None) -> Mapping[str, Any]:
        """Verify (CallbackRejected → 4xx, nothing changed), record, act; the platform's acknowledgement."""
        update = self._courier.verify_callback(body, query)

        def record(d: Dispatch) -> Dispatch | None:
            applied, changed = d.apply(update)
            if not changed:
                return None
            proves_booking = d.state == S.BOOKING  # a status of the current attempt: the platform has it
            return applied.moved(self._clock(), **({"state": S.BOOKED} if proves_booking else {}))

        dispatch, _ = self._update(update.origin_id, record)
        self._act(dispatch)
        if _rider_has_the_food(dispatch):
            self._locate(dispatch)
        return self._courier.callback_ack

    # ---- the rider on the map ------------------------------------------------------------------------

    def locate(self, order_id: str) -> str:
        """The sweeper's due work while the rider has the food: ask the courier, keep where the rider is (the
        status it reports is applied as a callback's would be, so a lost callback is made good), and ask again
        in a minute while still delivering. What happened, for the sweeper's counts."""
        dispatch = self._dispatches.get(order_id)
        if dispatch is None or not _rider_has_the_food(dispatch):
            return "rider_not_out"
        return self._locate(dispatch)

    def _locate(self, dispatch: Dispatch) -> str:
        """One status query: apply its status, keep a new position (RiderMoved), schedule the next query. A
        courier that does not answer changes nothing now: the next query (the sweeper's next run) asks again."""
        order_id = dispatch.order_id
        try:
            tracking = self._courier.status(order_id)
        except (CourierUnavailable, CourierError) as failure:
            logger.info("rider position not available", extra={"order_id": order_id, "error": str(failure)})
            self._follow(order_id)
            return "rider_unavailable"

        def record(d: Dispatch) -> Dispatch | None:
            applied, changed = d.apply(tracking.update)
            return applied.moved(self._clock()) if changed else None

        dispatch, changed = self._update(order_id, record)
        if changed:  # the query knew more than the callbacks (one was lost): act on it as on a callback
            self._act(dispatch)
        if not _rider_has_the_food(dispatch):
            return "rider_done"
        self._follow(order_id)
        if tracking.rider_point is None:
            return "rider_unplaced"
        position = RiderPosition.reported(tracking.rider_point, tracking.update.at, self._destination(order_id))
        if not self._dispatches.locate(order_id, dispatch.store_id, position):
            return "rider_still"
        self._bus.publish([RiderMoved(order_id=order_id, store_id=dispatch.store_id, lat=position.lat,
                                      lng=position.lng, at=iso(position.at),
                                      eta_at=iso(position.eta_at) if position.eta_at else None)])
        return "rider_moved"

    def _follow(self, order_id: str) -> None:
        """The next position query, in the bucket of the current minute: the sweeper takes a minute's bucket
        once that minute is over, so at its next run (within a minute); the one it is sweeping now is of an
        earlier minute. Keyed by task and order: a callback and the sweeper asking in the same minute leave
        one entry."""
        if self._due_work is not None:
            now = self._clock()
            self._due_work.add_sweep(minute_of(now), RIDER_TASK, order_id, None, int(now.timestamp()) + DUE_WORK_TTL_S)

    def _destination(self, order_id: str) -> GeoPoint | None:
        """Where the food goes (decrypted here for the arrival estimate only; never stored with the rider)."""
        _, encrypted = self._repository.get_order_and_address(order_id, consistent=False)
        if not encrypted:
            return None
        address = DeliveryAddress.model_validate_json(self._pii.decrypt(encrypted))
        return GeoPoint(address.lat, address.lng)

    def _act(self, dispatch: Dispatch) -> None:
        """Bring the order and the dispatch in line with the courier's latest status (safe to repeat)."""
        if dispatch.state != S.BOOKED or dispatch.history.status is None:
            return
        status, order_id = dispatch.history.status, dispatch.order_id
        match order_action_for(status):
            case CourierAsks.MARK_DELIVERING:
                self._picked_up(order_id, dispatch.store_id, by=f"courier:{self._courier.name}",
                                courier=dispatch.courier)
            case CourierAsks.MARK_COMPLETED:
                self._move(order_id, OrderAction.PICK_UP)  # the pickup callback may have been lost
                self._complete(order_id, by=f"courier:{self._courier.name}")
                self._update(order_id, lambda d: d.moved(self._clock(), state=S.DELIVERED) if d.active else None)
            case CourierAsks.DECIDE_REDISPATCH if dispatch.auto_redispatches < 1:
                self._auto_redispatch(dispatch)
            case CourierAsks.DECIDE_REDISPATCH:
                self._needs_staff(order_id, Problem.COURIER_GAVE_UP, f"{status.value}: {dispatch.history.current.cancel_reason}")
            case CourierAsks.STORE_DECISION:
                self._needs_staff(order_id, Problem.DELIVERY_FAILED, status.value)

    def _auto_redispatch(self, dispatch: Dispatch) -> None:
        """Claim the new attempt first (a repeated callback then finds it), then re-publish."""
        def claim(d: Dispatch) -> Dispatch | None:
            if d.state != S.BOOKED or d.history.status not in REDISPATCHABLE or d.auto_redispatches >= 1:
                return None
            return d.model_copy(update={"history": d.history.reopen()}).moved(
                self._clock(), state=S.BOOKING, auto_redispatches=d.auto_redispatches + 1)

        claimed, changed = self._update(dispatch.order_id, claim)
        if changed:
            self._publish_again(claimed, Problem.COURIER_GAVE_UP)

    # ---- the store's moves (console) -----------------------------------------------------------------

    def redispatch(self, order_id: str, by: str) -> dict:
        """Book the courier again for a dispatch that waits for staff (or a booking left unknown)."""
        def claim(d: Dispatch) -> Dispatch | None:
            d.require(S.NEEDS_STAFF, S.BOOKING, S.AWAITING_STAFF)
            fresh = d.next_attempt() if d.ever_booked else d
            return fresh.moved(self._clock(), state=S.BOOKING, courier=CourierChoice.DADA.value,
                               note=f"re-dispatched by {by}")

        claimed, _ = self._update(order_id, claim)
        self._publish_again(claimed, Problem.DISPATCH_FAILED, staff=True)
        return self.tracking(order_id)

    def add_tip(self, order_id: str, tip_fen: int, by: str) -> dict:
        dispatch = self._get(order_id)
        dispatch.require(S.BOOKED)
        if tip_fen <= dispatch.tip_fen:
            raise Unprocessable("a tip must be larger than the previous one", "小费须高于上一次", code="TIP_TOO_LOW",
                                details={"tip_fen": dispatch.tip_fen})
        self._platform(lambda: self._courier.add_tip(order_id, tip_fen, dispatch.city_code, info=f"tip by {by}"))
        self._update(order_id, lambda d: d.moved(self._clock(), tip_fen=max(d.tip_fen, tip_fen)))
        return self.tracking(order_id)

    def cancel(self, order_id: str, reason_id: int, reason: str, by: str) -> dict:
        """Cancel the delivery (not the order): at the platform if it has it, then close the dispatch."""
        dispatch = self._get(order_id)
        dispatch.require(S.BOOKED, S.BOOKING, S.AWAITING_STAFF, S.OWN_STAFF, S.NEEDS_STAFF)
        penalty, status = 0, dispatch.history.status
        at_platform = dispatch.courier == CourierChoice.DADA and dispatch.state in (S.BOOKED, S.BOOKING)
        if at_platform and not (status and status.terminal):
            penalty = self._platform(lambda: self._courier.cancel(order_id, reason_id, reason))
        note = f"cancelled by {by}: {reason or reason_id}" + (f" (penalty {penalty} fen)" if penalty else "")
        self._update(order_id, lambda d: d.moved(self._clock(), state=S.CANCELLED, note=note) if d.active else None)
        self._clear_flags(order_id)
        return self.tracking(order_id)

    def dispatch_own_staff(self, order_id: str, rider_name: str, rider_phone: str, by: str) -> dict:
        """The store's own person takes the food: the order is DELIVERING (phone kept masked only)."""
        order = self._repository.get_order(order_id, consistent=True)
        if order.mode != "delivery" or order.status not in DISPATCHABLE:
            raise Unprocessable("the order cannot be sent out now", "订单当前不能配送", code="NOT_DISPATCHABLE",
                                details={"status": order.status.value})
        self._claim(order, CourierChoice.OWN_STAFF.value, "")
        rider = masked(Rider(name=rider_name, phone=rider_phone))
        now = self._clock()

        def send(d: Dispatch) -> Dispatch:
            d.require(S.AWAITING_STAFF, S.NEEDS_STAFF)
            fresh = d.next_attempt()
            step = CourierUpdate(origin_id=order_id, status=CourierStatus.PICKED_UP, at=now, platform_status=0,
                                 rider=rider)
            sent, _ = fresh.apply(step)
            return sent.moved(now, state=S.OWN_STAFF, courier=CourierChoice.OWN_STAFF.value, note=f"sent by {by}")

        self._update(order_id, send)
        self._clear_flags(order_id)
        self._picked_up(order_id, order.store_id, by=by, courier=CourierChoice.OWN_STAFF.value)
        return self.tracking(order_id)

    def complete_own_staff(self, order_id: str, by: str) -> dict:
        now = self._clock()

        def done(d: Dispatch) -> Dispatch:
            d.require(S.OWN_STAFF)
            step = CourierUpdate(origin_id=order_id, status=CourierStatus.DELIVERED, at=now, platform_status=0)
            return d.apply(step)[0].moved(now, state=S.DELIVERED)

        self._update(order_id, done)
        self._complete(order_id, by=by)
        return self.tracking(order_id)

    def close_with_refund(self, order_id: str, by: str, amount_fen: int | None = None, *,
                          day_limit_fen: int | None = None) -> dict:
        """The store's decision on a delivery that cannot be made: refund (the food was made) and close.
        ``day_limit_fen``: the refunding cashier's limit per order per day (see ``PaymentService.refund``)."""
        self._get(order_id).require(S.NEEDS_STAFF)
        if self._refunds is None:
            raise UpstreamUnavailable("refunds are not wired here", "退款暂不可用")
        self._refunds().refund(order_id, amount_fen, reason="delivery_failed", by=by, food_made=True,
                               day_limit_fen=day_limit_fen)
        self._update(order_id, lambda d: d.moved(self._clock(), state=S.CANCELLED, note=f"refunded by {by}")
                     if d.active else None)
        self._clear_flags(order_id)
        return self.tracking(order_id)

    # ---- reads -------------------------------------------------------------------------------------------

    def tracking(self, order_id: str) -> dict | None:
        """The delivery as the guest sees it (steps with times, rider with a masked phone), or None."""
        dispatch = self._dispatches.get(order_id)
        return dispatch.view() if dispatch else None

    def active(self, store_id: str) -> list[dict]:
        """Every delivery of the store that is not ended, oldest first (those waiting for staff included)."""
        return [{"order_id": d.order_id, **d.view(), "fee_fen": d.fee_fen, "tip_fen": d.tip_fen,
                 "distance_m": d.distance_m, "updated_at": d.updated_at} for d in self._dispatches.active(store_id)]

    # ---- plumbing ----------------------------------------------------------------------------------------

    def _settings(self, store_id: str) -> StoreDelivery:
        store, _, _ = self._repository.load_for_order(store_id, (), None)
        return StoreDelivery.of(store)

    def _claim(self, order: Order, courier: str, city_code: str) -> Dispatch:
        """The order's dispatch, claimed now if it has none (a conditional put: one claim wins)."""
        dispatch = self._dispatches.get(order.order_id)
        if dispatch is not None:
            return dispatch
        try:
            return self._dispatches.save(Dispatch.claim(order.order_id, order.store_id, courier, city_code, self._clock()))
        except DispatchChanged:
            return self._get(order.order_id)

    def _courier_order(self, order_id: str, settings: StoreDelivery | None = None) -> CourierOrder:
        """What the courier needs; the guest's address is decrypted here and only here."""
        order, encrypted = self._repository.get_order_and_address(order_id, consistent=True)
        settings = settings or self._settings(order.store_id)
        if not encrypted:
            raise Unprocessable("the order has no address", "订单缺少收货地址", code="ADDRESS_REQUIRED")
        address = DeliveryAddress.model_validate_json(self._pii.decrypt(encrypted))
        return CourierOrder(origin_id=order.order_id, city_code=settings.city_code, cargo_fen=order.items_fen,
                            receiver_name=address.contact, receiver_address=address.text,
                            receiver_phone=address.phone, receiver_point=GeoPoint(address.lat, address.lng),
                            callback_url=self._courier.callback_url(self._callback_base, order.order_id),
                            shop_no=settings.dada_shop_no or None, info=order.remark[:100],
                            pickup_mark=_pickup_mark(order))

    def _publish_again(self, claimed: Dispatch, problem: Problem, *, staff: bool = False) -> None:
        """Create or re-publish the courier order of a claimed attempt; on failure the store decides."""
        order_id = claimed.order_id
        try:
            courier_order = self._courier_order(order_id)
            booking = (self._re_add(courier_order) if claimed.ever_booked else self._courier.add_order(courier_order))
        except (CourierError, CourierUnavailable) as failure:
            self._needs_staff(order_id, problem, f"re-dispatch failed: {failure}", alert=not staff)
            if staff:
                raise (CourierRefused(str(failure)) if isinstance(failure, CourierError) else failure) from None
            return
        self._booked(order_id, booking)
        self._clear_flags(order_id)

    def _re_add(self, courier_order: CourierOrder) -> CourierBooking:
        """Re-publish; a refusal because the order is live again (our earlier call landed) counts as done."""
        try:
            return self._courier.re_add(courier_order)
        except CourierError:
            tracking = self._courier.status(courier_order.origin_id)
            if tracking.update.status.terminal:
                raise
            return CourierBooking(origin_id=courier_order.origin_id, fee_fen=tracking.fee_fen,
                                  distance_m=tracking.distance_m)

    def _booked(self, order_id: str, booking: CourierBooking) -> None:
        self._update(order_id, lambda d: d.moved(self._clock(), state=S.BOOKED, fee_fen=booking.fee_fen or d.fee_fen,
                                                 distance_m=booking.distance_m or d.distance_m)
                     if d.state in (S.BOOKING, S.BOOKED) else None)

    def _needs_staff(self, order_id: str, problem: Problem, note: str, *, alert: bool = True) -> None:
        """Flag the order first (the console's durable signal), then the state, then one alert."""
        self._dispatches.flag(order_id, problem.value, True)
        dispatch, changed = self._update(order_id, lambda d: d.moved(self._clock(), state=S.NEEDS_STAFF,
                                                                    problem=problem, note=note)
                                         if d.active and d.state != S.NEEDS_STAFF else None)
        if not changed:
            return
        logger.warning("delivery needs staff", extra={"order_id": order_id, "problem": problem.value})
        self._count("DispatchFailed" if problem == Problem.DISPATCH_FAILED else "DeliveryNeedsStaff")
        if alert:
            self._alerts.publish("delivery", f"Delivery needs staff: {problem.value} {order_id}",
                                 {"store_id": dispatch.store_id, "order_id": order_id, "problem": problem.value,
                                  "note": note})

    def _clear_flags(self, order_id: str) -> None:
        for problem in Problem:
            self._dispatches.flag(order_id, problem.value, False)

    def _move(self, order_id: str, action: OrderAction, by: str = "courier", *, at: str | None = None) -> bool:
        """Move the order (``_apply`` of the domain's move for ``action``)."""
        return self._apply(order_id, decide("delivery", action, at=at or iso(self._clock()), by=by))

    def _apply(self, order_id: str, move: StatusMove) -> bool:
        """Apply a move; a refusal (refunded or cancelled meanwhile) is logged, never retried. True when this
        call moved the order (a replay finds it moved already)."""
        try:
            return self._repository.apply(order_id, move).applied
        except TransitionRefused as refused:
            logger.info("order not moved by delivery", extra={"order_id": order_id, "action": move.action.value,
                                                              "status": refused.details.get("status")})
            return False

    def _picked_up(self, order_id: str, store_id: str, *, by: str, courier: str) -> None:
        """DELIVERING, and the guest told once: only the call that moved the order publishes (a repeated
        callback finds it moved); the guest_notify ledger drops a second delivery of the event."""
        decision = lifecycle.pick_up(order_id, store_id, at=iso(self._clock()), by=by, courier=courier)
        if self._apply(order_id, decision.move):
            self._bus.publish(list(decision.events))

    def _complete(self, order_id: str, by: str) -> None:
        """COMPLETED through the one completion path (it publishes OrderCompleted, which earns points)."""
        order = self._repository.get_order(order_id, consistent=True)
        try:
            complete_order(self._repository, self._bus, order, at=iso(self._clock()), by=by)
        except TransitionRefused:
            logger.info("order not completed by delivery", extra={"order_id": order_id, "status": order.status.value})

    def _platform(self, call: Callable[[], Any]) -> Any:
        try:
            return call()
        except CourierError as refusal:
            raise CourierRefused(f"{refusal.code}: {refusal.msg}", details={"courier_code": refusal.code}) from None

    def _get(self, order_id: str) -> Dispatch:
        dispatch = self._dispatches.get(order_id)
        if dispatch is None:
            raise NotFound("the order has no delivery", "该订单没有配送记录", code="DELIVERY_NOT_FOUND")
        return dispatch

    def _update(self, order_id: str, change: Callable[[Dispatch], Dispatch | None]) -> tuple[Dispatch, bool]:
        """Read, change, write conditioned on the read version; a lost race re-reads (a few times)."""
        for _ in range(WRITE_TRIES):
            current = self._get(order_id)
            changed = change(current)
            if changed is None:
                return current, False
            try:
                return self._dispatches.save(changed), True
            except DispatchChanged:
                continue
        raise DispatchChanged(details={"order_id": order_id})


def _rider_has_the_food(dispatch: Dispatch) -> bool:
    """A platform's rider is out with the order (the store's own people report no position)."""
    return dispatch.state == S.BOOKED and dispatch.history.status == CourierStatus.PICKED_UP


def _pickup_mark(order: Order) -> str:
    return f"{order.pickup_no:03d}" if order.pickup_no is not None else ""
