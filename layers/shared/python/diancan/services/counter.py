"""Counter ordering (POS): the cashier takes a walk-in guest's order on the console and takes the money.

The order is priced and checked exactly as the mini-program's (``OrderingService``: the store's menu, options,
limits, offers; never a client price), created with channel ``counter``, then paid at once: cash (the change
computed here from the cash given), a card terminal, or a payment code scanned (recorded as ``other`` with its
transaction id). ``PaymentService.paid_at_counter`` writes PAID with a counter voucher in the store's chain and
publishes OrderPaid, so the kitchen tickets print as for any paid order. Or the dishes join an open table's bill
as a staff round (``TableService.staff_round``), paid when the table settles.

The request key makes a repeat (double click, retry) answer the order it made, paid once.

A member found by phone tail or member code (``find_members``; never an openid in the console) can be named on the
quote and the sale by their member code: the order is then theirs (its openid), priced with their level and at most
one of their coupons exactly as their own mini-program order would be; the coupon is reserved in the order's one
transaction and its order key lives in the member's partition, so the same request key again (a double click)
answers the first order and neither uses the coupon twice nor earns points twice (points are earned by the
loyalty consumer once per order, when it completes).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from diancan.domain.counter import (
    MEMBERS_LISTED,
    CounterCart,
    CounterPayment,
    CounterSale,
    MemberQuery,
    normal_member_code,
)
from diancan.domain.errors import Conflict, NotFound
from diancan.domain.member_codes import masked, member_code
from diancan.domain.membership import MemberCard, level_for
from diancan.domain.order import Order, OrderRequest
from diancan.domain.order_status import OrderStatus
from diancan.domain.tables import STAFF_PREFIX
from diancan.services.menu import store_menu
from diancan.services.ordering import OrderingService
from diancan.services.ports import Cipher, MemberDirectory, OrderRepository

if TYPE_CHECKING:  # built on first use: the counter page's menu and quote load no WeChat Pay
    from diancan.services.coupons import CouponService
    from diancan.services.payments import PaymentService
    from diancan.services.tables import TableService

COUNTER_MODE = "takeout"  # a walk-in order that is not a table's: packed or eaten at the counter


class CounterService:
    def __init__(self, repository: OrderRepository, ordering: OrderingService, payments: PaymentService,
                 tables: TableService, *, members: MemberDirectory | None = None, cipher: Cipher | None = None,
                 coupons: CouponService | None = None) -> None:
        self._repository = repository
        self._ordering = ordering
        self._payments = payments
        self._tables = tables
        self._members = members  # None: no member lookup (a member code on a sale is then refused as unknown)
        self._cipher = cipher
        self._coupons = coupons

    def menu(self, store_id: str) -> dict:
        """The store's menu as the mini-program shows it (categories, dishes on the shelf, their options)."""
        return store_menu(self._repository, store_id, category=None, q=None, sort="default")

    def quote(self, store_id: str, sale: CounterCart) -> dict:
        """The price the guest will pay now, the store's offers applied (nothing written). With a member: their
        level and coupon too (one Query more, to find them by their code)."""
        openid = self._openid(sale.member_code) if sale.member_code else None
        quote = self._ordering.quote(_request(store_id, sale), openid)
        return {**quote.model_dump(mode="json"), "offers": quote.explain()}

    def find_members(self, text: str) -> dict:
        """Members whose bound phone ends in the 4 digits typed, or whose member code it is (chain-wide: one
        membership for every store). Two DynamoDB calls: one Query (GSI1 ``PHONETAIL#`` or GSI2 ``MEMBERCODE#``)
        and one BatchGetItem of the matches' points and phones (none when nobody matches). At most 10 are listed
        (``more``: there are others, ask for the member code). Rows show the phone masked, never an openid."""
        query = MemberQuery.parse(text)
        directory = self._directory()
        if query.phone_tail:
            openids = directory.with_phone_tail(query.phone_tail, MEMBERS_LISTED + 1)
        else:
            openids = directory.with_code(query.code or "", MEMBERS_LISTED + 1)
        cards = directory.cards(openids[:MEMBERS_LISTED]) if openids else []
        rows = [self._row(card) for card in cards]
        if query.phone_tail:  # the lookup item and the number are written together; this only guards the display
            rows = [row for row in rows if row["phone"].endswith(query.phone_tail)]
        return {"members": rows, "more": len(openids) > MEMBERS_LISTED}

    def member(self, store_id: str, code: str) -> dict:
        """One member chosen at the counter, with their coupons usable now at this store. Three DynamoDB calls:
        Query GSI2 ``MEMBERCODE#``, BatchGetItem (points, phone), Query of their wallet."""
        openid = self._openid(normal_member_code(code))
        [card] = self._directory().cards([openid])
        coupons = self._coupons.wallet(openid) if self._coupons is not None else []
        here = [c for c in coupons if c.get("store_ids") is None or store_id in c["store_ids"]]
        return {**self._row(card), "coupons": here}

    def sell(self, store_id: str, sale: CounterSale, staff_id: str, key: str) -> dict:
        """Take the order and its payment (or add it to a table's bill). The same key again answers the same."""
        by = f"{STAFF_PREFIX}{staff_id}"
        if sale.payment == CounterPayment.TABLE:
            added = self._tables.staff_round(sale.session_id or "", sale.items, staff_id, store_id=store_id)
            return {"payment": sale.payment.value, "session_id": sale.session_id, **added}
        openid = self._openid(sale.member_code) if sale.member_code else by  # a walk-in: nobody's account
        placed = self._ordering.place_at_counter(openid, _request(store_id, sale), key, by=by, sale=sale)
        order = placed.order
        receipt = sale.receipt(order.total_fen)
        if order.status == OrderStatus.PENDING_PAYMENT:
            self._payments.paid_at_counter(order, sale.payment.value, by, receipt)
            order = self._repository.get_order(order.order_id, consistent=True)
        member = {"member_code": sale.member_code} if sale.member_code else {}
        return {"payment": sale.payment.value, **receipt, **member, "order": _order_view(order)}

    def _directory(self) -> MemberDirectory:
        if self._members is None:
            raise NotFound("no member lookup here", "未找到会员", code="MEMBER_NOT_FOUND")
        return self._members

    def _openid(self, code: str) -> str:
        """The one member with this code (one Query of GSI2); 404 for none, 409 in the 1-in-a-trillion case of two."""
        openids = self._directory().with_code(code, 2)
        if not openids:
            raise NotFound("no member has this code", "未找到该会员", code="MEMBER_NOT_FOUND",
                           details={"member_code": code})
        if len(openids) > 1:
            raise Conflict("two members share this code: find them by phone tail", "会员码重复，请用手机尾号查找",
                           code="MEMBER_CODE_AMBIGUOUS", details={"member_code": code})
        return openids[0]

    def _row(self, card: MemberCard) -> dict:
        """What the cashier sees of a member: code, masked phone, level, points (never the openid)."""
        phone = ""
        if card.phone_enc and self._cipher is not None:
            phone = masked(self._cipher.decrypt(card.phone_enc))
        level = level_for(card.standing.spend_fen)
        return {"member_code": member_code(card.openid), "phone": phone, "level": level.level,
                "level_name": level.name, "points": card.standing.points}


def _request(store_id: str, sale: CounterCart) -> OrderRequest:
    return OrderRequest(store_id=store_id, mode=COUNTER_MODE, items=sale.items, remark=sale.remark,
                        coupon_id=sale.coupon_id)


def _order_view(order: Order) -> dict:
    return order.model_dump(mode="json", include={"order_id", "store_id", "status", "channel", "mode", "pickup_no",
                                                  "lines", "items_fen", "packing_fee_fen", "discounts",
                                                  "discount_fen", "total_fen", "paid_fen", "paid_at",
                                                  "transaction_id", "remark", "created_at"})
