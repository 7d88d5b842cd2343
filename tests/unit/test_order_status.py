"""The order state machine: every allowed move, and every other move refused."""

from __future__ import annotations

import itertools

import pytest

from diancan.domain.order_status import (
    TERMINAL,
    TRANSITIONS,
    OrderAction,
    OrderStatus,
    TransitionRefused,
    next_status,
    sources_of,
)

pytestmark = pytest.mark.unit
S, A = OrderStatus, OrderAction

EXPECTED = {
    "dine_in": {
        (S.PENDING_PAYMENT, A.PAY): S.PAID, (S.PENDING_PAYMENT, A.CANCEL): S.CANCELLED,
        (S.PENDING_PAYMENT, A.EXPIRE): S.CANCELLED, (S.PAID, A.START): S.PREPARING,
        (S.PREPARING, A.MARK_READY): S.READY, (S.READY, A.COMPLETE): S.COMPLETED,
        (S.PAID, A.REFUND): S.REFUNDING, (S.PREPARING, A.REFUND): S.REFUNDING, (S.READY, A.REFUND): S.REFUNDING,
        (S.DELIVERING, A.REFUND): S.REFUNDING, (S.COMPLETED, A.REFUND): S.REFUNDING,
        (S.REFUNDING, A.REFUND_DONE): S.REFUNDED,
        # a pre-order paid ahead waits, then is released into the ordinary paid life; its money may go back
        (S.PENDING_PAYMENT, A.PAY_AHEAD): S.SCHEDULED, (S.SCHEDULED, A.RELEASE): S.PAID,
        (S.SCHEDULED, A.REFUND): S.REFUNDING,
    },
}
EXPECTED["takeout"] = EXPECTED["dine_in"]
EXPECTED["delivery"] = {
    **EXPECTED["dine_in"],
    (S.PAID, A.PICK_UP): S.DELIVERING, (S.PREPARING, A.PICK_UP): S.DELIVERING, (S.READY, A.PICK_UP): S.DELIVERING,
    (S.DELIVERING, A.COMPLETE): S.COMPLETED,
}
del EXPECTED["delivery"][(S.READY, A.COMPLETE)]


@pytest.mark.parametrize("mode", ["dine_in", "takeout", "delivery"])
def test_exactly_the_designed_transitions_are_allowed(mode):
    for status, action in itertools.product(OrderStatus, OrderAction):
        expected = EXPECTED[mode].get((status, action))
        if expected is None:
            with pytest.raises(TransitionRefused):
                next_status(mode, status, action)
        else:
            assert next_status(mode, status, action) == expected


def test_terminal_statuses_accept_nothing_but_an_after_sale_refund():
    for mode, status, action in itertools.product(TRANSITIONS, TERMINAL, OrderAction):
        if (status, action) == (S.COMPLETED, A.REFUND):
            continue
        with pytest.raises(TransitionRefused):
            next_status(mode, status, action)


def test_an_order_never_moves_back_to_unpaid():
    for mode, table in TRANSITIONS.items():
        assert S.PENDING_PAYMENT not in table.values(), mode


def test_each_action_has_one_target_so_a_conditional_update_needs_no_read():
    for mode, table in TRANSITIONS.items():
        for action in OrderAction:
            targets = {to for (_, act), to in table.items() if act == action}
            assert len(targets) <= 1, (mode, action)


def test_sources_list_every_status_an_action_starts_from():
    assert set(sources_of("delivery", A.PICK_UP)) == {S.PAID, S.PREPARING, S.READY}
    assert sources_of("dine_in", A.PAY) == [S.PENDING_PAYMENT]


def test_a_refusal_is_a_409_with_a_machine_code():
    with pytest.raises(TransitionRefused) as refused:
        next_status("takeout", S.CANCELLED, A.PAY)
    assert refused.value.status == 409
    assert refused.value.to_body()["code"] == "TRANSITION_REFUSED"


def test_unknown_mode_is_a_programming_error():
    with pytest.raises(ValueError):
        next_status("teleport", S.PAID, A.START)


def test_a_scheduled_pre_order_counts_as_paid_and_only_release_or_a_refund_moves_it():
    from diancan.domain.order_status import PAID_STATUSES, REFUNDABLE

    assert S.SCHEDULED in PAID_STATUSES and S.SCHEDULED in REFUNDABLE  # stock and points act at payment
    for mode in TRANSITIONS:
        allowed = {action for (status, action) in TRANSITIONS[mode] if status == S.SCHEDULED}
        assert allowed == {A.RELEASE, A.REFUND}, mode
        with pytest.raises(TransitionRefused):
            next_status(mode, S.SCHEDULED, A.START)  # the kitchen cannot start it before its release
