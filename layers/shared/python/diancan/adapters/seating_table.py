"""DynamoDB side of dine-in tables: open sessions, the shared cart, rounds, the tab and service calls.

Concurrency: the cart is one item per line plus the session's ``version`` counter. Every cart change is a
transaction of (the line, the session with ``version + 1`` under "still open"), so two guests adding at
once each write their own line and neither can overwrite the other; a lost race inside DynamoDB
(TransactionConflict) wrote nothing and is simply retried. A round is committed only if the session's
version is still the one its sender saw, so a round never drops or doubles a line added meanwhile.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence

from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError

from diancan.adapters import keys
from diancan.adapters.records import (
    CartLineRecord,
    DishRecord,
    OrderRecord,
    Record,
    ServiceCallRecord,
    TableNameRecord,
    TableOpenRecord,
    TableRecord,
    TableRoundRecord,
    TableSessionRecord,
    table_connection,
)
from diancan.adapters.repository import TransactionStep
from diancan.adapters.transactions import ConditionFailed, Transaction, raise_for_cancellation
from diancan.domain.errors import Conflict, NotFound, UpstreamUnavailable
from diancan.domain.exceptions import CartChanged, SessionNotFound
from diancan.domain.order_status import OrderStatus
from diancan.domain.tables import STAFF_PREFIX, CartLine, Round, SessionStatus, TableSession, display_name

MAX_RACES = 8
Write = Callable[[Transaction], None]


def _session(record: TableSessionRecord) -> TableSession:
    return TableSession(
        session_id=record.PK.removeprefix("TSESSION#"), store_id=record.store_id, table_no=record.table_no,
        status=record.status, mode=record.mode, version=int(record.version), round_count=int(record.round_count),
        guests=record.guests.as_dict() if record.guests else {},
        opened_by=record.opened_by, opened_at=record.opened_at, tab_order_id=record.tab_order_id,
        closed_at=record.closed_at)


def _line(record: CartLineRecord) -> CartLine:
    return CartLine.model_validate({**record.doc, "qty": int(record.qty)})


def _retrying(write: Callable[[], None]) -> None:
    """Run a transaction, retrying DynamoDB's own conflicts (nothing was written) with jitter."""
    for attempt in range(MAX_RACES):
        try:
            return write()
        except UpstreamUnavailable:
            time.sleep(random.uniform(0, 0.01 * (attempt + 1)))
    raise UpstreamUnavailable("table busy, retry", "本桌操作繁忙，请稍后重试", code="TABLE_BUSY")


