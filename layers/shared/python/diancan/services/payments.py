"""WeChat Pay in the order's life: prepay, notifications, query fallback, refunds and compensation.

One code path applies a payment whatever reported it (notification, query by the sweeper, the guest's
"I paid" check), so a lost notification and a duplicated one end in the same single PAID transition,
one voucher and one ``OrderPaid``. Money that arrives for an order cancelled meanwhile is refunded
automatically (compensation), never silently kept.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from diancan.domain import lifecycle
from diancan.domain.acceptance import (
    ALARM_SENT,
    ALARM_TASK,
    ALERT_KIND,
    NOT_ACCEPTED_REASON,
    TIMEOUT_TASK,
)
from diancan.domain.clock import business_day, iso, minute_of, parse_iso, utcnow
from diancan.domain.errors import Conflict, Forbidden, NotFound, UpstreamUnavailable
from diancan.domain.events import ORDER_PAID, ORDER_RELEASED
from diancan.domain.exceptions import (
    NonceReused,
    OrderAlreadyPaid,
    OrderNotInState,
    WeChatPayError,
    WeChatPayUnavailable,
)
from diancan.domain.order import Order
from diancan.domain.order_status import PAID_STATUSES, REFUNDABLE, OrderAction, OrderStatus, TransitionRefused
from diancan.domain.payments import (
    COUNTER_REFERENCE,
    OPEN_REFUND,
    SETTLED_REFUND,
    NotificationRejected,
    NotPaid,
    Refund,
    RefundStatus,
    check_refund,
    check_refund_lines,
    first_broken_link,
    refund_no,
    taken_at_counter,
)
from diancan.domain.tables import TAB_FLAG
from diancan.services.due_work import due_minutes
from diancan.services.ports import (
    AlertPublisher,
    EventPublisher,
    OrderRepository,
    PaymentLedger,
    WeChatPayClient,
)

if TYPE_CHECKING:
    from diancan.services.stats import StoreStats

logger = logging.getLogger(__name__)

REFUND_FOLLOW_UP = timedelta(minutes=2)
SWEEP_LOOKBACK = timedelta(hours=2)
MAX_MINUTES_PER_SWEEP = 180


class PaymentUnavailable(UpstreamUnavailable):
    code, message_zh, message_en = "PAYMENT_UNAVAILABLE", "微信支付暂时不可用，请稍后再试", "WeChat Pay is unavailable; please retry"


class RefundDayLimit(Forbidden):
    code, message_zh, message_en = "REFUND_DAY_LIMIT", "今日该订单退款已达您的上限，请联系店长", \
        "Your refunds of this order today would pass your daily limit; ask a manager"


class OrderExpired(Conflict):
    code, message_zh, message_en = "ORDER_EXPIRED", "订单已超时，请重新下单", "The order has expired; please order again"


def verify_chain(ledger: PaymentLedger, store_id: str) -> dict:
    """Walk a store's voucher chain (one paged GSI2 query) and report the first broken link, if any.

    Used by the console, by the daily reconciliation and by ``python -m tools.ops verify-chain``."""
    vouchers = list(ledger.vouchers(store_id))
    broken = first_broken_link(vouchers)
    return {"store_id": store_id, "vouchers": len(vouchers), "intact": broken is None, "first_broken_seq": broken,
            "paid_fen": sum(v.amount_fen for v in vouchers if v.kind == "payment"),
            "refunded_fen": sum(v.amount_fen for v in vouchers if v.kind == "refund")}


class PaymentService:
    def __init__(self, repository: OrderRepository, ledger: PaymentLedger, gateway: WeChatPayClient,
                 bus: EventPublisher, *,
                 business_tz: str, clock: Callable[[], datetime] = utcnow, stats: StoreStats | None = None,
                 alerts: AlertPublisher | None = None,
                 other_work: Mapping[str, Callable[[str], str]] | None = None) -> None:
        self._repository = repository
        self._ledger = ledger
        self._gateway = gateway
        self._bus = bus
        self._tz = business_tz
        self._clock = clock
        self._alerts = alerts  # the managers' alarm of an order nobody accepts (none: logged only)
        self._stats = stats  # the dashboard's counters: once per applied payment or settled refund (none: not counted)
        self._other_work = other_work or {}  # due work of other areas in the same buckets: task → run(order_id)

    # ---- paying ------------------------------------------------------------------------------------------

    def prepay(self, order: Order, description: str) -> str:
        try:
            return self._gateway.prepay_jsapi(order.order_id, order.total_fen, order.openid, description[:127],
                                              parse_iso(order.pay_expires_at))
        except (WeChatPayError, WeChatPayUnavailable) as error:
            logger.warning("prepay failed", extra={"order_id": order.order_id, "error": str(error)})
            raise PaymentUnavailable() from error

    def close_quietly(self, order_id: str) -> None:
        """Close a prepay whose order was never created (its parameters never reached a guest)."""
        try:
            self._gateway.close(order_id)
        except (WeChatPayError, WeChatPayUnavailable) as error:
            logger.info("close of an unused prepay failed", extra={"order_id": order_id, "error": str(error)})

    def pay_params(self, order: Order) -> dict:
        """``wx.requestPayment`` parameters for a guest's unpaid order (fresh signature, same prepay)."""
        if order.status != OrderStatus.PENDING_PAYMENT:
            raise Conflict("the order is not awaiting payment", "订单无需支付", code="NOT_AWAITING_PAYMENT",
                           details={"status": order.status.value})
        if parse_iso(order.pay_expires_at) <= self._clock() or not order.prepay_id:
            raise OrderExpired()
        return self._gateway.payment_params(order.prepay_id)

    # ---- notifications -----------------------------------------------------------------------------------

    def handle_notification(self, headers: dict, raw_body: str) -> str:
        """Verify and apply one WeChat Pay notification; returns what happened (for logs and metrics)."""
        notification = self._gateway.verify_notification(headers, raw_body, self._clock())
        body_hash = hashlib.sha256(raw_body.encode("utf-8")).hexdigest()
        event_type = notification["event_type"]
        resource = notification["resource"]
        try:
            if event_type == "TRANSACTION.SUCCESS":
                return self.apply_transaction(resource, nonce=notification["nonce"], body_hash=body_hash)
            if event_type.startswith("REFUND."):
                return self.apply_refund_result(resource, nonce=notification["nonce"], body_hash=body_hash)
        except NonceReused:
            raise NotificationRejected("NONCE_REUSED", "nonce seen before on another body") from None
        logger.info("notification ignored", extra={"event_type": event_type})
        return "ignored"

    def _check_merchant(self, resource: dict) -> None:
        config = self._gateway.config
        if resource.get("mchid") != config.mchid or resource.get("appid", config.appid) != config.appid:
            raise NotificationRejected("MERCHANT_MISMATCH", "appid or mchid is not ours")

    def apply_transaction(self, resource: dict, *, nonce: str | None = None, body_hash: str | None = None,
                          by: str = "wechatpay") -> str:
        """Apply a successful transaction (from a notification or a query) exactly once."""
        self._check_merchant(resource)
        if resource.get("trade_state") != "SUCCESS":
            return "not_paid"
        order_id = resource.get("out_trade_no", "")
        try:
            order = self._repository.get_order(order_id, consistent=True)
        except NotFound:
            raise NotificationRejected("UNKNOWN_ORDER", order_id) from None
        amount = int((resource.get("amount") or {}).get("total", -1))
        if amount != order.total_fen:
            logger.error("paid amount differs from the order", extra={"order_id": order_id, "paid_fen": amount,
                                                                      "total_fen": order.total_fen})
            raise NotificationRejected("AMOUNT_MISMATCH", f"{amount} != {order.total_fen}")
        now = self._clock()
        voucher_fields = {
            "store_id": order.store_id, "kind": "payment", "order_id": order_id,
            "reference": resource["transaction_id"], "amount_fen": amount,
            "payer": (resource.get("payer") or {}).get("openid", ""),
            "occurred_at": resource.get("success_time") or iso(now), "raw": resource,
        }
        if order.status == OrderStatus.PENDING_PAYMENT:
            ahead = order.release_at is not None and parse_iso(order.release_at) > now
            try:
                _voucher, pickup = self._ledger.mark_paid(
                    order_id=order_id, store_id=order.store_id, day=business_day(now, self._tz).isoformat(),
                    voucher_fields=voucher_fields, at=iso(now), by=by, nonce=nonce, body_hash=body_hash,
                    now_epoch=int(now.timestamp()), release_minute=_release_minute(order, now) if ahead else None)
            except OrderNotInState:
                order = self._repository.get_order(order_id, consistent=True)
            else:
                status = OrderStatus.SCHEDULED if ahead else OrderStatus.PAID
                paid = order.model_copy(update={"status": status, "pickup_no": pickup, "paid_at": iso(now),
                                                "transaction_id": resource["transaction_id"], "paid_fen": amount})
                if self._stats:
                    self._stats.record_paid(paid)
                self._publish_paid(paid)
                return "paid"
        if order.transaction_id == resource["transaction_id"]:
            if order.status != OrderStatus.CANCELLED and ORDER_PAID not in order.published:
                self._publish_paid(order)  # the first attempt failed before publishing: publish now
            return "replay"
        if order.status == OrderStatus.CANCELLED and order.transaction_id is None:
            self._ledger.record_late_payment(order_id=order_id, store_id=order.store_id, voucher_fields=voucher_fields,
                                            nonce=nonce, body_hash=body_hash, now_epoch=int(now.timestamp()))
            self._compensate(order.model_copy(update={"paid_fen": amount,
                                                      "transaction_id": resource["transaction_id"]}))
            return "compensated"
        logger.error("payment for an order in an unexpected state", extra={"order_id": order_id,
                                                                           "status": order.status.value})
        raise NotificationRejected("UNEXPECTED_STATE", order.status.value)

    def paid_elsewhere(self, order: Order) -> None:
        """A payment applied outside WeChat Pay (a tab paid at the counter, ``order`` as paid): the same
        once-per-applied-payment count, so the dashboard counts it. Call it only when your PAID write applied."""
        if self._stats:
            self._stats.record_paid(order)

    def paid_at_counter(self, order: Order, method: str, by: str, details: dict | None = None) -> bool:
        """The cashier took ``order``'s total (cash, card, a payment code: ``method``): PAID with a counter voucher
        in the chain, counted, OrderPaid published (its tickets print). False when the order was not awaiting
        payment any more (paid meanwhile, a repeat): nothing written."""
        now = self._clock()
        try:
            voucher, pickup = self._ledger.mark_paid_at_counter(
                order_id=order.order_id, store_id=order.store_id, day=business_day(now, self._tz).isoformat(),
                amount_fen=order.total_fen, method=method, at=iso(now), by=by, details=details)
        except OrderNotInState:
            return False
        paid = order.model_copy(update={"status": OrderStatus.PAID, "pickup_no": pickup, "paid_at": iso(now),
                                        "paid_fen": order.total_fen, "transaction_id": voucher.reference})
        self.paid_elsewhere(paid)
        self._publish_paid(paid)
        logger.info("paid at the counter", extra={"order_id": order.order_id, "method": method})
        return True

    def _publish_paid(self, order: Order) -> None:
        self._bus.publish([lifecycle.paid(order, at=iso(self._clock()))])
        self._repository.mark_published(order.order_id, ORDER_PAID)

    # ---- pre-orders ----------------------------------------------------------------------------------------

    def release(self, order_id: str) -> str:
        """A scheduled pre-order is due: SCHEDULED → PAID and ``OrderReleased`` (tickets print, the courier is
        booked). Safe to run twice: a released order whose event went out is "settled", one whose publish
        failed publishes now; an order refunded meanwhile stays as it is."""
        order = self._repository.get_order(order_id, consistent=True)
        decision = lifecycle.release_to_kitchen(order, at=iso(self._clock()))
        if order.status == OrderStatus.SCHEDULED:
            try:
                self._repository.apply(order_id, decision.move)
            except TransitionRefused:  # refunded between the read and the write
                return "settled"
        elif not lifecycle.paid_ahead(order) or ORDER_RELEASED in order.published or order.status not in PAID_STATUSES:
            return "settled"
        self._bus.publish(list(decision.events))
        self._repository.mark_published(order.order_id, ORDER_RELEASED)
        return "released"

    def _compensate(self, order: Order) -> None:
        try:
            self.refund(order.order_id, None, reason="paid_after_cancel", by="system:compensation")
        except Conflict:
            logger.info("compensation refund already started", extra={"order_id": order.order_id})

    # ---- refunds -----------------------------------------------------------------------------------------

    def refund(self, order_id: str, amount_fen: int | None, *, reason: str, by: str,
               food_made: bool = False, day_limit_fen: int | None = None, line_indexes: list[int] | None = None,
               only_if: OrderStatus | None = None) -> Refund:
        """Refund all (``amount_fen=None``) or part of a paid order. The sum never exceeds what was paid.

        ``line_indexes``: the order's lines a partial refund is for (kept on the refund and its OrderRefunded, so
        the kitchen's cancel ticket lists them); None when it names only an amount. ``only_if``: refund only an
        order still in that status, checked by the write itself (``OrderNotInState`` otherwise).

        ``day_limit_fen``: the most ``by`` may refund on this order in this business day, their refunds
        together (a cashier's limit). It is checked on the refunds read here, and the write below is
        conditional on the order's refund count read with them, so two concurrent refunds cannot both pass."""
        order = self._repository.get_order(order_id, consistent=True)
        late = "LATE_PAYMENT" in order.flags
        if not order.paid_fen or (order.status not in REFUNDABLE and not late):
            raise NotPaid(details={"status": order.status.value})
        if only_if is not None and order.status != only_if:
            raise OrderNotInState("order")
        amount = order.paid_fen - order.refund_committed_fen if amount_fen is None else amount_fen
        check_refund(amount, order.paid_fen, order.refund_committed_fen)
        lines = check_refund_lines(line_indexes, len(order.lines))
        earlier = self._ledger.refunds(order_id)
        count = len(earlier)
        number = refund_no(order_id, count + 1)
        now = self._clock()
        if day_limit_fen is not None:
            today = business_day(now, self._tz)
            mine = sum(r.amount_fen for r in earlier if r.requested_by == by and r.status != RefundStatus.FAILED
                       and business_day(parse_iso(r.created_at), self._tz) == today)
            if mine + amount > day_limit_fen:
                raise RefundDayLimit(details={"limit_fen": day_limit_fen, "refunded_today_fen": mine,
                                              "amount_fen": amount})
        try:
            self._ledger.start_refund(order_id=order_id, out_refund_no=number, amount_fen=amount, reason=reason,
                                      requested_by=by, food_made=food_made, at=iso(now),
                                      expected_committed=order.refund_committed_fen, expected_count=count,
                                      follow_up_minute=minute_of(now + REFUND_FOLLOW_UP),
                                      follow_up_expiry=int(now.timestamp()) + 30 * 24 * 3600, line_indexes=lines,
                                      expected_status=None if only_if is None else only_if.value)
        except Conflict:
            if only_if is not None and self._repository.get_order(order_id, consistent=True).status != only_if:
                raise OrderNotInState("order") from None
            raise
        if amount + order.refund_committed_fen >= order.paid_fen and not late:
            self._repository.transition(order_id, order.mode, OrderAction.REFUND, at=iso(now), by=by, note=reason)
        self._submit(self._ledger.get_refund(order_id, number), order)
        return self._ledger.get_refund(order_id, number)

    def _submit(self, refund: Refund, order: Order) -> None:
        if taken_at_counter(order.transaction_id):
            self._refund_at_counter(refund, order)
            return
        try:
            answer = self._gateway.refund(order.order_id, refund.out_refund_no, refund.amount_fen,
                                          order.paid_fen or order.total_fen, refund.reason)
        except WeChatPayUnavailable:
            logger.warning("refund submission deferred", extra={"order_id": order.order_id})
            return  # stays SUBMITTING; the sweeper resubmits with the same out_refund_no
        except WeChatPayError as error:
            self._ledger.fail_refund(refund)
            raise Conflict(f"WeChat Pay refused the refund: {error}", "微信支付拒绝退款", code="REFUND_REFUSED",
                           details={"wechatpay_code": error.code}) from error
        self._ledger.set_refund_status(order.order_id, refund.out_refund_no, status=RefundStatus.PROCESSING,
                                      expected=(RefundStatus.SUBMITTING,), refund_id=answer.get("refund_id"))
        if answer.get("status") in SETTLED_REFUND:
            self.apply_refund_result({**answer, "refund_status": answer["status"],
                                      "out_trade_no": order.order_id, "mchid": self._gateway.config.mchid})

    def _refund_at_counter(self, refund: Refund, order: Order) -> None:
        """An order paid at the counter is refunded there (cash handed back, card reversed on the terminal):
        WeChat Pay never saw it, so the refund succeeds at once with a counter voucher of the payment's method."""
        paid = next((v for v in self._ledger.order_vouchers(order.order_id) if v.kind == "payment"), None)
        self.apply_refund_result({"out_trade_no": order.order_id, "out_refund_no": refund.out_refund_no,
                                  "refund_id": f"{COUNTER_REFERENCE}{refund.out_refund_no}", "refund_status": "SUCCESS",
                                  "success_time": iso(self._clock()),
                                  "method": paid.method if paid else "counter:other"})

    def apply_refund_result(self, resource: dict, *, nonce: str | None = None, body_hash: str | None = None) -> str:
        if resource.get("mchid", self._gateway.config.mchid) != self._gateway.config.mchid:
            raise NotificationRejected("MERCHANT_MISMATCH", "mchid is not ours")
        order_id, number = resource.get("out_trade_no", ""), resource.get("out_refund_no", "")
        status = resource.get("refund_status") or resource.get("status")
        refund = self._ledger.get_refund(order_id, number)
        if refund is None:
            raise NotificationRejected("UNKNOWN_REFUND", number)
        if refund.status not in OPEN_REFUND:
            if refund.status == RefundStatus.SUCCESS:
                self._publish_refunded(self._repository.get_order(order_id, consistent=True), refund)
            return "replay"
        if status not in SETTLED_REFUND:
            return "pending"
        status = RefundStatus(status)
        order = self._repository.get_order(order_id, consistent=True)
        now = self._clock()
        full = order.refunded_fen + refund.amount_fen >= (order.paid_fen or 0) and order.status == OrderStatus.REFUNDING
        try:
            self._ledger.settle_refund(
                refund=refund, store_id=order.store_id, status=status, at=iso(now), nonce=nonce, body_hash=body_hash,
                now_epoch=int(now.timestamp()), full=full,
                voucher_fields={"store_id": order.store_id, "kind": "refund", "order_id": order_id,
                                "reference": resource.get("refund_id") or number, "amount_fen": refund.amount_fen,
                                "method": resource.get("method", "wechatpay"),
                                "occurred_at": resource.get("success_time") or iso(now), "raw": resource})
        except OrderNotInState:
            return "replay"
        if status == RefundStatus.SUCCESS:
            if self._stats:
                self._stats.record_refund(order, refund.amount_fen)
            if full and not refund.food_made and order.business_day == business_day(now, self._tz).isoformat():
                self._repository.restore_portions(order)  # today's portions; tomorrow starts from its own limit
            self._publish_refunded(order, refund)
            return "refunded"
        logger.error("refund did not succeed", extra={"order_id": order_id, "refund_status": status})
        return f"refund_{status.lower()}"

    def _publish_refunded(self, order: Order, refund: Refund) -> None:
        self._bus.publish([lifecycle.refunded(order, refund, at=iso(self._clock()))])

    # ---- lost notifications and expiry -------------------------------------------------------------------

    def sync(self, order_id: str) -> str:
        """Ask WeChat Pay about an unpaid order and apply a success (the guest's "I paid", the sweeper)."""
        result = self._gateway.query_by_out_trade_no(order_id)
        if result.get("trade_state") == "SUCCESS":
            return self.apply_transaction(result, by="wechatpay:query")
        return result.get("trade_state", "UNKNOWN").lower()

    def expire(self, order_id: str) -> str:
        order = self._repository.get_order(order_id, consistent=True)
        if order.status != OrderStatus.PENDING_PAYMENT:
            return "settled"
        if self.sync(order_id) in ("paid", "replay"):
            return "paid"
        try:
            self._gateway.close(order_id)
        except OrderAlreadyPaid:
            return self.sync(order_id)
        decision = lifecycle.release(order, OrderAction.EXPIRE, at=iso(self._clock()), by="system:expiry",
                                     reason="expired")
        if self._repository.release_order(order, decision.move).applied:
            self._bus.publish(list(decision.events))
        return "expired"

    def follow_up_refund(self, order_id: str, out_refund_no: str) -> str:
        refund = self._ledger.get_refund(order_id, out_refund_no)
        if refund is None or refund.status not in OPEN_REFUND:
            return "settled"
        order = self._repository.get_order(order_id, consistent=True)
        if refund.status == RefundStatus.SUBMITTING:
            self._submit(refund, order)
            refund = self._ledger.get_refund(order_id, out_refund_no)
            if refund.status == RefundStatus.SUBMITTING:  # WeChat Pay still unreachable: keep the follow-up
                raise UpstreamUnavailable("refund not yet submitted")
            if refund.status != RefundStatus.PROCESSING:
                return refund.status.lower()
        answer = self._gateway.query_refund(out_refund_no)
        return self.apply_refund_result({**answer, "refund_status": answer.get("status"),
                                         "out_trade_no": order_id, "out_refund_no": out_refund_no})

    # ---- orders nobody accepts (stores that accept by hand) ------------------------------------------------

    def alarm_unaccepted(self, order_id: str) -> str:
        """Alert the store's managers about a paid order still not accepted, once per order; an order accepted
        (or refunded) meanwhile is left alone."""
        order = self._repository.get_order(order_id, consistent=True)
        if order.status != OrderStatus.PAID or TAB_FLAG in order.flags:  # a table's tab: its rounds were cooked
            return "accepted"
        if ALARM_SENT in order.published:
            return "replay"
        waited = int((self._clock() - parse_iso(order.kitchen_at or order.created_at)).total_seconds() // 60)
        logger.warning("order not accepted", extra={"order_id": order_id, "store_id": order.store_id,
                                                    "waited_min": waited})
        if self._alerts is not None:
            self._alerts.publish(ALERT_KIND, f"Order not accepted: {order.store_id} #{order.pickup_no or ''}", {
                "store_id": order.store_id, "order_id": order_id, "pickup_no": order.pickup_no,
                "paid_at": order.paid_at, "waited_min": waited, "message": "订单付款后无人接单，请尽快处理"})
        self._repository.mark_published(order_id, ALARM_SENT)
        return "alarmed"

    def refund_unaccepted(self, order_id: str) -> str:
        """Cancel and refund in full a paid order nobody accepted in time, through the ordinary refund (the guest
        is told, portions and stock come back); conditional on the order still being PAID when it is written."""
        order = self._repository.get_order(order_id, consistent=True)
        if order.status != OrderStatus.PAID or TAB_FLAG in order.flags:
            return "accepted"
        try:
            self.refund(order_id, None, reason=NOT_ACCEPTED_REASON, by="system:accept_timeout",
                        only_if=OrderStatus.PAID)
        except OrderNotInState:
            return "accepted"
        logger.warning("order refunded: nobody accepted it", extra={"order_id": order_id, "store_id": order.store_id})
        return "auto_refunded"

    def sweep(self, now: datetime | None = None) -> dict:
        """Handle every bucket of due work from the cursor up to the last full minute. Work that fails on an
        unavailable outside service is moved to a later minute, so the cursor always advances."""
        now = now or self._clock()
        counts: dict[str, int] = {}
        for minute in due_minutes(self._ledger.sweep_cursor(), now, SWEEP_LOOKBACK, MAX_MINUTES_PER_SWEEP):
            for task in self._ledger.due(minute):
                outcome = self._run_task(task, now)
                counts[outcome] = counts.get(outcome, 0) + 1
            self._ledger.set_sweep_cursor(minute)
        return counts

    def _run_task(self, task, now: datetime) -> str:
        try:
            if task.task == "expire":
                outcome = self.expire(task.order_id)
            elif task.task == "release":
                outcome = self.release(task.order_id)
            elif task.task == "refund":
                outcome = self.follow_up_refund(task.order_id, task.ref)
                if outcome in ("pending", "processing"):
                    raise UpstreamUnavailable("refund still processing")
            elif task.task == ALARM_TASK:
                outcome = self.alarm_unaccepted(task.order_id)
            elif task.task == TIMEOUT_TASK:
                outcome = self.refund_unaccepted(task.order_id)
            elif task.task in self._other_work:
                outcome = self._other_work[task.task](task.order_id)
            else:
                outcome = "unknown_task"
        except UpstreamUnavailable:
            later = minute_of(now + timedelta(minutes=2))
            self._ledger.add_sweep(later, task.task, task.order_id, task.ref, int(now.timestamp()) + 30 * 24 * 3600)
            outcome = "deferred"
        self._ledger.done(task)
        return outcome


def _release_minute(order: Order, now: datetime) -> str:
    """The sweeper's bucket of a pre-order's release: the minute before it, so the sweep that runs in the
    release minute (it handles every full minute before now) sends it to the kitchen; never a minute before
    the current one, which the sweeper may have handled already (a release less than a minute ahead)."""
    return max(minute_of(parse_iso(order.release_at) - timedelta(minutes=1)), minute_of(now))
