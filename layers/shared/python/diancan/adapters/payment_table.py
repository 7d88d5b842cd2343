"""DynamoDB side of payments: the PAID transition with its voucher, pickup number and chain head in one
transaction; refunds; notification nonces; the sweeper's due-work buckets.

The store's CHAIN item is read, then written back in the same transaction under a condition on its
sequence number (optimistic locking). That keeps the voucher chain and the pickup numbers gapless under
any concurrency; a lost race simply retries with the new head.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass

from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError

from diancan.adapters import keys, order_writer
from diancan.adapters.due_work import DueWork
from diancan.adapters.records import (
    ChainHeadRecord,
    NonceRecord,
    OrderRecord,
    RefundRecord,
    SweepRecord,
    VoucherRecord,
    table_connection,
)
from diancan.adapters.transactions import ConditionFailed, Transaction, raise_for_cancellation
from diancan.domain.errors import Conflict, UpstreamUnavailable
from diancan.domain.exceptions import NonceReused, OrderNotInState
from diancan.domain.order_status import OrderAction, OrderStatus, decide
from diancan.domain.payments import COUNTER_REFERENCE, GENESIS, OPEN_REFUND, Refund, RefundStatus, Voucher

MAX_LEDGER_RACES = 25
NONCE_TTL_SECONDS = 2 * 24 * 3600
RELEASE_TASK_TTL_SECONDS = 40 * 24 * 3600  # past the longest pre-order window (30 days)


def _backoff(attempt: int) -> float:
    """Full-jitter exponential backoff, capped at 0.25 s: lost races on the chain head spread out fast."""
    return random.uniform(0, min(0.25, 0.005 * 2 ** attempt))


@dataclass(frozen=True)
class Ledger:
    seq: int
    head: str
    pickup_day: str | None
    pickup_no: int

    def next_pickup(self, day: str) -> int:
        return self.pickup_no + 1 if self.pickup_day == day else 1


def _refund(record: RefundRecord) -> Refund:
    return Refund(record.PK.removeprefix("ORDER#"), record.SK.removeprefix("REFUND#"), RefundStatus(record.status),
                  int(record.amount_fen), record.reason, record.requested_by, bool(record.food_made),
                  record.created_at, record.refund_id,
                  None if record.line_indexes is None else [int(i) for i in record.line_indexes])


class PaymentTable:
    def __init__(self, connection: Connection | None = None) -> None:
        self._connection = connection or table_connection()
        self._sweeps = DueWork("SWEEP")

    # ---- ledger ------------------------------------------------------------------------------------------

    def ledger(self, store_id: str) -> Ledger:
        try:
            record = ChainHeadRecord.get(keys.store(store_id), keys.CHAIN, consistent_read=True)
        except DoesNotExist:
            return Ledger(0, GENESIS, None, 0)
        return Ledger(int(record.chain_seq), record.chain_head, record.pickup_day, int(record.pickup_no))

    def _put_ledger(self, tx: Transaction, store_id: str, old: Ledger, new: Ledger) -> None:
        condition = (ChainHeadRecord.PK.does_not_exist() if old.seq == 0 and old.pickup_day is None
                     else ChainHeadRecord.chain_seq == old.seq)
        tx.put("ledger", ChainHeadRecord(keys.store(store_id), keys.CHAIN, chain_seq=new.seq, chain_head=new.head,
                                      pickup_day=new.pickup_day, pickup_no=new.pickup_no), condition=condition)

    def _put_voucher(self, tx: Transaction, voucher: Voucher) -> None:
        tx.put("voucher", VoucherRecord(keys.order(voucher.order_id), keys.voucher(voucher.reference),
                                        GSI2PK=keys.store_vouchers(voucher.store_id), GSI2SK=keys.seq(voucher.seq),
                                        doc=voucher.model_dump(mode="json")),
               condition=VoucherRecord.PK.does_not_exist())

    def _put_nonce(self, tx: Transaction, nonce: str | None, body_hash: str | None, now_epoch: int) -> None:
        if nonce:
            tx.put("nonce", NonceRecord(keys.notify_nonce(nonce), keys.NONCE, body_hash=body_hash,
                                        expires_at=now_epoch + NONCE_TTL_SECONDS),
                   condition=NonceRecord.PK.does_not_exist() | (NonceRecord.body_hash == body_hash))

    def _chained(self, store_id: str, build, write) -> Voucher:
        """Run ``write(tx, ledger, voucher)`` with a voucher built on the current chain head; retry lost races."""
        for attempt in range(MAX_LEDGER_RACES):
            ledger = self.ledger(store_id)
            voucher = build(ledger).sealed()
            tx = Transaction(self._connection)
            try:
                with tx:
                    write(tx, ledger, voucher)
                return voucher
            except TransactWriteError as error:
                try:
                    raise_for_cancellation(error, tx.labels)
                except ConditionFailed as failed:
                    if failed.label == "ledger":
                        time.sleep(_backoff(attempt))
                        continue
                    if failed.label == "nonce":
                        raise NonceReused("nonce seen on another body") from None
                    if failed.label in ("order", "voucher", "refund"):
                        raise OrderNotInState(failed.label) from None
                    raise
                except UpstreamUnavailable:
                    time.sleep(_backoff(attempt))
        raise UpstreamUnavailable("payment ledger busy", "系统繁忙，请稍后再试", code="LEDGER_BUSY")

    # ---- payments ------------------------------------------------------------------------------------------

    def mark_paid(self, *, order_id: str, store_id: str, day: str, voucher_fields: dict, at: str, by: str,
                  nonce: str | None, body_hash: str | None, now_epoch: int,
                  release_minute: str | None = None) -> tuple[Voucher, int]:
        """PENDING_PAYMENT → PAID, the payment voucher, the next pickup number and the chain head: one transaction.

        ``release_minute``: a pre-order paid ahead goes PENDING_PAYMENT → SCHEDULED instead, and its release
        task is filed in the sweeper's bucket of that minute in the same transaction (AP-PO3): a paid
        pre-order is never without its release."""
        chosen = {}
        action = OrderAction.PAY if release_minute is None else OrderAction.PAY_AHEAD

        def build(ledger: Ledger) -> Voucher:
            chosen["pickup"] = ledger.next_pickup(day)
            return Voucher(**voucher_fields, seq=ledger.seq + 1, prev_hash=ledger.head)

        def write(tx: Transaction, ledger: Ledger, voucher: Voucher) -> None:
            pickup = chosen["pickup"]
            self._put_nonce(tx, nonce, body_hash, now_epoch)
            order_writer.move_in(tx, order_id, decide(None, action, at=at, by=by), [
                OrderRecord.paid_at.set(at), OrderRecord.paid_fen.set(voucher.amount_fen),
                OrderRecord.transaction_id.set(voucher.reference), OrderRecord.pickup_no.set(pickup),
            ])
            if release_minute is not None:
                tx.put("sweep", SweepRecord(keys.sweep(release_minute), keys.sweep_item("release", order_id),
                                            task="release", order_id=order_id,
                                            expires_at=now_epoch + RELEASE_TASK_TTL_SECONDS))
            self._put_voucher(tx, voucher)
            self._put_ledger(tx, store_id, ledger, Ledger(voucher.seq, voucher.hash, day, pickup))

        voucher = self._chained(store_id, build, write)
        return voucher, chosen["pickup"]

    def mark_paid_at_counter(self, *, order_id: str, store_id: str, day: str, amount_fen: int, method: str,
                             at: str, by: str, details: dict | None = None) -> tuple[Voucher, int]:
        """Paid at the counter (cash, card, other): the same PAID transition, chained voucher and pickup number
        as a WeChat payment, with method ``counter:<method>`` and the staff member as payer. The reference is
        one per order, so a repeated counter payment is refused by the voucher's condition. ``details``: what the
        cashier recorded with it (cash given and change, a scanned payment code's transaction id), sealed in the
        voucher's ``raw``."""
        fields = {"store_id": store_id, "kind": "payment", "order_id": order_id, "reference": f"{COUNTER_REFERENCE}{order_id}",
                  "amount_fen": amount_fen, "method": f"counter:{method}", "payer": by, "occurred_at": at,
                  "raw": details or {}}
        return self.mark_paid(order_id=order_id, store_id=store_id, day=day, voucher_fields=fields, at=at, by=by,
                              nonce=None, body_hash=None, now_epoch=0)

    def record_late_payment(self, *, order_id: str, store_id: str, voucher_fields: dict, nonce: str | None,
                            body_hash: str | None, now_epoch: int) -> Voucher:
        """Money arrived for an order cancelled meanwhile: keep the voucher and flag the order for refund."""

        def build(ledger: Ledger) -> Voucher:
            return Voucher(**voucher_fields, seq=ledger.seq + 1, prev_hash=ledger.head)

        def write(tx: Transaction, ledger: Ledger, voucher: Voucher) -> None:
            self._put_nonce(tx, nonce, body_hash, now_epoch)
            tx.update("order", OrderRecord(keys.order(order_id), keys.ORDER), [
                OrderRecord.paid_fen.set(voucher.amount_fen), OrderRecord.transaction_id.set(voucher.reference),
                OrderRecord.flags.add({"LATE_PAYMENT"}), OrderRecord.version.add(1),
            ], condition=(OrderRecord.status == OrderStatus.CANCELLED.value)
                         & OrderRecord.transaction_id.does_not_exist())
            self._put_voucher(tx, voucher)
            self._put_ledger(tx, store_id, ledger, Ledger(voucher.seq, voucher.hash, ledger.pickup_day,
                                                          ledger.pickup_no))

        return self._chained(store_id, build, write)

    def vouchers(self, store_id: str) -> Iterator[Voucher]:
        """A store's voucher chain in order (GSI2 ``VOUCHERS#<sid>``), paged by pynamodb."""
        for record in VoucherRecord.gsi2.query(keys.store_vouchers(store_id)):
            yield Voucher.model_validate(record.doc)

    def chain_seq(self, store_id: str) -> int:
        """The seq of the store's newest voucher (0 before the first): where a shift's stretch of the chain starts."""
        return self.ledger(store_id).seq

    def vouchers_between(self, store_id: str, after_seq: int, upto_seq: int) -> list[Voucher]:
        """The store's vouchers with ``after_seq < seq <= upto_seq``, in order: one GSI2 range query."""
        if upto_seq <= after_seq:
            return []
        return [Voucher.model_validate(record.doc) for record in VoucherRecord.gsi2.query(
            keys.store_vouchers(store_id), VoucherRecord.GSI2SK.between(keys.seq(after_seq + 1), keys.seq(upto_seq)))]

    def order_vouchers(self, order_id: str) -> list[Voucher]:
        return [Voucher.model_validate(r.doc) for r in
                VoucherRecord.query(keys.order(order_id), VoucherRecord.SK.startswith("VOUCHER#"))]

    # ---- refunds -------------------------------------------------------------------------------------------

    def start_refund(self, *, order_id: str, out_refund_no: str, amount_fen: int, reason: str, requested_by: str,
                     food_made: bool, at: str, expected_committed: int, expected_count: int,
                     follow_up_minute: str, follow_up_expiry: int, line_indexes: list[int] | None = None,
                     expected_status: str | None = None) -> None:
        """Commit the amount on the order and create the refund record (status SUBMITTING), atomically.

        The optimistic condition on the committed sum and count makes concurrent refunds of one order
        serialise, so their sum can never pass what was paid. ``expected_status``: refund only an order still
        in that status (an automatic refund of an order nobody accepted leaves one accepted meanwhile alone)."""
        condition = (OrderRecord.refund_committed_fen == expected_committed) & (OrderRecord.refund_count == expected_count)
        if expected_status is not None:
            condition &= OrderRecord.status == expected_status
        tx = Transaction(self._connection)
        try:
            with tx:
                tx.update("order", OrderRecord(keys.order(order_id), keys.ORDER), [
                    OrderRecord.refund_committed_fen.add(amount_fen), OrderRecord.refund_count.add(1),
                    OrderRecord.version.add(1),
                ], condition=condition)
                tx.put("refund", RefundRecord(keys.order(order_id), keys.refund(out_refund_no),
                                              status=RefundStatus.SUBMITTING,
                                              amount_fen=amount_fen, reason=reason, requested_by=requested_by,
                                              food_made=food_made, created_at=at, line_indexes=line_indexes),
                       condition=RefundRecord.PK.does_not_exist())
                tx.put("sweep", SweepRecord(keys.sweep(follow_up_minute), keys.sweep_item("refund", out_refund_no),
                                            task="refund", order_id=order_id, ref=out_refund_no,
                                            expires_at=follow_up_expiry))
        except TransactWriteError as error:
            try:
                raise_for_cancellation(error, tx.labels)
            except ConditionFailed:
                raise Conflict("another refund of this order is in progress; retry", "订单正在退款，请稍后重试",
                               code="REFUND_IN_PROGRESS") from None

    def get_refund(self, order_id: str, out_refund_no: str) -> Refund | None:
        try:
            return _refund(RefundRecord.get(keys.order(order_id), keys.refund(out_refund_no), consistent_read=True))
        except DoesNotExist:
            return None

    def refunds(self, order_id: str) -> list[Refund]:
        return [_refund(r) for r in RefundRecord.query(keys.order(order_id), RefundRecord.SK.startswith("REFUND#"))]

    def set_refund_status(self, order_id: str, out_refund_no: str, *, status: RefundStatus,
                          expected: tuple[RefundStatus, ...],
                          refund_id: str | None = None) -> bool:
        """Conditional status change of a refund record; False when it was not in an expected status."""
        actions = [RefundRecord.status.set(status)]
        if refund_id:
            actions.append(RefundRecord.refund_id.set(refund_id))
        try:
            RefundRecord(keys.order(order_id), keys.refund(out_refund_no)).update(
                actions=actions, condition=RefundRecord.status.is_in(*expected))
            return True
        except UpdateError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise

    def fail_refund(self, refund: Refund) -> None:
        """A refund WeChat Pay refused: mark it FAILED, release the committed amount and flag the order for
        staff (it may be REFUNDING already), atomically."""
        tx = Transaction(self._connection)
        try:
            with tx:
                tx.update("refund", RefundRecord(keys.order(refund.order_id), keys.refund(refund.out_refund_no)),
                          [RefundRecord.status.set(RefundStatus.FAILED)],
                          condition=RefundRecord.status == RefundStatus.SUBMITTING)
                tx.update("order", OrderRecord(keys.order(refund.order_id), keys.ORDER),
                          [OrderRecord.refund_committed_fen.add(-refund.amount_fen),
                           OrderRecord.flags.add({"REFUND_FAILED"})])
        except TransactWriteError as error:
            try:
                raise_for_cancellation(error, tx.labels)
            except ConditionFailed:
                return  # already settled by another path

    def settle_refund(self, *, refund: Refund, store_id: str, voucher_fields: dict, status: RefundStatus, at: str,
                      nonce: str | None, body_hash: str | None, now_epoch: int, full: bool) -> Voucher | None:
        """SUCCESS: refund record, refund voucher, refunded sum (and REFUNDED when full) in one transaction.

        Other final statuses (ABNORMAL, CLOSED) only mark the refund and flag the order for staff."""
        if status != RefundStatus.SUCCESS:
            tx = Transaction(self._connection)
            try:
                with tx:
                    self._put_nonce(tx, nonce, body_hash, now_epoch)
                    tx.update("refund", RefundRecord(keys.order(refund.order_id), keys.refund(refund.out_refund_no)),
                              [RefundRecord.status.set(status), RefundRecord.settled_at.set(at)],
                              condition=RefundRecord.status.is_in(*OPEN_REFUND))
                    tx.update("order", OrderRecord(keys.order(refund.order_id), keys.ORDER),
                              [OrderRecord.flags.add({f"REFUND_{status}"}), OrderRecord.version.add(1)])
            except TransactWriteError as error:
                try:
                    raise_for_cancellation(error, tx.labels)
                except ConditionFailed as failed:
                    if failed.label == "nonce":
                        raise NonceReused("nonce seen on another body") from None
                    raise OrderNotInState(failed.label) from None
            return None

        def build(ledger: Ledger) -> Voucher:
            return Voucher(**voucher_fields, seq=ledger.seq + 1, prev_hash=ledger.head)

        def write(tx: Transaction, ledger: Ledger, voucher: Voucher) -> None:
            self._put_nonce(tx, nonce, body_hash, now_epoch)
            tx.update("refund", RefundRecord(keys.order(refund.order_id), keys.refund(refund.out_refund_no)),
                      [RefundRecord.status.set(RefundStatus.SUCCESS), RefundRecord.settled_at.set(at)],
                      condition=RefundRecord.status.is_in(*OPEN_REFUND))
            refunded = OrderRecord.refunded_fen.add(refund.amount_fen)
            if full:  # REFUNDING → REFUNDED with the refunded sum
                order_writer.move_in(tx, refund.order_id, decide(None, OrderAction.REFUND_DONE, at=at, by="wechatpay"),
                                     [refunded])
            else:
                tx.update("order", OrderRecord(keys.order(refund.order_id), keys.ORDER),
                          [refunded, OrderRecord.version.add(1)])
            self._put_voucher(tx, voucher)
            self._put_ledger(tx, store_id, ledger, Ledger(voucher.seq, voucher.hash, ledger.pickup_day,
                                                          ledger.pickup_no))

        return self._chained(store_id, build, write)

    # ---- sweeper -------------------------------------------------------------------------------------------

    def add_sweep(self, minute: str, task: str, order_id: str, ref: str | None, expires_at: int) -> None:
        self._sweeps.add(minute, task, order_id, ref, expires_at)

    def due(self, minute: str) -> list[SweepRecord]:
        return self._sweeps.due(minute)

    def done(self, record: SweepRecord) -> None:
        self._sweeps.done(record)

    def sweep_cursor(self) -> str | None:
        return self._sweeps.cursor()

    def set_sweep_cursor(self, minute: str) -> None:
        self._sweeps.set_cursor(minute)
