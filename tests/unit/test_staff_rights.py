"""The rights table, role by role and action by action, against an expected matrix written out here."""

import pytest

from diancan.domain.errors import Forbidden
from diancan.domain.staff import CHAIN, Action, Role, Staff, authorize, stores_in_scope

pytestmark = pytest.mark.unit

EXPECTED = {
    Role.OWNER: {a.value for a in Action},
    Role.MANAGER: {a.value for a in Action} - {"chain.dashboard.view", "marketing.manage", "staff.manage",
                                               "chain.verify"},
    Role.CASHIER: {"dashboard.view", "orders.view", "orders.accept", "orders.ready", "orders.complete",
                   "orders.refund", "orders.reprint", "orders.counter_pay", "tables.view", "tables.serve",
                   "kitchen.view", "menu.view", "shifts.own", "store.busy"},
    Role.KITCHEN: {"kitchen.view", "orders.ready"},
}
CHAIN_WIDE = {"chain.dashboard.view", "marketing.manage", "staff.manage", "chain.verify"}


def person(role: Role, **overrides) -> Staff:
    fields = {"staff_id": f"p-{role.value}", "login": role.value, "name": "测试", "role": role,
              "store_ids": () if role is Role.OWNER else ("s1",), "refund_limit_fen": 5000, **overrides}
    return Staff(**fields)


def allowed(staff: Staff, action: Action, store_id, **kwargs) -> bool:
    try:
        authorize(staff, action, store_id, **kwargs)
    except Forbidden:
        return False
    return True


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("action", list(Action))
def test_each_role_may_take_exactly_its_actions_in_its_own_store(role, action):
    amount = {"amount_fen": 100} if action is Action.ORDERS_REFUND else {}
    assert allowed(person(role), action, "s1", **amount) == (action.value in EXPECTED[role])


@pytest.mark.parametrize("role", [Role.MANAGER, Role.CASHIER, Role.KITCHEN])
@pytest.mark.parametrize("action", list(Action))
def test_no_one_but_the_owner_acts_in_another_store_or_chain_wide(role, action):
    assert not allowed(person(role), action, "s2", amount_fen=1)
    assert not allowed(person(role), action, CHAIN, amount_fen=1)


@pytest.mark.parametrize("action", list(Action))
def test_the_owner_acts_in_every_store_and_chain_wide(action):
    assert allowed(person(Role.OWNER), action, "any-store", amount_fen=10**7)
    assert allowed(person(Role.OWNER), action, CHAIN, amount_fen=10**7)


def test_managers_reply_to_their_stores_reviews_owners_to_all_and_cashiers_and_cooks_to_none():
    assert allowed(person(Role.MANAGER), Action.REVIEWS_REPLY, "s1")
    assert not allowed(person(Role.MANAGER), Action.REVIEWS_REPLY, "s2")
    assert allowed(person(Role.OWNER), Action.REVIEWS_REPLY, "s2")
    assert not any(allowed(person(role), Action.REVIEWS_REPLY, "s1") for role in (Role.CASHIER, Role.KITCHEN))


def test_a_cashier_refunds_up_to_their_limit_and_no_further():
    cashier = person(Role.CASHIER)
    assert allowed(cashier, Action.ORDERS_REFUND, "s1", amount_fen=5000)
    with pytest.raises(Forbidden) as refused:
        authorize(cashier, Action.ORDERS_REFUND, "s1", amount_fen=5001)
    assert refused.value.code == "REFUND_LIMIT"
    assert not allowed(cashier, Action.ORDERS_REFUND, "s1")  # an amount is required


def test_a_cashiers_refunds_of_one_order_in_one_day_are_capped_too_by_default_at_the_per_refund_limit():
    assert person(Role.CASHIER).order_day_refund_limit() == 5000
    assert person(Role.CASHIER, refund_day_limit_fen=8000).order_day_refund_limit() == 8000
    assert person(Role.CASHIER, refund_day_limit_fen=0).order_day_refund_limit() == 0
    assert person(Role.MANAGER, refund_day_limit_fen=100).order_day_refund_limit() is None
    assert person(Role.OWNER).order_day_refund_limit() is None


def test_a_manager_refunds_any_amount_in_their_store():
    assert allowed(person(Role.MANAGER), Action.ORDERS_REFUND, "s1", amount_fen=10**7)


@pytest.mark.parametrize("role", list(Role))
def test_a_disabled_account_may_do_nothing(role):
    assert not any(allowed(person(role, active=False), a, "s1", amount_fen=1) for a in Action)


def test_chain_wide_actions_are_the_owners_alone():
    assert {a.value for a in Action if not allowed(person(Role.MANAGER), a, "s1")} >= CHAIN_WIDE


def test_stores_in_scope_are_all_for_the_owner_and_their_own_for_others():
    assert stores_in_scope(person(Role.OWNER), ["s1", "s2"]) == ["s1", "s2"]
    assert stores_in_scope(person(Role.MANAGER, store_ids=("s2",)), ["s1", "s2"]) == ["s2"]