class SeatingTable:
    def __init__(self, connection: Connection | None = None) -> None:
        self._connection = connection or table_connection()

    def _transact(self, build: Write, refusals: dict[str, Exception]) -> None:
        """One labelled transaction; a failed condition becomes the refusal of its label's prefix."""
        tx = Transaction(self._connection)
        try:
            with tx:
                build(tx)
        except TransactWriteError as error:
            try:
                raise_for_cancellation(error, tx.labels)
            except ConditionFailed as failed:
                prefix = failed.label.split(":", 1)[0]
                raise refusals.get(prefix, CartChanged()) from None

    # ---- tables and sessions ---------------------------------------------------------------------------

    def table(self, store_id: str, table_no: str) -> dict | None:
        """TP1: the table as the store defines it (GetItem ``STORE#<sid>/TABLE#<no>``); None if removed."""
        try:
            return TableRecord.get(keys.store(store_id), keys.table(table_no)).doc
        except DoesNotExist:
            return None

    def tables(self, store_id: str) -> list[dict]:
        """TP1b: every table of a store (Query ``STORE#<sid>`` begins_with ``TABLE#``), for the code sheet."""
        return [r.doc for r in TableRecord.query(keys.store(store_id), TableRecord.SK.startswith(keys.table("")))]

    def open_or_join(self, fresh: TableSession, who: str, name: str) -> TableSession:
        """TP2: open ``fresh`` if the table has no open session (pointer put only if absent, with the session,
        in one transaction), else join the open one (add the guest to its map). Two calls either way."""
        pointer = TableOpenRecord(keys.store(fresh.store_id), keys.table_open(fresh.table_no),
                                  session_id=fresh.session_id)
        record = TableSessionRecord(
            keys.table_session(fresh.session_id), keys.TABLE_SESSION, store_id=fresh.store_id,
            table_no=fresh.table_no, status=fresh.status.value, mode=fresh.mode.value, version=0, round_count=0,
            guests={who: name}, opened_by=fresh.opened_by, opened_at=fresh.opened_at)

        def build(tx: Transaction) -> None:
            tx.put("open", pointer, condition=TableOpenRecord.PK.does_not_exist())
            tx.put("session", record, condition=TableSessionRecord.PK.does_not_exist())

        for _ in range(MAX_RACES):
            try:
                _retrying(lambda: self._transact(build, {}))
                return self._named(self.session(fresh.session_id), who, name)
            except CartChanged:
                pass  # the table is open already: join it
            try:
                session_id = TableOpenRecord.get(pointer.PK, pointer.SK, consistent_read=True).session_id
            except DoesNotExist:
                continue  # closed meanwhile: try to open again
            joined = self._join(session_id, who, name)
            if joined is not None:
                return self._named(joined, who, name)
        raise UpstreamUnavailable("table busy, retry", "本桌操作繁忙，请稍后重试", code="TABLE_BUSY")

    @staticmethod
    def _named(session: TableSession, who: str, name: str) -> TableSession:
        """A guest who gave a nickname (not the neutral tag): one PutItem ``USER#<openid>/TNAME#<sid>``, so
        erasing their data finds the session without a scan (adapters/personal_data.py, P8)."""
        if not who.startswith(STAFF_PREFIX) and session.guests.get(who) == name and name != display_name(None, who):
            TableNameRecord(keys.user(who), keys.table_name(session.session_id), store_id=session.store_id).save()
        return session

    def _join(self, session_id: str, who: str, name: str) -> TableSession | None:
        record = TableSessionRecord(keys.table_session(session_id), keys.TABLE_SESSION)
        try:
            if who in self.session(session_id).guests:
                return self.session(session_id)
            record.update(actions=[TableSessionRecord.guests[who].set(name)],
                          condition=TableSessionRecord.status != SessionStatus.CLOSED.value)
        except UpdateError as error:  # closed meanwhile: the caller opens a new session
            if error.cause_response_code == "ConditionalCheckFailedException":
                return None
            raise
        return self.session(session_id)

    def session(self, session_id: str) -> TableSession:
        """TP3: one session (consistent GetItem): the cheap "anything new since v" answer."""
        try:
            return _session(TableSessionRecord.get(keys.table_session(session_id), keys.TABLE_SESSION,
                                                   consistent_read=True))
        except DoesNotExist:
            raise SessionNotFound() from None

    def session_items(self, session_id: str) -> tuple[TableSession, list[CartLine], list[Round]]:
        """TP4: the session, its cart lines and rounds in one consistent Query of its partition."""
        session, lines, rounds = None, [], []
        for record in Record.query(keys.table_session(session_id), consistent_read=True):
            if isinstance(record, TableSessionRecord):
                session = _session(record)
            elif isinstance(record, CartLineRecord):
                lines.append(_line(record))
            elif isinstance(record, TableRoundRecord):
                rounds.append(Round.model_validate(record.doc))
        if session is None:
            raise SessionNotFound()
        return session, sorted(lines, key=lambda line: line.added_at), rounds

    def open_sessions(self, store_id: str) -> list[TableSession]:
        """TP5: a store's open tables: one Query of ``TABLEOPEN#`` in its partition, one BatchGet of sessions."""
        pointers = TableOpenRecord.query(keys.store(store_id), TableOpenRecord.SK.startswith(keys.TABLE_OPEN_PREFIX))
        wanted = [(keys.table_session(p.session_id), keys.TABLE_SESSION) for p in pointers]
        return sorted((_session(r) for r in TableSessionRecord.batch_get(wanted)), key=lambda s: s.table_no)

    # ---- the shared cart -------------------------------------------------------------------------------

    def _bump(self, tx: Transaction, session_id: str, condition=None) -> None:
        open_now = TableSessionRecord.status == SessionStatus.OPEN.value
        tx.update("session", TableSessionRecord(keys.table_session(session_id), keys.TABLE_SESSION),
                  [TableSessionRecord.version.add(1)], condition=open_now & condition if condition else open_now)

    def add_line(self, session_id: str, line: CartLine) -> None:
        """TP6: put the line and bump the version, in one transaction (retried on DynamoDB conflicts)."""
        record = CartLineRecord(keys.table_session(session_id), keys.cart_line(line.line_id), qty=line.qty,
                                doc=line.model_dump(mode="json", exclude={"qty"}))

        def build(tx: Transaction) -> None:
            tx.put("line", record, condition=CartLineRecord.PK.does_not_exist())
            self._bump(tx, session_id)

        _retrying(lambda: self._transact(build, {"session": _not_open(), "line": CartChanged()}))

    def set_qty(self, session_id: str, line_id: str, qty: int) -> None:
        """TP7: change a line's quantity (0 removes it) and bump the version, in one transaction."""
        record = CartLineRecord(keys.table_session(session_id), keys.cart_line(line_id))
        gone = NotFound("no such line in the cart", "该菜品已不在购物车中", code="CART_LINE_NOT_FOUND")

        def build(tx: Transaction) -> None:
            if qty == 0:
                tx.delete("line", record, condition=CartLineRecord.PK.exists())
            else:
                tx.update("line", record, [CartLineRecord.qty.set(qty)], condition=CartLineRecord.PK.exists())
            self._bump(tx, session_id)

        _retrying(lambda: self._transact(build, {"session": _not_open(), "line": gone}))

    # ---- rounds and the tab ----------------------------------------------------------------------------

    def round_writes(self, session: TableSession, seen_version: int, entry: Round, line_ids: list[str],
                     *, tab_order_id: str | None = None) -> Write:
        """The cart-side items of a round: lines deleted, the round written, the session moved on, only if
        the cart is still the version its sender saw. Labels start with ``table`` (for create_order steps)."""
        pk = keys.table_session(session.session_id)

        def write(tx: Transaction) -> None:
            for line_id in line_ids:
                tx.delete(f"table:line:{line_id}", CartLineRecord(pk, keys.cart_line(line_id)))
            tx.put("table:round", TableRoundRecord(pk, keys.table_round(entry.round_no),
                                                   doc=entry.model_dump(mode="json")),
                   condition=TableRoundRecord.PK.does_not_exist())
            actions = [TableSessionRecord.version.add(1), TableSessionRecord.round_count.set(entry.round_no)]
            if tab_order_id:
                actions.append(TableSessionRecord.tab_order_id.set(tab_order_id))
            tx.update("table:session", TableSessionRecord(pk, keys.TABLE_SESSION), actions,
                      condition=(TableSessionRecord.version == seen_version)
                      & (TableSessionRecord.status == SessionStatus.OPEN.value))

        return write

    def round_step(self, write: Write) -> TransactionStep:
        """A round's cart-side writes as a step of ``Repository.create_order`` (the tab's first round)."""
        return TransactionStep(label="table", write=write, refusal=CartChanged())

    def commit_round(self, write: Write) -> None:
        """TP8: a pay-first round (its order exists already): the round's cart-side items alone."""
        self._transact(write, {"table": CartChanged()})

    def append_to_tab(self, write: Write, *, store_id: str, tab_order_id: str, changes: dict,
                      prices: dict[str, int], reserved: dict[str, int]) -> None:
        """TP9: a later round on the tab: the tab's lines and totals, this round's portions reserved (and its
        dishes' shelf and price checked) and the cart-side items, in one transaction."""
        doc = {**OrderRecord.get(keys.order(tab_order_id), keys.ORDER, consistent_read=True).doc, **changes}

        def build(tx: Transaction) -> None:
            write(tx)
            tx.update("tab", OrderRecord(keys.order(tab_order_id), keys.ORDER),
                      [OrderRecord.doc.set(doc), OrderRecord.version.add(1)],
                      condition=OrderRecord.status == OrderStatus.PENDING_PAYMENT.value)
            reserve_dishes(tx, store_id, prices, reserved)

        self._transact(build, {"table": CartChanged(), "tab": _not_open(), "dish": DISH_REFUSED})

    def fix_bill(self, session: TableSession, seen_version: int, *, tab_order_id: str, changes: dict,
                 payer: str | None, steps: Sequence[TransactionStep] = ()) -> None:
        """TP10: checkout: the tab's final lines, discounts and total (and payer), and the session SETTLING
        (no more rounds), atomically and only if no round came in since the bill was priced. ``steps``: the
        payer's coupon reserved and points redeemed in the same transaction, or the checkout fails."""
        doc = {**OrderRecord.get(keys.order(tab_order_id), keys.ORDER, consistent_read=True).doc, **changes}
        actions = [OrderRecord.doc.set(doc), OrderRecord.version.add(1)]
        if payer:
            actions += [OrderRecord.openid.set(payer), OrderRecord.GSI1PK.set(keys.user(payer))]

        def build(tx: Transaction) -> None:
            tx.update("tab", OrderRecord(keys.order(tab_order_id), keys.ORDER), actions,
                      condition=OrderRecord.status == OrderStatus.PENDING_PAYMENT.value)
            tx.update("session", TableSessionRecord(keys.table_session(session.session_id), keys.TABLE_SESSION),
                      [TableSessionRecord.status.set(SessionStatus.SETTLING.value), TableSessionRecord.version.add(1)],
                      condition=(TableSessionRecord.version == seen_version)
                      & (TableSessionRecord.status == SessionStatus.OPEN.value))
            for step in steps:
                step.write(tx)

        self._transact(build, {"tab": _not_open(), "session": CartChanged(),
                               **{step.label: step.refusal for step in steps}})

    def flag_tab(self, order_id: str, flag: str) -> None:
        OrderRecord(keys.order(order_id), keys.ORDER).update(actions=[OrderRecord.flags.add({flag})])

    def save_prepay(self, order_id: str, prepay_id: str) -> None:
        OrderRecord(keys.order(order_id), keys.ORDER).update(
            actions=[OrderRecord.prepay_id.set(prepay_id)],
            condition=OrderRecord.status == OrderStatus.PENDING_PAYMENT.value)

    def close(self, session: TableSession, at: str) -> None:
        """TP11: the table is free again: pointer deleted (if still this session's) and the session CLOSED."""
        def build(tx: Transaction) -> None:
            tx.delete("open", TableOpenRecord(keys.store(session.store_id), keys.table_open(session.table_no)),
                      condition=TableOpenRecord.session_id == session.session_id)
            tx.update("session", TableSessionRecord(keys.table_session(session.session_id), keys.TABLE_SESSION),
                      [TableSessionRecord.status.set(SessionStatus.CLOSED.value), TableSessionRecord.closed_at.set(at),
                       TableSessionRecord.version.add(1)],
                      condition=TableSessionRecord.status != SessionStatus.CLOSED.value)

        self._transact(build, {"open": _closed(), "session": _closed()})

    # ---- service calls ---------------------------------------------------------------------------------

    def add_call(self, session: TableSession, call: dict) -> None:
        """TP12: a call, listed on GSI2 ``CALLS#<sid>`` until answered."""
        ServiceCallRecord(keys.table_session(session.session_id), keys.service_call(call["call_id"]), status="open",
                          GSI2PK=keys.open_calls(session.store_id), GSI2SK=keys.timed(call["at"], call["call_id"]),
                          doc=call).save(condition=ServiceCallRecord.PK.does_not_exist())

    def answer_call(self, session_id: str, call_id: str, by: str, at: str) -> bool:
        """TP13: answered (conditional on still open), removed from the open list; False if it was not open."""
        record = ServiceCallRecord(keys.table_session(session_id), keys.service_call(call_id))
        try:
            record.update(actions=[ServiceCallRecord.status.set("answered"), ServiceCallRecord.GSI2PK.remove(),
                                   ServiceCallRecord.GSI2SK.remove()],
                          condition=ServiceCallRecord.status == "open")
        except UpdateError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def open_calls(self, store_id: str) -> list[dict]:
        """TP14: a store's open calls, oldest first (one Query of GSI2 ``CALLS#<sid>``)."""
        return [{**r.doc, "session_id": r.PK.removeprefix("TSESSION#")}
                for r in ServiceCallRecord.gsi2.query(keys.open_calls(store_id))]


DISH_REFUSED = Conflict("a dish just sold out or changed; review the cart", "有菜品刚刚售罄或变价，请确认后重试",
                        code="DISH_CHANGED")


def reserve_dishes(tx: Transaction, store_id: str, prices: dict[str, int], reserved: dict[str, int]) -> None:
    """Each dish of a round on the shelf at the quoted price; limited ones decremented (never below zero)."""
    for dish_id, price in sorted(prices.items()):
        dish = DishRecord(keys.store(store_id), keys.dish(dish_id))
        available = (DishRecord.on_shelf == True) & (DishRecord.sold_out == False)  # noqa: E712
        available &= DishRecord.price_fen == price
        qty = reserved.get(dish_id)
        if qty:
            tx.update(f"dish:{dish_id}", dish, [DishRecord.portions_left.add(-qty)],
                      condition=available & (DishRecord.portions_left >= qty))
        else:
            tx.check(f"dish:{dish_id}", dish, available)


def _not_open() -> Conflict:
    return Conflict("this table is not taking orders now", "本桌当前无法点餐（已结账或已结束）", code="TABLE_NOT_OPEN")


def _closed() -> Conflict:
    return Conflict("the table is closed already", "本桌已结束", code="TABLE_CLOSED")
