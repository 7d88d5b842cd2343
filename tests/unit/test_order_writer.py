"""One writer for the order's status: only adapters.order_writer sets an order's ``status`` or ``history``.

Every other module may read the status or condition on it, but a status change has to be a ``StatusMove``
decided by the domain (order_status.decide) and applied by the order writer."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from diancan.domain.order_status import (
    PAID_STATUSES,
    REFUNDABLE,
    TRANSITIONS,
    OrderAction,
    OrderStatus,
    TransitionRefused,
    decide,
)

pytestmark = pytest.mark.unit
PACKAGE = Path(__file__).resolve().parents[2] / "layers" / "shared" / "python" / "diancan"
WRITER = PACKAGE / "adapters" / "order_writer.py"
STATE = {"status", "history"}  # the status and its history change together


def _order_state_writes(tree: ast.AST) -> list[int]:
    """Lines that set an order's status or history: ``OrderRecord.status.set/remove/…(…)`` or an
    ``OrderRecord(…, status=…)`` item built to be written."""
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        sets = (isinstance(func, ast.Attribute) and func.attr in {"set", "remove", "add", "delete", "append"}
                and isinstance(func.value, ast.Attribute) and func.value.attr in STATE
                and isinstance(func.value.value, ast.Name) and func.value.value.id == "OrderRecord")
        builds = (isinstance(func, ast.Name) and func.id == "OrderRecord"
                  and any(k.arg in STATE for k in node.keywords))
        if sets or builds:
            lines.append(node.lineno)
    return lines


def test_only_the_order_writer_writes_the_order_status():
    offenders = {
        str(path.relative_to(PACKAGE)): lines
        for path in sorted(PACKAGE.rglob("*.py")) if path != WRITER
        if (lines := _order_state_writes(ast.parse(path.read_text(encoding="utf-8"))))
    }
    assert offenders == {}, "write the order's status through adapters.order_writer with a domain StatusMove"


def test_the_check_sees_a_status_write_and_the_writer_has_them():
    sample = ast.parse("OrderRecord(pk, sk, status='PAID')\nOrderRecord.status.set('PAID')\nOrderRecord.status == 'X'\n")
    assert _order_state_writes(sample) == [1, 2]
    assert _order_state_writes(ast.parse(WRITER.read_text(encoding="utf-8")))


def test_every_status_the_code_sets_is_reached_by_a_transition():
    reached = {target for table in TRANSITIONS.values() for target in table.values()}
    assert reached == set(OrderStatus) - {OrderStatus.PENDING_PAYMENT}  # the first status is set on creation


def test_a_move_names_its_sources_target_and_history_entry():
    paid = decide(None, OrderAction.PAY, at="2026-12-04T10:00:00Z", by="wechatpay")
    assert paid.sources == (OrderStatus.PENDING_PAYMENT,) and paid.target == OrderStatus.PAID
    assert paid.entry() == {"status": "PAID", "at": "2026-12-04T10:00:00Z", "by": "wechatpay", "note": ""}
    done = decide(None, OrderAction.REFUND_DONE, at="t")
    assert (done.sources, done.target) == ((OrderStatus.REFUNDING,), OrderStatus.REFUNDED)
    pick_up = decide("delivery", OrderAction.PICK_UP, at="t", by="courier")
    assert set(pick_up.sources) == {OrderStatus.PAID, OrderStatus.PREPARING, OrderStatus.READY}
    assert set(decide("takeout", OrderAction.REFUND, at="t").sources) == PAID_STATUSES
    with pytest.raises(TransitionRefused):
        decide("dine_in", OrderAction.PICK_UP, at="t")
    with pytest.raises(TransitionRefused):
        decide(None, OrderAction.PICK_UP, at="t")  # not an action every mode shares


def test_refundable_is_paid_plus_a_refund_under_way():
    assert PAID_STATUSES | {OrderStatus.REFUNDING} == REFUNDABLE
    assert OrderStatus.PENDING_PAYMENT not in REFUNDABLE and OrderStatus.REFUNDED not in REFUNDABLE
