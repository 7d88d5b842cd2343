"""DynamoDB access for coupons, member points and the points ledger (docs/table.md: AP21-AP23).

Every change is conditional: a template's stock never goes below zero, a guest's claims never pass the
limit, a coupon serves one order, and a points balance only moves together with a ledger line whose key
is the order and the movement, so a replayed event writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError

from diancan.adapters import keys
from diancan.adapters.records import (
    CouponClaimRecord,
    CouponTemplateRecord,
    GuestCouponRecord,
    MemberRecord,
    PointsEntryRecord,
    Record,
    table_connection,
)
from diancan.adapters.repository import BatchRead, TransactionStep
from diancan.adapters.transactions import ConditionFailed, Transaction, raise_for_cancellation
from diancan.domain.clock import iso
from diancan.domain.coupons import ClaimLimitReached, CouponsGone, CouponTemplate
from diancan.domain.errors import Conflict, NotFound
from diancan.domain.exceptions import NotEnoughPoints
from diancan.domain.membership import Standing
from diancan.domain.promotions import Coupon, CouponNotApplicable, WalletCoupon


@dataclass(frozen=True)
class PointsEntry:
    ref: str
    delta: int
    spend_delta: int
    at: str
    note: str


def _standing(record: Record | None) -> Standing:
    if not isinstance(record, MemberRecord):
        return Standing()
    return Standing(int(record.points or 0), int(record.spend_fen or 0), int(record.completed_orders or 0))


class MarketingTable:
    def __init__(self, connection: Connection | None = None) -> None:
        self._connection = connection or table_connection()

    # ---- templates and claims -----------------------------------------------------------------------

    def put_template(self, template: CouponTemplate) -> None:
        CouponTemplateRecord(keys.COUPON_TEMPLATES, keys.coupon_template(template.template_id),
                             stock=template.stock, doc=template.model_dump(mode="json", exclude={"stock"})).save()

    def _template(self, record: CouponTemplateRecord) -> CouponTemplate:
        return CouponTemplate.model_validate({**record.doc, "stock": int(record.stock)})

    def get_template(self, template_id: str) -> CouponTemplate:
        """One template by id (GetItem ``COUPONTPL/TPL#<tid>``)."""
        try:
            return self._template(CouponTemplateRecord.get(keys.COUPON_TEMPLATES, keys.coupon_template(template_id)))
        except DoesNotExist:
            raise NotFound("no such coupon", "优惠券不存在", code="COUPON_TEMPLATE_NOT_FOUND") from None

    def list_templates(self) -> list[CouponTemplate]:
        """Every template of the chain (one Query of ``COUPONTPL``; a chain has tens, not thousands)."""
        return [self._template(r) for r in CouponTemplateRecord.query(keys.COUPON_TEMPLATES)]

    def claim(self, openid: str, template: CouponTemplate, coupon: Coupon, period: str | None = None) -> None:
        """Stock down, the guest's claim count up, the coupon into the wallet: all or nothing. With a
        ``period`` the per-guest limit counts within it (``USER#<openid>/CLAIM#<tid>#<period>``)."""
        tx = Transaction(self._connection)
        counter = CouponClaimRecord(keys.user(openid), keys.coupon_claims_in(template.template_id, period) if period
                                    else keys.coupon_claims(template.template_id))
        try:
            with tx:
                tx.update("template", CouponTemplateRecord(keys.COUPON_TEMPLATES,
                                                           keys.coupon_template(template.template_id)),
                          [CouponTemplateRecord.stock.add(-1), CouponTemplateRecord.claimed.add(1)],
                          condition=CouponTemplateRecord.stock >= 1)
                tx.update("claims", counter, [CouponClaimRecord.count.add(1)],
                          condition=CouponClaimRecord.count.does_not_exist()
                          | (CouponClaimRecord.count < template.per_guest_limit))
                tx.put("coupon", self._coupon_record(openid, coupon), condition=GuestCouponRecord.PK.does_not_exist())
        except TransactWriteError as error:
            try:
                raise_for_cancellation(error, tx.labels)
            except ConditionFailed as failed:
                if failed.label == "template":
                    raise CouponsGone(details={"template_id": template.template_id}) from None
                if failed.label == "claims":
                    raise ClaimLimitReached(details={"template_id": template.template_id}) from None
                raise Conflict("coupon id collision, retry", "请重试") from None

    @staticmethod
    def _coupon_record(openid: str, coupon: Coupon) -> GuestCouponRecord:
        return GuestCouponRecord(keys.user(openid), keys.guest_coupon(coupon.coupon_id), status="available",
                                 valid_until=iso(coupon.valid_until), doc=coupon.model_dump(mode="json"))

    # ---- wallet ---------------------------------------------------------------------------------------

    def wallet(self, openid: str) -> list[WalletCoupon]:
        """A guest's coupons (Query ``USER#<openid>`` begins_with ``COUPON#``), expired ones included."""
        records = GuestCouponRecord.query(keys.user(openid), GuestCouponRecord.SK.startswith(keys.guest_coupon("")))
        return [WalletCoupon(Coupon.model_validate(r.doc), r.status, r.order_id) for r in records]

    def reserve_coupon(self, openid: str, coupon_id: str, order_id: str, at: str) -> TransactionStep:
        """For ``Repository.create_order``: the coupon is still available and unexpired, now it is the order's."""
        def write(tx: Transaction) -> None:
            tx.update("coupon", GuestCouponRecord(keys.user(openid), keys.guest_coupon(coupon_id)),
                      [GuestCouponRecord.status.set("reserved"), GuestCouponRecord.order_id.set(order_id)],
                      condition=(GuestCouponRecord.status == "available") & (GuestCouponRecord.valid_until > at))
        return TransactionStep("coupon", write, CouponNotApplicable(
            "the coupon was used or expired meanwhile", "优惠券已被使用或已过期", code="COUPON_TAKEN",
            details={"coupon_id": coupon_id}))

    def mark_coupon_used(self, openid: str, coupon_id: str, order_id: str, store_id: str, day: str, at: str) -> bool:
        """The order was paid: the coupon is spent; GSI2 ``COUPONUSE#<sid>#<day>`` lists it for reports."""
        return self._update_coupon(openid, coupon_id, [
            GuestCouponRecord.status.set("used"), GuestCouponRecord.GSI2PK.set(keys.coupon_uses(store_id, day)),
            GuestCouponRecord.GSI2SK.set(keys.timed(at, coupon_id))],
            (GuestCouponRecord.status == "reserved") & (GuestCouponRecord.order_id == order_id))

    def return_coupon(self, openid: str, coupon_id: str, order_id: str) -> bool:
        """The order was cancelled or refunded: the coupon goes back to the wallet (False on a replay)."""
        return self._update_coupon(openid, coupon_id, [
            GuestCouponRecord.status.set("available"), GuestCouponRecord.order_id.remove(),
            GuestCouponRecord.GSI2PK.remove(), GuestCouponRecord.GSI2SK.remove()],
            GuestCouponRecord.status.is_in("reserved", "used") & (GuestCouponRecord.order_id == order_id))

    def _update_coupon(self, openid: str, coupon_id: str, actions: list, condition) -> bool:
        try:
            GuestCouponRecord(keys.user(openid), keys.guest_coupon(coupon_id)).update(actions=actions,
                                                                                    condition=condition)
        except UpdateError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
            return False
        return True

    # ---- points ---------------------------------------------------------------------------------------

    def standing(self, openid: str) -> Standing:
        """Points, spend and completed orders (GetItem ``USER#<openid>/MEMBER``)."""
        try:
            return _standing(MemberRecord.get(keys.user(openid), keys.MEMBER))
        except DoesNotExist:
            return Standing()

    def standing_read(self, openid: str) -> BatchRead[Standing]:
        """The same standing, read in the order's BatchGetItem (``Repository.load_for_order(extra=...)``)."""
        return BatchRead((keys.user(openid), keys.MEMBER), _standing)

    def _post(self, tx: Transaction, openid: str, ref: str, delta: int, *, at: str, spend_delta: int = 0,
              completed_delta: int = 0, note: str = "") -> None:
        tx.put("entry", PointsEntryRecord(keys.user(openid), keys.points_entry(ref), delta=delta,
                                          spend_delta=spend_delta, at=at, note=note),
               condition=PointsEntryRecord.PK.does_not_exist())
        actions = [MemberRecord.kind.set(MemberRecord),  # typed for BatchGetItem through Record
                   MemberRecord.points.add(delta), MemberRecord.spend_fen.add(spend_delta),
                   MemberRecord.completed_orders.add(completed_delta)]
        condition = (MemberRecord.points >= -delta) if delta < 0 else None
        tx.update("member", MemberRecord(keys.user(openid), keys.MEMBER), actions, condition=condition)

    def redeem_points(self, openid: str, order_id: str, points: int, at: str) -> TransactionStep:
        """For ``Repository.create_order``: the points leave the balance with the order, or the order fails."""
        def write(tx: Transaction) -> None:
            self._post(tx, openid, f"{order_id}#redeem", -points, at=at, note="redeemed at checkout")
        return TransactionStep("member", write, NotEnoughPoints(details={"points": points}))

    def post_points(self, openid: str, ref: str, delta: int, *, at: str, spend_delta: int = 0,
                    completed_delta: int = 0, note: str = "") -> bool:
        """One ledger line and the balance change together; False when ``ref`` was already posted."""
        tx = Transaction(self._connection)
        try:
            with tx:
                self._post(tx, openid, ref, delta, at=at, spend_delta=spend_delta, completed_delta=completed_delta,
                           note=note)
        except TransactWriteError as error:
            try:
                raise_for_cancellation(error, tx.labels)
            except ConditionFailed as failed:
                if failed.label == "entry":
                    return False
                raise NotEnoughPoints(details={"points": -delta}) from None
        return True

    def ledger(self, openid: str) -> list[PointsEntry]:
        """A guest's points ledger (Query ``USER#<openid>`` begins_with ``POINTS#``)."""
        records = PointsEntryRecord.query(keys.user(openid), PointsEntryRecord.SK.startswith(keys.points_entry("")))
        return [PointsEntry(r.SK.removeprefix(keys.points_entry("")), int(r.delta), int(r.spend_delta or 0), r.at,
                            r.note) for r in records]

