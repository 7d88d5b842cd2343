"""The DynamoDB adapter: domain objects in, domain objects out, the fewest calls each use case needs.

Every state change is a conditional write; AWS condition failures become domain errors here and
nowhere else (``raise_for_cancellation``).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pynamodb.connection import Connection
from pynamodb.exceptions import (
    DoesNotExist,
    GetError,
    PutError,
    QueryError,
    TransactWriteError,
    UpdateError,
)

from diancan.adapters import keys, order_writer, service_state_table
from diancan.adapters.records import (
    CategoryRecord,
    DishRecord,
    OrderKeyRecord,
    OrderRecord,
    Record,
    ServiceStateRecord,
    SlotRecord,
    StockIssueRecord,
    StoreRecord,
    SweepRecord,
    TableRecord,
    UserRecord,
    table_connection,
)
from diancan.adapters.transactions import ConditionFailed, Transaction, raise_for_cancellation
from diancan.domain import stats
from diancan.domain.cart import DishUnavailable, InsufficientPortions
from diancan.domain.clock import iso, utcnow
from diancan.domain.errors import Conflict, InvalidRequest, NotFound
from diancan.domain.exceptions import OrderKeyTaken, PriceChanged
from diancan.domain.member_codes import member_code
from diancan.domain.menu import Category, Dish, Store
from diancan.domain.order import Order
from diancan.domain.order_status import (
    OrderAction,
    OrderStatus,
    StatusMove,
    TransitionRefused,
    TransitionResult,
    decide,
)
from diancan.domain.preorders import SlotFull
from diancan.domain.service_state import ServiceState
from diancan.domain.stock import StockIssue

if TYPE_CHECKING:
    from diancan.adapters.counters import Counters

IDEMPOTENCY_TTL_SECONDS = 24 * 3600


@dataclass(frozen=True)
class Menu:
    store: Store
    categories: list[Category]
    dishes: list[Dish]
    service: ServiceState = field(default_factory=ServiceState)  # busy, delivery paused, open tickets (same range)


@dataclass(frozen=True)
class OrderRead:
    """An order as its guest and the stock consumer read it: with its encrypted address and its stock issue."""

    order: Order
    encrypted_address: str | None
    stock_issue: StockIssue | None


class BatchRead[T]:
    """Another area's item fetched in the order's BatchGetItem (the guest's member standing), so it costs no
    call of its own: the area gives the key and how it turns the record (None when there is none) into its
    value; ``load_for_order`` fills ``value``."""

    def __init__(self, key: tuple[str, str], decode: Callable[[Record | None], T],
                 kind: type[Record] | None = None) -> None:
        self.key = key
        self.kind = kind  # the record class, for reads that filter on ``kind`` (order_with_issue)
        self._decode = decode
        self._value: T | None = None
        self._read = False

    def found(self, record: Record | None) -> None:
        self._value, self._read = self._decode(record), True

    @property
    def value(self) -> T:
        if not self._read:
            raise RuntimeError("BatchRead.value before load_for_order read it")
        return self._value  # type: ignore[return-value]


def _dish(record: DishRecord) -> Dish:
    return Dish.model_validate({
        **record.doc, "price_fen": int(record.price_fen), "on_shelf": record.on_shelf, "sold_out": record.sold_out,
        "portions_left": None if record.portions_left is None else int(record.portions_left),
        "daily_portions": None if record.daily_portions is None else int(record.daily_portions),
        "sold_count": int(record.sold_count or 0), "rating_sum": int(record.rating_sum or 0),
        "rating_count": int(record.rating_count or 0),
    })


def order_from_record(record: OrderRecord) -> Order:
    """The domain order from its stored record (the shared path for every adapter that reads orders)."""
    return Order.model_validate({
        **record.doc, "status": record.status, "history": record.history or [], "paid_at": record.paid_at,
        "pickup_no": None if record.pickup_no is None else int(record.pickup_no),
        "refunded_fen": int(record.refunded_fen or 0), "transaction_id": record.transaction_id,
        "prepay_id": record.prepay_id,
        "paid_fen": None if record.paid_fen is None else int(record.paid_fen),
        "refund_committed_fen": int(record.refund_committed_fen or 0), "flags": sorted(record.flags or ()),
        "published": sorted(record.published or ()),
    })


def menu_from_records(records: Iterable[Record]) -> Menu:
    """A store's menu from a range read of its partition (the shared path; other kinds of item are skipped)."""
    store, categories, dishes, service = None, [], [], ServiceState()
    for record in records:
        if isinstance(record, ServiceStateRecord):
            service = service_state_table.decode(record)
        elif isinstance(record, StoreRecord):
            store = Store.model_validate(record.doc)
        elif isinstance(record, CategoryRecord):
            categories.append(Category.model_validate(record.doc))
        elif isinstance(record, DishRecord):
            dishes.append(_dish(record))
    if store is None:
        raise NotFound("no such store", "门店不存在", code="STORE_NOT_FOUND")
    return Menu(store=store, categories=sorted(categories, key=lambda c: c.sort), dishes=dishes, service=service)


def _store_stamp() -> str:
    """``<utc iso>#<random>``: when the profile was written, unique even for two writes in one millisecond."""
    return f"{iso(utcnow())}#{secrets.token_hex(4)}"


def _store_record(store: Store, updated_at: str | None = None) -> StoreRecord:
    """Every write of a profile stamps ``updated_at`` (top level): the token ``update_store`` conditions on."""
    return StoreRecord(keys.store(store.store_id), keys.PROFILE, store_id=store.store_id, GSI1PK=keys.STORES,
                       GSI1SK=keys.store_listing(store.city, store.store_id), doc=store.model_dump(mode="json"),
                       updated_at=updated_at or _store_stamp())


def _category_record(category: Category) -> CategoryRecord:
    return CategoryRecord(keys.store(category.store_id), keys.category(category.sort, category.category_id),
                          doc=category.model_dump(mode="json"))


_DISH_STATE = {"price_fen", "on_shelf", "sold_out", "portions_left", "daily_portions", "sold_count", "rating_sum",
               "rating_count"}


def _dish_record(dish: Dish) -> DishRecord:
    return DishRecord(keys.store(dish.store_id), keys.dish(dish.dish_id), price_fen=dish.price_fen,
                      on_shelf=dish.on_shelf, sold_out=dish.sold_out, portions_left=dish.portions_left,
                      daily_portions=dish.daily_portions, sold_count=dish.sold_count, rating_sum=dish.rating_sum,
                      rating_count=dish.rating_count, doc=dish.model_dump(mode="json", exclude=_DISH_STATE))


def _table_record(store_id: str, table_no: str, seats: int, name: str) -> TableRecord:
    return TableRecord(keys.store(store_id), keys.table(table_no),
                       doc={"store_id": store_id, "table_no": table_no, "seats": seats, "name": name or table_no,
                            "active": True})


_ORDER_STATE_FIELDS = {"published", "status", "history", "paid_at", "pickup_no", "refunded_fen", "transaction_id", "paid_fen",
                       "prepay_id",
                       "refund_committed_fen", "flags"}


def _slot_record(store_id: str, slot: str) -> SlotRecord:
    day, hhmm = slot.split("T", 1)
    return SlotRecord(keys.slots(store_id, day), keys.slot(hhmm))


@dataclass(frozen=True)
class TransactionStep:
    """Another area's write that must succeed or fail with the order (a coupon reserved, points redeemed).

    ``write`` adds labelled items to the transaction; if the item labelled ``label`` fails its condition,
    ``create_order`` raises ``refusal``.
    """

    label: str
    write: Callable[[Transaction], None]
    refusal: Exception


class Repository:
    """All table access of the functions. Methods say which access pattern they serve (docs/table.md)."""

    def __init__(self, connection: Connection | None = None, *, counters: Counters | None = None) -> None:
        """``counters``: the dashboard's per-day counters, moved by ``transition`` once per APPLIED status
        change (never on a replay); without them (tools, tests) nothing is counted."""
        self._connection = connection or table_connection()
        self._counters = counters

    # ---- stores and menu -------------------------------------------------------------------------------

    def list_stores(self) -> list[Store]:
        """AP1: every store of the chain (GSI1 ``STORES``), one query."""
        return [Store.model_validate(r.doc) for r in StoreRecord.gsi1.query(keys.STORES)]

    def load_menu(self, store_id: str) -> Menu:
        """AP2: profile, categories and dishes of a store in one range query of its partition."""
        return menu_from_records(Record.query(keys.store(store_id), Record.SK.between(keys.MENU_FIRST, keys.MENU_LAST)))

    def get_dish(self, store_id: str, dish_id: str) -> Dish:
        """AP3: one dish."""
        try:
            return _dish(DishRecord.get(keys.store(store_id), keys.dish(dish_id)))
        except DoesNotExist:
            raise NotFound("no such dish", "菜品不存在", code="DISH_NOT_FOUND") from None

    def load_dishes(self, store_id: str, dish_ids: Iterable[str]) -> dict[str, Dish]:
        """Dishes by id in one BatchGetItem (the parts of an ordered combo)."""
        wanted = [(keys.store(store_id), keys.dish(d)) for d in sorted(set(dish_ids))]
        return {d.dish_id: d for d in (_dish(r) for r in DishRecord.batch_get(wanted))}

    def load_for_order(self, store_id: str, dish_ids: Iterable[str], table_no: str | None,
                       extra: Sequence[BatchRead] = ()) -> tuple[Store, dict[str, Dish], bool]:
        """AP4: the store profile, the dishes a cart names, its table and the ``extra`` items other areas ask
        for (the guest's member standing), in one BatchGetItem."""
        wanted = [(keys.store(store_id), keys.PROFILE)]
        wanted += [(keys.store(store_id), keys.dish(d)) for d in sorted(set(dish_ids))]
        if table_no:
            wanted.append((keys.store(store_id), keys.table(table_no)))
        asked = {read.key: read for read in extra}
        wanted += list(asked)
        store, dishes, table_exists, found = None, {}, False, {}
        for record in Record.batch_get(wanted):
            if (record.PK, record.SK) in asked:
                found[record.PK, record.SK] = record
            elif isinstance(record, StoreRecord):
                store = Store.model_validate(record.doc)
            elif isinstance(record, DishRecord):
                dish = _dish(record)
                dishes[dish.dish_id] = dish
            elif isinstance(record, TableRecord):
                table_exists = bool(record.doc.get("active", True))
        if store is None:
            raise NotFound("no such store", "门店不存在", code="STORE_NOT_FOUND")
        for key, read in asked.items():
            read.found(found.get(key))
        return store, dishes, table_exists

    def put_store(self, store: Store) -> None:
        _store_record(store).save()

    def put_category(self, category: Category) -> None:
        _category_record(category).save()

    def put_dish(self, dish: Dish) -> None:
        _dish_record(dish).save()

    def put_table(self, store_id: str, table_no: str, seats: int = 4, name: str = "") -> None:
        _table_record(store_id, table_no, seats, name).save()

    def put_menu(self, store: Store, categories: list[Category], dishes: list[Dish],
                 tables: list[tuple[str, int]]) -> None:
        """Write a whole store (profile, menu, tables) in BatchWriteItem calls of 25 (set-up and imports)."""
        with Record.batch_write() as batch:
            batch.save(_store_record(store))
            for category in categories:
                batch.save(_category_record(category))
            for dish in dishes:
                batch.save(_dish_record(dish))
            for table_no, seats in tables:
                batch.save(_table_record(store.store_id, table_no, seats, ""))

    # ---- users -----------------------------------------------------------------------------------------

    def record_login(self, openid: str, at: str, day: str) -> bool:
        """Create the user on first login (conditional put); later logins only touch ``last_login_at``.

        A new user is indexed by the local day they joined (GSI1 ``JOINED#<day>``) for new-member coupons, and
        every user by their member code (GSI2 ``MEMBERCODE#<code>``) for the counter; a login sets it again, so
        guests who joined before the index existed are found once they log in.
        Returns True when the user is new. One write in either case.
        """
        code = keys.member_code_of(member_code(openid))
        try:
            UserRecord(keys.user(openid), "PROFILE", openid=openid, created_at=at, last_login_at=at,
                       GSI1PK=keys.joined_on(day), GSI1SK=openid, GSI2PK=code, GSI2SK=openid,
                       ).save(condition=UserRecord.PK.does_not_exist())
            return True
        except PutError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
        UserRecord(keys.user(openid), "PROFILE").update(actions=[
            UserRecord.last_login_at.set(at), UserRecord.GSI2PK.set(code), UserRecord.GSI2SK.set(openid)])
        return False

    # ---- orders ----------------------------------------------------------------------------------------

    def create_order(self, order: Order, *, encrypted_address: str | None, idempotency_key: str,
                     request_hash: str, prices: dict[str, int], expires_at_epoch: int,
                     prepay_id: str | None = None, sweep_minute: str | None = None,
                     steps: Sequence[TransactionStep] = ()) -> None:
        """AP5: the order, its portion reservations, price checks and the idempotency key: one transaction.

        Each dish is either decremented (limited portions: ``portions_left >= qty``) or condition-checked
        (on the shelf, not sold out, same price as quoted), so nothing is ever sold that is not there.
        """
        doc = order.model_dump(mode="json", exclude=_ORDER_STATE_FIELDS | {"address"})
        doc["address_enc"] = encrypted_address
        record = order_writer.created(order, doc=doc, prepay_id=prepay_id)
        tx = Transaction(self._connection)
        try:
            with tx:
                tx.put("key", OrderKeyRecord(keys.user(order.openid), keys.order_key(idempotency_key),
                                             order_id=order.order_id, request_hash=request_hash,
                                             expires_at=expires_at_epoch + IDEMPOTENCY_TTL_SECONDS),
                       condition=OrderKeyRecord.PK.does_not_exist())
                tx.put("order", record, condition=OrderRecord.PK.does_not_exist())
                for step in steps:
                    step.write(tx)
                if sweep_minute:
                    tx.put("sweep", SweepRecord(keys.sweep(sweep_minute), keys.sweep_item("expire", order.order_id),
                                                task="expire", order_id=order.order_id,
                                                expires_at=expires_at_epoch + 7 * 24 * 3600))
                for dish_id in sorted(prices.keys() | order.reserved.keys()):
                    dish = DishRecord(keys.store(order.store_id), keys.dish(dish_id))
                    available = (DishRecord.on_shelf == True) & (DishRecord.sold_out == False)  # noqa: E712
                    if dish_id in prices:  # a combo's parts are not priced, only reserved
                        available &= DishRecord.price_fen == prices[dish_id]
                    qty = order.reserved.get(dish_id)
                    if qty:
                        tx.update(f"dish:{dish_id}", dish, [DishRecord.portions_left.add(-qty)],
                                  condition=available & (DishRecord.portions_left >= qty))
                    else:
                        tx.check(f"dish:{dish_id}", dish, available)
        except TransactWriteError as error:
            try:
                raise_for_cancellation(error, tx.labels)
            except ConditionFailed as failed:
                if failed.label == "key":
                    existing = self.get_order_key(order.openid, idempotency_key)
                    raise OrderKeyTaken(existing.order_id, existing.request_hash) from None
                if failed.label.startswith("dish:"):
                    raise self._why_dish_refused(order.store_id, failed.label[5:], prices) from None
                refused = next((s.refusal for s in steps if failed.label.startswith(s.label)), None)
                if refused is not None:
                    raise refused from None
                raise Conflict("order id collision, retry", "请重试") from None

    def _why_dish_refused(self, store_id: str, dish_id: str, prices: dict[str, int]) -> Exception:
        dish = self.get_dish(store_id, dish_id)
        if not dish.on_shelf or dish.sold_out:
            return DishUnavailable(f"{dish.name} is not available", f"{dish.name}已售罄或下架",
                                   details={"dish_id": dish_id})
        if dish_id in prices and dish.price_fen != prices[dish_id]:
            return PriceChanged(details={"dish_id": dish_id, "price_fen": dish.price_fen})
        return InsufficientPortions(f"only {dish.portions_left} left of {dish.name}",
                                    f"{dish.name}仅剩{dish.portions_left}份",
                                    details={"dish_id": dish_id, "portions_left": dish.portions_left})

    def get_order_key(self, openid: str, idempotency_key: str) -> OrderKeyRecord:
        return OrderKeyRecord.get(keys.user(openid), keys.order_key(idempotency_key), consistent_read=True)

    def order_key_of(self, openid: str, idempotency_key: str) -> tuple[str, str] | None:
        """The order an Idempotency-Key made and its request's hash (one consistent GetItem); None: unused."""
        try:
            record = self.get_order_key(openid, idempotency_key)
        except DoesNotExist:
            return None
        return record.order_id, record.request_hash

    def get_order(self, order_id: str, *, consistent: bool = False) -> Order:
        """AP6: one order by id."""
        return self.get_order_and_address(order_id, consistent=consistent)[0]

    def get_order_and_address(self, order_id: str, *, consistent: bool = False) -> tuple[Order, str | None]:
        """AP6: one order by id, with its encrypted delivery address (if any), in one GetItem."""
        try:
            record = OrderRecord.get(keys.order(order_id), keys.ORDER, consistent_read=consistent)
        except (DoesNotExist, GetError):
            raise NotFound("no such order", "订单不存在", code="ORDER_NOT_FOUND") from None
        return order_from_record(record), record.doc.get("address_enc")

    def order_with_issue(self, order_id: str, extra: Sequence[BatchRead] = ()) -> OrderRead:
        """AP6b: the order (with its encrypted address) and its stock issue, if any, in one strongly consistent
        Query of the order's partition: SK between ``ORDER`` and ``STOCK_ISSUE``, filtered on ``kind`` (key
        attributes cannot be filtered). The range also holds the order's print jobs, refunds, review and
        deduction markers: a handful of small items, read but not returned. ``extra`` are other areas' items
        of the same partition (a delivery order's ``DELIVERY``): the range widens to take them in, and each is
        handed what was found (None when absent)."""
        pk = keys.order(order_id)
        if any(read.key[0] != pk or read.kind is None for read in extra):
            raise ValueError("order_with_issue reads extra items of the order's own partition, by kind")
        low = min([keys.ORDER, *(read.key[1] for read in extra)])
        high = max([keys.STOCK_ISSUE, *(read.key[1] for read in extra)])
        wanted = {read.key[1]: read for read in extra}
        found: dict[str, Record] = {}
        order_record, issue = None, None
        try:
            for record in Record.query(pk, Record.SK.between(low, high), consistent_read=True,
                                       filter_condition=Record.kind.is_in(
                                           OrderRecord, StockIssueRecord, *(read.kind for read in extra))):
                if isinstance(record, OrderRecord):
                    order_record = record
                elif isinstance(record, StockIssueRecord):
                    issue = StockIssue.model_validate(record.doc)
                elif record.SK in wanted:
                    found[record.SK] = record
        except QueryError as error:
            if "ValidationException" not in str(error):
                raise
        if order_record is None:
            raise NotFound("no such order", "订单不存在", code="ORDER_NOT_FOUND")
        for sk, read in wanted.items():
            read.found(found.get(sk))
        return OrderRead(order_from_record(order_record), order_record.doc.get("address_enc"), issue)

    def list_user_orders(self, openid: str, *, start_key: dict | None, limit: int) -> tuple[list[Order], dict | None]:
        """AP7: a guest's orders newest first (GSI1 ``USER#<openid>``), one query per page: the page and the
        key the next page starts after (None on the last page). ``start_key`` is one this method returned:
        the service seals it in a signed cursor (adapters.tokens.CursorSealer) before a client sees it."""
        try:
            results = OrderRecord.gsi1.query(keys.user(openid), OrderRecord.GSI1SK.startswith("2"),
                                             scan_index_forward=False, limit=limit, last_evaluated_key=start_key)
            orders = [order_from_record(r) for r in results]
        except QueryError as error:
            if "ValidationException" in str(error):
                raise InvalidRequest("bad cursor", "分页参数有误", code="INVALID_CURSOR") from None
            raise
        return orders, (results.last_evaluated_key or None) if len(orders) == limit else None

    def transition(self, order_id: str, mode: str, action: OrderAction, *, at: str, by: str = "system",
                   note: str = "", extra: list | None = None) -> TransitionResult:
        """Move an order along the state machine: ``apply`` of the move the domain decides for ``action``."""
        return self.apply(order_id, decide(mode, action, at=at, by=by, note=note), extra=extra)

    def apply(self, order_id: str, move: StatusMove, *, extra: list | None = None) -> TransitionResult:
        """Apply a move the domain decided with one conditional update (no read first).

        The condition is "status is one the move starts from"; when it fails the order is read to tell a
        replay (already in the target status) from a refusal.
        """
        action, sources, target = move.action, move.sources, move.target
        try:
            record = order_writer.move_now(order_id, move, extra or [])
        except UpdateError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
            current = self.get_order(order_id, consistent=True)
            if current.status == target:
                return TransitionResult(order_id, target, applied=False)
            raise TransitionRefused(f"cannot {action} an order that is {current.status}",
                                    details={"status": current.status.value, "action": action.value}) from None
        if self._counters is not None:
            written = order_from_record(record)  # UpdateItem returned the whole new item: no read
            old = written.history[-2].status if len(written.history) > 1 else sources[0]
            moved = stats.transition(OrderStatus(old).value, target.value)
            if moved is not None:
                self._counters.count(written.store_id, written.business_day, moved)
        return TransitionResult(order_id, target, applied=True)

    def release_order(self, order: Order, move: StatusMove) -> TransitionResult:
        """Cancel or expire an unpaid order (``lifecycle.release``) and give its reserved portions back, in one
        transaction."""
        target = move.target
        tx = Transaction(self._connection)
        try:
            with tx:
                order_writer.move_in(tx, order.order_id, move)
                for dish_id, qty in sorted(order.reserved.items()):
                    tx.update(f"dish:{dish_id}", DishRecord(keys.store(order.store_id), keys.dish(dish_id)),
                              [DishRecord.portions_left.add(qty)], condition=DishRecord.portions_left.exists())
                if order.slot:
                    tx.update("slot", _slot_record(order.store_id, order.slot), [SlotRecord.taken.add(-1)],
                              condition=SlotRecord.taken > 0)
        except TransactWriteError as error:
            try:
                raise_for_cancellation(error, tx.labels)
            except ConditionFailed as failed:
                if failed.label != order_writer.ORDER_LABEL:  # a dish lost its limit (or the slot was reset): the order alone
                    return self.apply(order.order_id, move)
                current = self.get_order(order.order_id, consistent=True)
                if current.status == target:
                    return TransitionResult(order.order_id, target, applied=False)
                raise TransitionRefused(f"cannot {move.action} an order that is {current.status}",
                                        details={"status": current.status.value}) from None
        return TransitionResult(order.order_id, target, applied=True)

    # ---- pre-order slots ---------------------------------------------------------------------------------

    def take_slot(self, store_id: str, slot: str, capacity: int, *, expires_at_epoch: int) -> TransactionStep:
        """AP-PO1, for ``create_order``: one more pre-order in the store's slot (``YYYY-MM-DDTHH:MM``, local),
        an ADD on the condition that the slot is below ``capacity``: two orders racing for the last place
        cannot both commit. The item expires a week after the order was placed past its slot's day."""
        def write(tx: Transaction) -> None:
            tx.update("slot", _slot_record(store_id, slot), [
                SlotRecord.taken.add(1), SlotRecord.kind.set(SlotRecord), SlotRecord.expires_at.set(expires_at_epoch),
            ], condition=SlotRecord.taken.does_not_exist() | (SlotRecord.taken < capacity))
        return TransactionStep("slot", write, SlotFull(details={"slot": slot, "capacity": capacity}))

    def slot_counts(self, store_id: str, day: str) -> dict[str, int]:
        """AP-PO2: the pre-orders taken in each slot of a store's local ``day`` (one Query of the day's partition)."""
        return {f"{day}T{record.SK.removeprefix('SLOT#')}": int(record.taken or 0)
                for record in SlotRecord.query(keys.slots(store_id, day))}

    def mark_published(self, order_id: str, event_name: str) -> None:
        """Remember that an order's event went out, so a replayed notification does not send it again."""
        OrderRecord(keys.order(order_id), keys.ORDER).update(actions=[OrderRecord.published.add({event_name})])

    def restore_portions(self, order: Order) -> None:
        """Give an order's reserved portions back (a full refund before cooking). One UpdateItem per dish;
        a dish that has lost its daily limit meanwhile is left alone."""
        for dish_id, qty in sorted(order.reserved.items()):
            try:
                DishRecord(keys.store(order.store_id), keys.dish(dish_id)).update(
                    actions=[DishRecord.portions_left.add(qty)], condition=DishRecord.portions_left.exists())
            except UpdateError as error:
                if error.cause_response_code != "ConditionalCheckFailedException":
                    raise

    # ---- store profile under an optimistic lock (console) ----------------------------------------------

    def store_for_update(self, store_id: str) -> tuple[Store, str | None]:
        """A store's profile and its ``updated_at`` token (one GetItem); None for a profile never stamped."""
        try:
            record = StoreRecord.get(keys.store(store_id), keys.PROFILE, consistent_read=True)
        except DoesNotExist:
            raise NotFound("no such store", "门店不存在", code="STORE_NOT_FOUND") from None
        return Store.model_validate(record.doc), record.updated_at

    def update_store(self, store: Store, expected_updated_at: str | None) -> str:
        """Replace the profile only if it is still the one read (``updated_at`` unchanged), so a concurrent edit
        is refused (409 STORE_CHANGED) instead of silently lost. Returns the new token."""
        stamped = _store_stamp()
        still = (StoreRecord.updated_at == expected_updated_at if expected_updated_at
                 else StoreRecord.updated_at.does_not_exist())
        try:
            _store_record(store, stamped).save(condition=StoreRecord.PK.exists() & still)
        except PutError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
            raise Conflict("the store was changed meanwhile; reload and edit again", "门店信息刚被他人修改，请刷新后重试",
                           code="STORE_CHANGED", details={"store_id": store.store_id}) from None
        return stamped
