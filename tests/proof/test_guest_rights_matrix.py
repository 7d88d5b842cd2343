"""Rights matrix of the guest-facing HTTP functions: every route (read from the resolvers, so a new route
without a row fails) × every principal — anonymous, a forged token, each console staff member of the chain
(owner, store managers of both stores, cashier, cook; their session cookie and the same value as a bearer
token), guest A (owns the order and the table session) and guest B (another guest).

A console session is not a guest credential: guest-only routes answer 401 to it as to anyone without a
guest token. Another guest's order is 404, as if it did not exist (no 403 that would confirm it); a
guest who has not joined a table session is told to scan the table's code (403 NOT_AT_TABLE), and sees none
of its cart or bill. Guest A's answers may still be business refusals (an unpaid order cannot be reviewed),
but never the stranger's refusal. The console's own matrix (staff roles × console routes) is
tests/console/test_console_routes.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import http_call
from tests.console.conftest import FAST, PASSWORDS
from tests.proof.orders import unpaid_order

pytestmark = pytest.mark.handlers
ROOT = Path(__file__).resolve().parents[2]
STORE = "sh-jingan"
GUEST_FUNCTIONS = ("auth", "menu", "place_order", "orders", "tables")

PUBLIC = "public"          # answers every principal alike (a token, good or bad, changes nothing it may not)
GUEST = "guest"            # any signed-in guest; 401 for everyone else
OWNER = "owner"            # guest A's order: 404 for guest B (as if it did not exist), 401 for the non-guests
MEMBER = "member"          # guest A's table session: 403 NOT_AT_TABLE for guest B ("scan the table's code to
                           # join"; the session id is an unguessable capability and nothing of it is shown)
# (function, method, path as the resolver names it) → (kind, sample event, path to call)
ROUTES: dict[tuple[str, str, str], tuple[str, str, str]] = {
    ("auth", "POST", "/login"): (PUBLIC, "auth/post_login", "/login"),
    ("menu", "GET", "/stores"): (PUBLIC, "menu/get_stores", "/stores"),
    ("menu", "GET", "/stores/<store_id>/campaigns"): (PUBLIC, "menu/get_campaigns", f"/stores/{STORE}/campaigns"),
    ("menu", "GET", "/stores/<store_id>/dishes/<dish_id>"): (PUBLIC, "menu/get_dish",
                                                              f"/stores/{STORE}/dishes/d-gongbao"),
    ("menu", "GET", "/stores/<store_id>/menu"): (PUBLIC, "menu/get_menu", f"/stores/{STORE}/menu"),
    ("place_order", "POST", "/quote"): (PUBLIC, "place_order/post_quote", "/quote"),
    ("place_order", "POST", "/orders"): (GUEST, "place_order/post_orders", "/orders"),
    ("orders", "GET", "/me"): (GUEST, "orders/get_me", "/me"),
    ("orders", "GET", "/orders"): (GUEST, "orders/get_orders", "/orders"),
    ("orders", "POST", "/coupons/<template_id>/claim"): (GUEST, "orders/post_coupon_claim", "/coupons/tpl-none/claim"),
    ("orders", "POST", "/me/birthday"): (GUEST, "orders/post_birthday", "/me/birthday"),
    ("orders", "POST", "/me/phone"): (GUEST, "orders/post_phone", "/me/phone"),
    ("orders", "GET", "/orders/<order_id>"): (OWNER, "orders/get_order", "/orders/{order}"),
    ("orders", "POST", "/orders/<order_id>/cancel"): (OWNER, "orders/post_cancel", "/orders/{order}/cancel"),
    ("orders", "POST", "/orders/<order_id>/pay"): (OWNER, "orders/post_pay", "/orders/{order}/pay"),
    ("orders", "POST", "/orders/<order_id>/review"): (OWNER, "orders/post_review", "/orders/{order}/review"),
    ("orders", "POST", "/orders/<order_id>/sync-payment"): (OWNER, "orders/post_pay", "/orders/{order}/sync-payment"),
    ("tables", "GET", "/tables/resolve"): (PUBLIC, "tables/get_resolve", "/tables/resolve"),
    ("tables", "POST", "/tables/sessions"): (GUEST, "tables/post_join", "/tables/sessions"),
    ("tables", "GET", "/tables/sessions/<session_id>/bill"): (MEMBER, "tables/get_bill", "/tables/sessions/{session}/bill"),
    ("tables", "GET", "/tables/sessions/<session_id>/cart"): (MEMBER, "tables/get_cart", "/tables/sessions/{session}/cart"),
    ("tables", "POST", "/tables/sessions/<session_id>/calls"): (MEMBER, "tables/post_call",
                                                                "/tables/sessions/{session}/calls"),
    ("tables", "POST", "/tables/sessions/<session_id>/cart/lines"): (MEMBER, "tables/post_line",
                                                                     "/tables/sessions/{session}/cart/lines"),
    ("tables", "PUT", "/tables/sessions/<session_id>/cart/lines/<line_id>"): (
        MEMBER, "tables/put_line", "/tables/sessions/{session}/cart/lines/l-none"),
    ("tables", "POST", "/tables/sessions/<session_id>/checkout"): (MEMBER, "tables/post_checkout",
                                                                   "/tables/sessions/{session}/checkout"),
    ("tables", "POST", "/tables/sessions/<session_id>/rounds"): (MEMBER, "tables/post_round",
                                                                 "/tables/sessions/{session}/rounds"),
}
STAFF = tuple(PASSWORDS)  # boss (owner), jingan and xuhui (store managers, two stores), cashier, cook
NON_GUESTS = ("anonymous", "forged", *(f"{name} cookie" for name in STAFF), *(f"{name} bearer" for name in STAFF))


def resolver_routes() -> set[tuple[str, str, str]]:
    from local.openapi import resolver_of

    found = set()
    for function in GUEST_FUNCTIONS:
        app = resolver_of(ROOT / "functions" / function / "handler.py")
        found |= {(function, route.method, route.path) for route in app._static_routes + app._dynamic_routes}
    return found


def test_every_guest_route_has_a_row_in_the_matrix():
    assert resolver_routes() == set(ROUTES)


@pytest.fixture
def world(demo_chain, guest_token):
    """Guest A's unpaid order and open table session; a console session for each demo staff member."""
    from diancan import bootstrap
    from diancan.console.config import ConsoleSettings
    from diancan.console.wiring import build
    from local import demo_staff

    order = unpaid_order(bootstrap.repository())  # guest A is openid-alice
    status, joined = http_call("tables", "tables/post_join", headers=bearer(guest_token("alice")),
                               body={"scene": bootstrap.table_codes().scene_for(STORE, "A3"), "nickname": "A"})
    assert status == 200, joined
    console = build(ConsoleSettings(), cost=FAST)
    demo_staff.load(console.accounts, cost=FAST)
    sessions = {name: console.accounts.login(name, password).token for name, password in PASSWORDS.items()}
    forged = guest_token("alice").rsplit(".", 1)[0] + "." + "A" * 43
    headers = {"anonymous": {}, "forged": bearer(forged),
               "guest A": bearer(guest_token("alice")), "guest B": bearer(guest_token("bob"))}
    for name, token in sessions.items():
        headers[f"{name} cookie"] = {"cookie": f"dc_session={token}"}
        headers[f"{name} bearer"] = bearer(token)
    return {"order": order.order_id, "session": joined["session_id"], "headers": headers}


