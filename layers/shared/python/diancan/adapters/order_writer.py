"""The one writer of an order's status: every other module only reads it (or conditions on it).

A status change is decided by the domain (``order_status.decide`` → ``StatusMove``); this module turns the
move into the order's conditional update (``status`` is one of the move's sources), either as one
UpdateItem or as the ``order`` item of another adapter's transaction (the paid order with its voucher and
chain head, the refunded order with its refund). What else changes on the order with its status (paid
amount, pickup number, refunded sum) comes in as ``extra`` actions of the caller. tests/unit/
test_order_writer.py fails if any other module sets the status or the history of an order.
"""

from __future__ import annotations

from collections.abc import Sequence

from diancan.adapters import keys
from diancan.adapters.records import OrderRecord
from diancan.adapters.transactions import Transaction
from diancan.domain.order import Order
from diancan.domain.order_status import StatusMove

ORDER_LABEL = "order"  # the label of the order's item in a transaction (for ConditionFailed)


def created(order: Order, *, doc: dict, prepay_id: str | None) -> OrderRecord:
    """The item that creates ``order`` in its first status (the caller puts it, on the condition that the id is new)."""
    return OrderRecord(
        keys.order(order.order_id), keys.ORDER, store_id=order.store_id, openid=order.openid,
        status=order.status.value, doc=doc, history=[h.model_dump(mode="json") for h in order.history],
        prepay_id=prepay_id,
        GSI1PK=keys.user(order.openid), GSI1SK=keys.timed(order.created_at, order.order_id),
        GSI2PK=keys.store_day(order.store_id, order.business_day),
        GSI2SK=keys.timed(order.created_at, order.order_id),
    )


def _update(move: StatusMove, extra: Sequence) -> tuple[list, object]:
    actions = [OrderRecord.status.set(move.target.value),
               OrderRecord.history.set(OrderRecord.history.append([move.entry()])),
               OrderRecord.version.add(1), *extra]
    if len(move.sources) == 1:
        condition = OrderRecord.status == move.sources[0].value
    else:
        condition = OrderRecord.status.is_in(*[s.value for s in move.sources])
    return actions, condition


def move_now(order_id: str, move: StatusMove, extra: Sequence = ()) -> OrderRecord:
    """Apply ``move`` with one conditional UpdateItem; the record returned holds the whole new item.
    A failed condition raises pynamodb's ``UpdateError`` (the caller tells a replay from a refusal)."""
    actions, condition = _update(move, extra)
    record = OrderRecord(keys.order(order_id), keys.ORDER)
    record.update(actions=actions, condition=condition)
    return record


def move_in(tx: Transaction, order_id: str, move: StatusMove, extra: Sequence = ()) -> None:
    """Add ``move`` to ``tx`` as the item labelled ``order``: the other items succeed or fail with it."""
    actions, condition = _update(move, extra)
    tx.update(ORDER_LABEL, OrderRecord(keys.order(order_id), keys.ORDER), actions, condition=condition)
