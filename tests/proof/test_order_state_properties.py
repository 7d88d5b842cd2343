"""Property: random sequences of actions on an order — duplicated and reordered, as notifications, staff
and sweepers deliver them — applied through the real Repository and PaymentService under moto never
reach an invalid state, never apply a refused move, and never lose money."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from diancan.domain import lifecycle
from diancan.domain.clock import iso, utcnow
from diancan.domain.errors import DomainError
from diancan.domain.order_status import TRANSITIONS, OrderAction, OrderStatus
from tests.proof.orders import unpaid_order
from tests.proof.wechatpay_model import WeChatPayModel

pytestmark = pytest.mark.handlers

MOVES = {"start": OrderAction.START, "ready": OrderAction.MARK_READY, "pick_up": OrderAction.PICK_UP,
         "complete": OrderAction.COMPLETE}
# weighted so that sequences get past payment often enough to reach refunds (cancel/expire end most early)
ACTIONS = ["pay", "cancel", "expire", "start", "start", "ready", "pick_up", "complete", "refund", "refund",
           "refund_done", "refund_done", "refund_done"]
STEP = st.tuples(
    st.sampled_from(ACTIONS),
    st.one_of(st.none(), st.integers(-5, 3000)),  # refund amount (None = all that is left)
    st.integers(0, 3),  # which refund a refund_done settles
    st.booleans(),  # delivered twice
)


@pytest.fixture
def world(demo_chain):
    from diancan import bootstrap
    from diancan.services.payments import PaymentService

    gateway = WeChatPayModel()
    service = PaymentService(bootstrap.repository(), bootstrap.payment_table(), gateway, bootstrap.event_bus(),
                             business_tz="Asia/Shanghai")
    return bootstrap.repository(), bootstrap.payment_table(), gateway, service


def apply(world, order, step) -> None:
    repository, _store, gateway, payments = world
    name, amount, which, _twice = step
    now = iso(utcnow())
    if name == "pay":
        payments.apply_transaction(gateway.guest_pays(order.order_id, order.total_fen))
    elif name == "cancel":
        current = repository.get_order(order.order_id, consistent=True)
        repository.release_order(current, lifecycle.release(current, OrderAction.CANCEL, at=now, by="guest",
                                                             reason="guest").move)
    elif name == "expire":
        payments.expire(order.order_id)
    elif name in MOVES:
        repository.transition(order.order_id, order.mode, MOVES[name], at=now, by="staff")
    elif name == "refund":
        payments.refund(order.order_id, amount, reason="property", by="staff")
    else:
        refunds = snapshot(order.order_id)[2]
        if refunds:
            refund = refunds[which % len(refunds)]
            payments.apply_refund_result({"mchid": gateway.config.mchid, "out_trade_no": order.order_id,
                                          "out_refund_no": refund.out_refund_no, "refund_status": "SUCCESS",
                                          "refund_id": f"5030{refund.out_refund_no}"})


def snapshot(order_id: str):
    """The order, its vouchers and its refunds: the whole ``ORDER#<id>`` partition in one query."""
    from diancan.adapters import keys
    from diancan.adapters.payment_table import _refund
    from diancan.adapters.records import OrderRecord, Record, RefundRecord, VoucherRecord
    from diancan.adapters.repository import order_from_record
    from diancan.domain.payments import Voucher

    records = list(Record.query(keys.order(order_id), consistent_read=True))
    order = next(order_from_record(r) for r in records if isinstance(r, OrderRecord))
    vouchers = [Voucher.model_validate(r.doc) for r in records if isinstance(r, VoucherRecord)]
    return order, vouchers, sorted((_refund(r) for r in records if isinstance(r, RefundRecord)),
                                   key=lambda refund: refund.out_refund_no)


def check_invariants(world, order_id: str, mode: str) -> tuple:
    """Assert every invariant on the stored order; returns the snapshot it checked."""
    order, vouchers, refunds = snapshot(order_id)
    assert order.status in OrderStatus
    statuses = [change.status for change in order.history]
    for before, after in itertools.pairwise(statuses):
        assert any(TRANSITIONS[mode].get((before, action)) == after for action in OrderAction), (before, after)
    assert statuses[-1] == order.status
    paid = [v.amount_fen for v in vouchers if v.kind == "payment"]
    refunded = sum(v.amount_fen for v in vouchers if v.kind == "refund")
    assert len(paid) <= 1, "paid twice"
    assert sum(paid) == (order.paid_fen or 0), "payment vouchers differ from what the order says was paid"
    assert refunded == order.refunded_fen, "refund vouchers differ from the refunded sum"
    assert refunded <= order.refund_committed_fen <= sum(paid), "refunds above what was paid"
    assert sum(r.amount_fen for r in refunds if r.status != "FAILED") == order.refund_committed_fen
    assert world[2].refunded_fen(order_id) <= sum(paid), "WeChat Pay was asked to refund more than was paid"
    if order.status == OrderStatus.REFUNDED:
        assert refunded == sum(paid) == order.total_fen
    if order.status in (OrderStatus.PAID, OrderStatus.PREPARING, OrderStatus.READY, OrderStatus.DELIVERING):
        assert sum(paid) == order.total_fen
    return order, vouchers, refunds


@settings(max_examples=20, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(mode=st.sampled_from(sorted(TRANSITIONS)), paid_first=st.sampled_from([True, True, True, False]),
       steps=st.lists(STEP, min_size=3, max_size=12))
def test_random_action_sequences_keep_the_order_valid_and_the_money_whole(world, mode, paid_first, steps):
    steps = [("pay", None, 0, False)] * paid_first + steps
    order = unpaid_order(world[0], mode=mode)
    before = snapshot(order.order_id)
    for step in steps:
        for _ in range(2 if step[3] else 1):
            try:
                apply(world, order, step)
                refused = False
            except DomainError:
                refused = True
            after = check_invariants(world, order.order_id, mode)
            if refused:
                assert after[0].history == before[0].history, f"{step[0]} was refused but moved the order"
                assert after[1:] == before[1:], f"{step[0]} was refused but wrote money records"
            before = after
    event(f"ends {before[0].status.value}, {len(before[2])} refunds")


def test_a_move_a_mode_never_allows_is_refused_and_changes_nothing(world):
    from diancan.domain.order_status import TransitionRefused

    repository = world[0]
    order = unpaid_order(repository, mode="dine_in")
    with pytest.raises(TransitionRefused):
        repository.transition(order.order_id, "dine_in", OrderAction.PICK_UP, at=iso(utcnow()), by="rider")
    assert repository.get_order(order.order_id, consistent=True).history == order.history