def bearer(token: str) -> dict:
    return {"authorization": f"Bearer {token}"}


def call(route: tuple[str, str, str], world: dict, principal: str) -> tuple[int, dict]:
    function = route[0]
    _, sample, path = ROUTES[route]
    return http_call(function, sample, path=path.format(order=world["order"], session=world["session"]),
                     headers=world["headers"][principal])


@pytest.mark.parametrize("route", sorted(ROUTES), ids=lambda r: f"{r[0]} {r[1]} {r[2]}")
def test_each_principal_gets_what_its_rights_allow(route, world):
    kind = ROUTES[route][0]
    answers = {principal: call(route, world, principal) for principal in world["headers"]}
    statuses = {principal: status for principal, (status, _) in answers.items()}
    if kind == PUBLIC:
        assert len(set(statuses.values()) - {401}) <= 1, statuses  # a bad token may be refused, never honoured
        assert statuses["anonymous"] not in (401, 403), statuses
        assert all(status in (statuses["anonymous"], 401) for status in statuses.values()), statuses
        return
    refused = {p: s for p, s in statuses.items() if p in NON_GUESTS and s != 401}
    assert refused == {}, f"a non-guest got through: {refused}"
    for principal in NON_GUESTS:
        assert answers[principal][1].get("code") in ("UNAUTHORIZED", "INVALID_TOKEN"), answers[principal]
    assert statuses["guest A"] not in (401, 403), answers["guest A"]
    if kind == GUEST:
        assert statuses["guest B"] not in (401, 403), answers["guest B"]
        return
    stranger = {OWNER: (404, "ORDER_NOT_FOUND"), MEMBER: (403, "NOT_AT_TABLE")}[kind]
    assert (statuses["guest B"], answers["guest B"][1].get("code")) == stranger, answers["guest B"]
    assert answers["guest A"][1].get("code") != stranger[1], answers["guest A"]
    assert set(answers["guest B"][1]) <= {"code", "message", "message_en", "details"}  # nothing of A's
