"""Dine-in table service: sessions, the shared cart, rounds (加菜), the table bill, service calls, and the
staff side (代客下单, counter payment, closing a table). Rules live in ``diancan.domain.tables``.

The tab (pay-after bill) is an ordinary order: created by the table's first tab round through
``OrderRepository.create_order`` (portions reserved, the round's cart items in the same transaction), its
lines appended by later rounds (portions reserved per round), priced with the store's offers once at
checkout, then paid through ``PaymentService`` (WeChat Pay) or at the counter (a chained voucher).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from diancan.domain.cart import CartItem, build_lines, portions_needed
from diancan.domain.clock import business_day, iso, utcnow
from diancan.domain.errors import Conflict, InvalidRequest, Unprocessable
from diancan.domain.events import PrintRequested
from diancan.domain.order import Order, OrderRequest, StatusChange
from diancan.domain.order_limits import OrderLimits
from diancan.domain.order_status import OrderAction, OrderStatus, TransitionRefused
from diancan.domain.pricing import Discount
from diancan.domain.promotions import Plan
from diancan.domain.table_codes import TableRef
from diancan.domain.tables import (
    STAFF_PREFIX,
    TAB_FLAG,
    CallKind,
    CartLine,
    CounterMethod,
    Round,
    SessionStatus,
    TableSession,
    check_cart_room,
    display_name,
    is_unpaid,
    price_bill,
    round_items,
    settle_mode,
    tab_after_round,
)
from diancan.services.ordering import OrderingService, new_order_id
from diancan.services.ports import EventPublisher, OrderRepository, PaymentLedger, Tables
from diancan.services.table_codes import TableCodes

if TYPE_CHECKING:  # built on first use (bootstrap.OnFirstUse): reading or quoting must not load WeChat Pay
    from diancan.services.payments import PaymentService

logger = logging.getLogger(__name__)

TAB_OPEN_HOURS = 12  # a tab's pay_expires_at until checkout sets the real payment window


def staff(staff_id: str) -> str:
    return f"{STAFF_PREFIX}{staff_id}"


class TableService:
    def __init__(self, tables: Tables, codes: TableCodes, repository: OrderRepository, ordering: OrderingService,
                 payments: PaymentService, payment_table: PaymentLedger, bus: EventPublisher, *, expiry_minutes: int,
                 business_tz: str,
                 clock: Callable[[], datetime] = utcnow, new_id: Callable[[], str] = lambda: secrets.token_hex(8)) -> None:
        self._tables = tables
        self._codes = codes
        self._repository = repository
        self._ordering = ordering
        self._payments = payments
        self._payment_table = payment_table
        self._bus = bus
        self._expiry = timedelta(minutes=expiry_minutes)
        self._tz = business_tz
        self._clock = clock
        self._new_id = new_id

    # ---- sessions ----------------------------------------------------------------------------------------

    def join(self, who: str, scene: str, nickname: str | None = None) -> dict:
        """A scan: open the table's session, or join the one that is open."""
        found = self._codes.resolve(scene)
        return self._open_or_join(TableRef(found["store_id"], found["table_no"]), who, nickname, table=found)

    def _open_or_join(self, ref: TableRef, who: str, nickname: str | None, *, table: dict) -> dict:
        store, _, _ = self._repository.load_for_order(ref.store_id, [], None)
        fresh = TableSession(session_id=self._new_id(), store_id=ref.store_id, table_no=ref.table_no,
                             mode=settle_mode(store), opened_by=who, opened_at=iso(self._clock()))
        session = self._tables.open_or_join(fresh, who, display_name(nickname, who))
        logger.info("table session joined", extra={"session_id": session.session_id, "store_id": ref.store_id,
                                                    "table_no": ref.table_no, "opened": session.opened_by == who})
        return {**session.view(who), "table_name": table.get("table_name") or table.get("name") or ref.table_no,
                "store_name": store.name}

    def _member_session(self, who: str, session_id: str) -> TableSession:
        session = self._tables.session(session_id)
        session.check_member(who)
        return session

    # ---- the shared cart ---------------------------------------------------------------------------------

    def cart(self, who: str, session_id: str, since: int | None = None) -> dict:
        """The table's cart; ``since`` = the version the client has: one GetItem answers "no change"."""
        session = self._member_session(who, session_id)
        if since is not None and since == session.version:
            return {"changed": False, "version": session.version, "status": session.status.value}
        session, lines, rounds = self._tables.session_items(session_id)
        return {"changed": True, **session.view(who), "lines": [line.view(who) for line in lines],
                "rounds": [_round_view(r) for r in sorted(rounds, key=lambda r: r.round_no)]}

    def add_line(self, who: str, session_id: str, item: CartItem) -> dict:
        session = self._member_session(who, session_id)
        session.check_open()
        store, dishes, _ = self._repository.load_for_order(session.store_id, [item.dish_id], None)
        build_lines(dishes, [item])  # the dish and its options exist and are on sale now
        OrderLimits.of(store).check([item])  # early word; the round checks the whole cart
        check_cart_room(len(self._tables.session_items(session_id)[1]))
        line = CartLine(line_id=self._new_id(), dish_id=item.dish_id, qty=item.qty, options=item.options,
                        added_by=who, added_by_name=session.guests.get(who, who), added_at=iso(self._clock()))
        self._tables.add_line(session_id, line)
        return self.cart(who, session_id)

    def set_qty(self, who: str, session_id: str, line_id: str, qty: int) -> dict:
        session = self._member_session(who, session_id)
        session.check_open()
        self._tables.set_qty(session_id, line_id, qty)
        return self.cart(who, session_id)

    # ---- rounds ------------------------------------------------------------------------------------------

    def submit_round(self, who: str, session_id: str, seen_version: int) -> dict:
        """Send the cart the sender saw (``seen_version``) as the next round."""
        session, lines, _ = self._tables.session_items(session_id)
        session.check_member(who)
        session.check_open()
        if session.version != seen_version:
            raise Conflict("the cart changed; review it and submit again", "购物车刚被同桌修改，请确认后再提交",
                           code="CART_CHANGED", details={"version": session.version})
        return self._round(session, who, round_items(lines), [line.line_id for line in lines])

    def _round(self, session: TableSession, who: str, items: list[CartItem], line_ids: list[str]) -> dict:
        number, at = session.round_count + 1, iso(self._clock())
        if not session.round_goes_to_tab(who):
            request = OrderRequest(store_id=session.store_id, mode="dine_in", table_no=session.table_no, items=items)
            placed = self._ordering.place(who, request, f"{session.session_id}-r{number}-v{session.version}")
            entry = Round(round_no=number, lines=placed.order.lines, by=who, at=at, order_id=placed.order.order_id,
                          on_tab=False, line_indexes=list(range(len(placed.order.lines))))
            self._tables.commit_round(self._tables.round_writes(session, session.version, entry, line_ids))
            return {"round": _round_view(entry), "pay_params": placed.pay_params}
        entry = self._tab_round(session, who, items, line_ids, number, at)
        self._bus.publish([PrintRequested(order_id=entry.order_id, store_id=session.store_id, at=at,
                                          reason="addon_round", round_no=number, line_indexes=entry.line_indexes,
                                          by=who)])
        return {"round": _round_view(entry), "pay_params": None}

    def _tab_round(self, session: TableSession, who: str, items: list[CartItem], line_ids: list[str], number: int,
                   at: str) -> Round:
        store, dishes, table_exists = self._repository.load_for_order(session.store_id, [i.dish_id for i in items],
                                                                      session.table_no)
        if not table_exists:
            self._codes.active_table(TableRef(session.store_id, session.table_no))
        OrderLimits.of(store).check(items)  # per round, as an order (a round paid at once is checked by place)
        lines = build_lines(dishes, items)
        reserved = portions_needed(lines, dishes)
        prices = {line.dish_id: line.base_price_fen for line in lines}
        if session.tab_order_id is None:
            now = self._clock()
            items_fen = sum(line.line_total_fen for line in lines)
            tab = Order(order_id=new_order_id(now, store.timezone), store_id=store.store_id, openid=who, mode="dine_in",
                        table_no=session.table_no, lines=lines, items_fen=items_fen, total_fen=items_fen,
                        reserved=reserved, created_at=at, business_day=business_day(now, store.timezone).isoformat(),
                        pay_expires_at=iso(now + timedelta(hours=TAB_OPEN_HOURS)),
                        history=[StatusChange(status=OrderStatus.PENDING_PAYMENT, at=at, by=who, note="table tab")])
            entry = Round(round_no=number, lines=lines, by=who, at=at, order_id=tab.order_id, on_tab=True,
                          line_indexes=list(range(len(lines))))
            write = self._tables.round_writes(session, session.version, entry, line_ids, tab_order_id=tab.order_id)
            self._repository.create_order(
                tab, encrypted_address=None, idempotency_key=f"tab-{session.session_id}",
                request_hash=hashlib.sha256(tab.order_id.encode()).hexdigest(), prices=prices,
                expires_at_epoch=int(now.timestamp()), steps=[self._tables.round_step(write)])
            self._tables.flag_tab(tab.order_id, TAB_FLAG)
            return entry
        tab = self._repository.get_order(session.tab_order_id, consistent=True)
        changes, indexes = tab_after_round(tab.lines, lines, tab.reserved, reserved)
        entry = Round(round_no=number, lines=lines, by=who, at=at, order_id=tab.order_id, on_tab=True,
                      line_indexes=indexes)
        self._tables.append_to_tab(self._tables.round_writes(session, session.version, entry, line_ids),
                                   store_id=session.store_id, tab_order_id=tab.order_id, changes=changes,
                                   prices=prices, reserved=reserved)
        return entry

    # ---- the bill ----------------------------------------------------------------------------------------

    def checkout(self, who: str, session_id: str, *, coupon_id: str | None = None, use_points: int = 0) -> dict:
        """One guest pays the whole tab: the store's offers and the payer's own (a coupon, points, member level)
        priced once over every round, then a WeChat Pay prepay."""
        session = self._member_session(who, session_id)
        tab = self._fix_bill(session, who, coupon_id=coupon_id, use_points=use_points)
        if tab.status != OrderStatus.PENDING_PAYMENT:
            return {"order_id": tab.order_id, "bill": _bill_view(tab), "paid": True, "pay_params": None}
        if tab.openid != who:
            raise Conflict("another guest is paying this table's bill", "同桌其他人正在付款", code="BILL_IN_PAYMENT")
        if not tab.prepay_id:
            prepay_id = self._payments.prepay(tab, f"{tab.table_no}桌-{tab.lines[0].name}等{len(tab.lines)}项")
            self._tables.save_prepay(tab.order_id, prepay_id)
            tab = tab.model_copy(update={"prepay_id": prepay_id})
        return {"order_id": tab.order_id, "bill": _bill_view(tab), "paid": False,
                "pay_params": self._payments.pay_params(tab)}

    def _fix_bill(self, session: TableSession, who: str, *, coupon_id: str | None = None,
                  use_points: int = 0) -> Order:
        """Price the tab once (the paying guest's offers with the store's) and fix it, the payer's coupon
        reserved and points redeemed in the same transaction. Staff pay with the store's offers only."""
        if session.tab_order_id is None:
            raise Unprocessable("nothing to pay on this table's bill", "本桌没有待结账的菜品", code="NOTHING_TO_PAY")
        if session.status == SessionStatus.OPEN:
            tab = self._repository.get_order(session.tab_order_id, consistent=True)
            payer = None if who.startswith(STAFF_PREFIX) else who
            member = self._ordering.standing_read(payer)
            store, _, _ = self._repository.load_for_order(session.store_id, [], None,
                                                          extra=[member] if member else ())
            now = self._clock()
            shopper = self._ordering.shopper(payer, now, member.value if member else None)
            bill = price_bill(tab.lines, store, now, shopper, coupon_id=coupon_id, use_points=use_points)
            if bill.total_fen < 1:
                raise Unprocessable("the order total must be at least 0.01", "订单金额至少0.01元", code="TOTAL_TOO_LOW")
            changes = {"discounts": [d.model_dump(mode="json") for d in bill.discounts],
                       "discount_fen": bill.discount_fen, "total_fen": bill.total_fen, "items_fen": bill.items_fen,
                       "pay_expires_at": iso(now + self._expiry)}
            steps = []
            if payer:
                changes["openid"] = payer
                # the reservation is checked against now (the tab itself may be hours old)
                steps = self._ordering.marketing_steps(payer, tab.model_copy(update={"created_at": iso(now)}),
                                                        _claimed(bill.discounts))
            self._tables.fix_bill(session, session.version, tab_order_id=tab.order_id, changes=changes, payer=payer,
                                  steps=steps)
        return self._repository.get_order(session.tab_order_id, consistent=True)

    def bill(self, who: str, session_id: str) -> dict:
        """What the table has ordered so far: rounds, their orders and the tab as priced now."""
        session, _, rounds = self._tables.session_items(session_id)
        session.check_member(who)
        orders = {r.order_id: self._repository.get_order(r.order_id) for r in rounds}
        tab = orders.get(session.tab_order_id or "")
        return {**session.view(who), "rounds": [_round_view(r) for r in sorted(rounds, key=lambda r: r.round_no)],
                "orders": [{"order_id": o.order_id, "status": o.status.value, "total_fen": o.total_fen,
                            "tab": o.order_id == session.tab_order_id} for o in orders.values()],
                "tab": _bill_view(tab) if tab else None,
                "unpaid": is_unpaid(tab.status.value if tab else None,
                                    [o.status.value for o in orders.values() if o is not tab])}

    # ---- service calls -----------------------------------------------------------------------------------

    def call(self, who: str, session_id: str, kind: CallKind) -> dict:
        session = self._member_session(who, session_id)
        if session.status == SessionStatus.CLOSED:
            session.check_open()
        call = {"call_id": self._new_id(), "kind": kind.value, "table_no": session.table_no,
                "by": session.guests.get(who, who), "at": iso(self._clock())}
        self._tables.add_call(session, call)
        return call

    # ---- staff (console) ---------------------------------------------------------------------------------

    def staff_open(self, store_id: str, table_no: str, staff_id: str, label: str = "") -> dict:
        """Open (or join) a table for guests without phones."""
        table = self._codes.active_table(TableRef(store_id, table_no))
        return self._open_or_join(TableRef(store_id, table_no), staff(staff_id), label or f"店员{staff_id}",
                                  table=table)

    def staff_round(self, session_id: str, items: list[CartItem], staff_id: str, *, store_id: str | None = None) -> dict:
        """A round sent by staff: to the kitchen at once, on the table's tab (paid at the end). ``store_id``: the
        store the staff member acts for; another store's table is refused as not open."""
        session = self._tables.session(session_id)
        if store_id is not None and session.store_id != store_id:
            raise InvalidRequest("no such open table in this store", "本店没有这张在用的桌台", code="TABLE_NOT_OPEN")
        session.check_open()
        return self._round(session, staff(staff_id), items, [])

    def pay_at_counter(self, session_id: str, method: CounterMethod, staff_id: str) -> dict:
        """The tab paid at the counter: bill fixed (offers once), then PAID with a counter voucher in the chain."""
        session = self._tables.session(session_id)
        tab = self._fix_bill(session, staff(staff_id))
        if tab.status == OrderStatus.PENDING_PAYMENT and tab.prepay_id:
            if self._payments.sync(tab.order_id) in ("paid", "replay"):  # a guest paid by WeChat meanwhile
                return self._paid_view(tab.order_id)
            self._payments.close_quietly(tab.order_id)
        if tab.status == OrderStatus.PENDING_PAYMENT:
            self._payments.paid_at_counter(tab, method.value, staff(staff_id))
        return self._paid_view(tab.order_id)

    def _paid_view(self, order_id: str) -> dict:
        order = self._repository.get_order(order_id, consistent=True)
        return {"order_id": order_id, "status": order.status.value, "bill": _bill_view(order)}

    def close(self, session_id: str, staff_id: str, *, force: bool = False) -> dict:
        """Free the table. Refused while money is owed unless ``force`` (a walk-out stays an unpaid order).
        A paid tab is served: it moves on to COMPLETED."""
        summary = self.bill(staff(staff_id), session_id)
        if summary["unpaid"] and not force:
            raise Conflict("the table has an unpaid bill", "本桌还有未结账的订单", code="TABLE_UNPAID")
        session = self._tables.session(session_id)
        at = iso(self._clock())
        if session.tab_order_id:
            self._complete(session.tab_order_id, at, staff(staff_id))
        self._tables.close(session, at)
        for call in self._tables.open_calls(session.store_id):
            if call["session_id"] == session_id:
                self._tables.answer_call(session_id, call["call_id"], staff(staff_id), at)
        return {**summary, "status": SessionStatus.CLOSED.value}

    def _complete(self, order_id: str, at: str, by: str) -> None:
        for action in (OrderAction.START, OrderAction.MARK_READY, OrderAction.COMPLETE):
            try:
                self._repository.transition(order_id, "dine_in", action, at=at, by=by, note="table closed")
            except TransitionRefused:
                continue  # unpaid (forced close), or already further along

    def open_tables(self, store_id: str) -> list[dict]:
        """The console's tables view: every open table with its rounds' orders and whether it owes money."""
        return [self.bill(STAFF_PREFIX + "console", s.session_id) for s in self._tables.open_sessions(store_id)]

    def open_calls(self, store_id: str) -> list[dict]:
        return self._tables.open_calls(store_id)

    def answer_call(self, session_id: str, call_id: str, staff_id: str) -> bool:
        return self._tables.answer_call(session_id, call_id, staff(staff_id), iso(self._clock()))


def _claimed(discounts: list[Discount]) -> Plan:
    """What the bill takes from the payer's wallet: the coupon it applies and the points it redeems."""
    return Plan(discounts=discounts, coupon_id=next((d.ref for d in discounts if d.kind == "coupon"), None),
                points_used=sum(d.points for d in discounts if d.kind == "points"))


def _round_view(entry: Round) -> dict:
    return {"round_no": entry.round_no, "by": entry.by if entry.by.startswith(STAFF_PREFIX) else "guest",
            "at": entry.at, "order_id": entry.order_id, "on_tab": entry.on_tab, "items_fen": entry.items_fen,
            "lines": [{"dish_id": line.dish_id, "name": line.name, "qty": line.qty,
                       "line_total_fen": line.line_total_fen} for line in entry.lines]}


def _bill_view(order: Order) -> dict:
    return {"order_id": order.order_id, "status": order.status.value, "items_fen": order.items_fen,
            "discounts": [d.model_dump(mode="json") for d in order.discounts], "discount_fen": order.discount_fen,
            "total_fen": order.total_fen, "lines": len(order.lines)}

