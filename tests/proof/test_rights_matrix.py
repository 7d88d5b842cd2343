"""Rights matrix of every function URL: each route (read from the resolvers of every function with a URL, so a
new route or a new function without a row fails) × each principal, with the status each cell must answer.

Principals: anonymous; a tampered and an expired guest token; guest A (owns the orders and the table sessions)
and guest B (another guest); each console role of store 1 (owner, manager, cashier, kitchen) and the manager,
cashier and kitchen of store 2, each presenting its console session as the function URL's cookie and, as a
client might, as a bearer token. The console's own routes × the same roles, both stores, guest tokens,
anonymous and stale sessions are the console matrix (tests/console/test_console_routes.py).

The product's intent, cell by cell:
- public routes (login, stores, menu, dish, campaigns, quote, pickup slots, table code) answer everyone alike; a bad bearer
  token is ignored where it only personalises the answer, and refused (401) by the quote, which prices for it;
- a console session is not a guest credential: guest routes answer 401 to it as to anyone without a valid
  guest token;
- another guest's order is 404 ORDER_NOT_FOUND, as if it did not exist; a table session the guest has not
  joined is 403 NOT_AT_TABLE ("scan the table's code"): its id is an unguessable capability and nothing of
  it is shown;
- the WeChat Pay and courier callbacks hold no session: without the platform's signature (or the order's
  callback token) they change nothing whoever calls — 401 and 400 as the handlers answer.

The world (demo chain, the live simulators, guest A's orders and sessions, console sessions) is built once
for the module; each row acts on its own order or table session, so cells do not depend on each other.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import TEST_SECRETS, aws_stack, http_call, live_gateway, load_event
from tests.console.conftest import FAST, PASSWORDS

pytestmark = pytest.mark.handlers
ROOT = Path(__file__).resolve().parents[2]
STORE = "sh-jingan"
CONSOLE = "admin"  # the console is a Flask app: its routes are the console matrix's

PUBLIC, GUEST, OWNER, MEMBER, SIGNED = "public", "guest", "owner", "member", "signed"


@dataclass(frozen=True)
class Row:
    kind: str
    sample: str
    path: str               # {target}: the row's own order or table session; {line}: a line of that session's cart
    ok: int                 # what the rightful caller gets (guest A; everyone on a public route)
    body: dict | None = None  # {who} in a value: the caller's slug (one-use WeChat codes)
    bad_bearer: int | None = None  # a public route's answer to an invalid bearer token (None: same as ok)


PHONE = {"code": "phone-{who}"}
ROWS: dict[tuple[str, str, str], Row] = {
    ("auth", "POST", "/login"): Row(PUBLIC, "auth/post_login", "/login", 200, body={"code": "test-{who}"}),
    ("menu", "GET", "/stores"): Row(PUBLIC, "menu/get_stores", "/stores", 200),
    ("menu", "GET", "/stores/<store_id>/campaigns"): Row(PUBLIC, "menu/get_campaigns", f"/stores/{STORE}/campaigns",
                                                         200),
    ("menu", "GET", "/stores/<store_id>/dishes/<dish_id>"): Row(PUBLIC, "menu/get_dish",
                                                                f"/stores/{STORE}/dishes/d-gongbao", 200),
    ("menu", "GET", "/stores/<store_id>/menu"): Row(PUBLIC, "menu/get_menu", f"/stores/{STORE}/menu", 200),
    ("place_order", "POST", "/quote"): Row(PUBLIC, "place_order/post_quote", "/quote", 200, bad_bearer=401),
    ("place_order", "POST", "/orders"): Row(GUEST, "place_order/post_orders", "/orders", 201),
    ("place_order", "GET", "/slots"): Row(PUBLIC, "place_order/get_slots", "/slots", 200),
    ("orders", "GET", "/me"): Row(GUEST, "orders/get_me", "/me", 200),
    ("orders", "GET", "/orders"): Row(GUEST, "orders/get_orders", "/orders", 200),
    ("orders", "POST", "/coupons/<template_id>/claim"): Row(GUEST, "orders/post_coupon_claim",
                                                            "/coupons/tpl-new-guest/claim", 200),
    ("orders", "POST", "/me/birthday"): Row(GUEST, "orders/post_birthday", "/me/birthday", 200),
    ("orders", "POST", "/me/erase"): Row(GUEST, "orders/post_erase", "/me/erase", 202, body={"confirm": True}),
    ("orders", "GET", "/me/erase"): Row(GUEST, "orders/get_erase", "/me/erase", 200),
    ("orders", "POST", "/review-pictures"): Row(GUEST, "orders/post_review_picture", "/review-pictures", 200,
                                                body={"content_type": "image/jpeg", "size": 1000}),
    ("orders", "POST", "/me/phone"): Row(GUEST, "orders/post_phone", "/me/phone", 200, body=PHONE),
    ("orders", "GET", "/orders/<order_id>"): Row(OWNER, "orders/get_order", "/orders/{target}", 200),
    ("orders", "POST", "/orders/<order_id>/cancel"): Row(OWNER, "orders/post_cancel", "/orders/{target}/cancel", 200),
    ("orders", "POST", "/orders/<order_id>/pay"): Row(OWNER, "orders/post_pay", "/orders/{target}/pay", 200),
    ("orders", "POST", "/orders/<order_id>/review"): Row(OWNER, "orders/post_review", "/orders/{target}/review", 201,
                                                         body={"dishes": [{"dish_id": "d-gongbao", "stars": 5}],
                                                               "text": "好吃"}),
    ("orders", "POST", "/orders/<order_id>/invoice"): Row(OWNER, "orders/post_invoice", "/orders/{target}/invoice", 201),
    ("orders", "POST", "/orders/<order_id>/sync-payment"): Row(OWNER, "orders/post_pay",
                                                               "/orders/{target}/sync-payment", 200),
    ("tables", "GET", "/tables/resolve"): Row(PUBLIC, "tables/get_resolve", "/tables/resolve", 200),
    ("tables", "POST", "/tables/sessions"): Row(GUEST, "tables/post_join", "/tables/sessions", 200),
    ("tables", "GET", "/tables/sessions/<session_id>/bill"): Row(MEMBER, "tables/get_bill",
                                                                 "/tables/sessions/{target}/bill", 200),
    ("tables", "GET", "/tables/sessions/<session_id>/cart"): Row(MEMBER, "tables/get_cart",
                                                                 "/tables/sessions/{target}/cart", 200),
    ("tables", "POST", "/tables/sessions/<session_id>/calls"): Row(MEMBER, "tables/post_call",
                                                                   "/tables/sessions/{target}/calls", 200),
    ("tables", "POST", "/tables/sessions/<session_id>/cart/lines"): Row(MEMBER, "tables/post_line",
                                                                        "/tables/sessions/{target}/cart/lines", 200),
    ("tables", "PUT", "/tables/sessions/<session_id>/cart/lines/<line_id>"): Row(
        MEMBER, "tables/put_line", "/tables/sessions/{target}/cart/lines/{line}", 200),
    ("tables", "POST", "/tables/sessions/<session_id>/checkout"): Row(MEMBER, "tables/post_checkout",
                                                                      "/tables/sessions/{target}/checkout", 200),
    ("tables", "POST", "/tables/sessions/<session_id>/rounds"): Row(MEMBER, "tables/post_round",
                                                                    "/tables/sessions/{target}/rounds", 200,
                                                                    body={"version": "{version}"}),
    ("pay_notify", "POST", "/notify"): Row(SIGNED, "pay_notify/notify", "/notify", 401),
    ("courier_callback", "POST", "/dada"): Row(SIGNED, "courier_callback/post_dada", "/dada", 400),
}
STAFF = tuple(PASSWORDS)  # boss (owner, chain); store 1: jingan, cashier, cook; store 2: xuhui, cashier-xuhui, cook-xuhui
GUESTS = ("guest A", "guest B")
BAD_TOKENS = ("tampered", "expired")
STAFF_PRINCIPALS = tuple(f"{name} {way}" for name in STAFF for way in ("cookie", "bearer"))
PRINCIPALS = ("anonymous", *BAD_TOKENS, *GUESTS, *STAFF_PRINCIPALS)
STRANGER = {OWNER: (404, "ORDER_NOT_FOUND"), MEMBER: (403, "NOT_AT_TABLE")}


def resolver_routes() -> set[tuple[str, str, str]]:
    """(function, method, path) of every route of every function with a URL but the console."""
    from local.functions import load_functions
    from local.openapi import resolver_of

    found = set()
    for name, spec in load_functions().items():
        if spec.has_url and name != CONSOLE:
            app = resolver_of(spec.handler_file)
            found |= {(name, route.method, route.path) for route in app._static_routes + app._dynamic_routes}
    return found


def expected(row: Row, principal: str) -> int:
    """The status the product intends for this cell."""
    if row.kind == SIGNED:
        return row.ok
    sends_bad_bearer = principal in BAD_TOKENS or principal.endswith(" bearer")
    if row.kind == PUBLIC:
        return row.bad_bearer if sends_bad_bearer and row.bad_bearer else row.ok
    if principal == "guest A":
        return row.ok
    if principal == "guest B":
        return STRANGER[row.kind][0] if row.kind in STRANGER else row.ok
    return 401


def test_every_route_of_every_function_url_has_a_row():
    assert resolver_routes() == set(ROWS)


def bearer(token: str) -> dict:
    return {"authorization": f"Bearer {token}"}


def _completed_order(token: str, key: str) -> str:
    from diancan import bootstrap
    from diancan.adapters.records import OrderRecord
    from diancan.domain.clock import iso, utcnow
    from diancan.domain.order_status import OrderAction

    order_id = _placed(token, key)
    paid = [OrderRecord.paid_fen.set(bootstrap.repository().get_order(order_id).total_fen)]
    for action in (OrderAction.PAY, OrderAction.START, OrderAction.MARK_READY, OrderAction.COMPLETE):
        extra = paid if action is OrderAction.PAY else None
        assert bootstrap.repository().transition(order_id, "takeout", action, at=iso(utcnow()), extra=extra).applied
    return order_id


def _placed(token: str, key: str) -> str:
    status, order = http_call("place_order", "place_order/post_orders", headers=bearer(token) | {"idempotency-key": key},
                              body={"store_id": STORE, "mode": "takeout",
                                    "items": [{"dish_id": "d-gongbao", "qty": 1, "options": ["spicy-mild"]}]})
    assert status == 201, order
    return order["order_id"]


def _session(token: str, table_no: str, *, sent: bool = False) -> tuple[str, str, int]:
    """Guest A at ``table_no`` with one line in the cart (``sent``: as a round, so there is a bill to pay):
    (session id, line id, cart version)."""
    from diancan import bootstrap

    scene = bootstrap.table_codes().scene_for(STORE, table_no)
    status, joined = http_call("tables", "tables/post_join", headers=bearer(token), body={"scene": scene})
    assert status == 200, joined
    session = joined["session_id"]
    status, cart = http_call("tables", "tables/post_line", path=f"/tables/sessions/{session}/cart/lines",
                             headers=bearer(token), body={"dish_id": "d-gongbao", "qty": 1, "options": ["spicy-mild"]})
    assert status == 200, cart
    if sent:
        status, sent_round = http_call("tables", "tables/post_round", path=f"/tables/sessions/{session}/rounds",
                                       headers=bearer(token), body={"version": cart["version"]})
        assert status == 200, sent_round
    return session, cart["lines"][-1]["line_id"], cart["version"]


def _pay_after(repository) -> None:
    """Store 1 settles tables at the end, so a member's checkout has a tab to pay."""
    store = repository.load_menu(STORE).store
    repository.put_store(store.model_copy(update={"settings": {**store.settings, "table_payment": "pay_after"}}))


@dataclass
class World:
    targets: dict          # route → (order id or session id, line id, cart version)
    credentials: dict      # principal → (headers, cookies)


@pytest.fixture(scope="module")
def world():
    from diancan import bootstrap
    from diancan.adapters.tokens import TokenSigner
    from diancan.console.config import ConsoleSettings
    from diancan.console.wiring import build
    from local import demo_data, demo_offers
    from tests.console.conftest import load_staff

    with pytest.MonkeyPatch.context() as patch, aws_stack(patch) as resources, live_gateway(resources, patch):
        demo_data.load()
        demo_offers.load()
        _pay_after(bootstrap.repository())
        alice = bootstrap.token_signer().issue("openid-alice")
        targets: dict = {}
        tables = iter(("A1", "A2", "A4", "B1", "B2", "B3", "B4"))  # A3 is the join sample's: guest B sits there
        for route, row in ROWS.items():
            if row.kind == OWNER:
                key = f"matrix-{route[2].rsplit('/', 1)[-1].strip('<>')}"
                completed = route[2].endswith(("review", "invoice"))
                targets[route] = ((_completed_order if completed else _placed)(alice, key), "", 0)
            elif row.kind == MEMBER:
                targets[route] = _session(alice, next(tables), sent=route[2].endswith("checkout"))
        console = build(ConsoleSettings(), cost=FAST)
        load_staff(console.accounts)
        signer = TokenSigner(TEST_SECRETS["app"]["token_secret"], 60)
        credentials = {"anonymous": ({}, None),
                       "tampered": (bearer(alice.rsplit(".", 1)[0] + "." + "A" * 43), None),
                       "expired": (bearer(signer.issue("openid-alice", now=time.time() - 3600)), None),
                       "guest A": (bearer(alice), None),
                       "guest B": (bearer(bootstrap.token_signer().issue("openid-bob")), None)}
        for name, password in PASSWORDS.items():
            token = console.accounts.login(name, password).token
            credentials[f"{name} cookie"] = ({"cookie": f"dc_session={token}"}, [f"dc_session={token}"])
            credentials[f"{name} bearer"] = (bearer(token), None)
        yield World(targets, credentials)


def _filled(value, who: str, version: int):
    if isinstance(value, dict):
        return {k: _filled(v, who, version) for k, v in value.items()}
    if value == "{version}":
        return version
    return value.format(who=who) if isinstance(value, str) else value


def call(world: World, route: tuple[str, str, str], principal: str) -> tuple[int, dict]:
    row = ROWS[route]
    target, line, version = world.targets.get(route, ("", "", 0))
    headers, cookies = world.credentials[principal]
    who = "matrix." + principal.replace(" ", "-")  # a fresh one-use WeChat code per cell
    if row.body is PHONE and principal in GUESTS:
        who = {"guest A": "alice", "guest B": "bob"}[principal]
    body = _filled(row.body, who, version) if row.body else None
    return http_call(route[0], row.sample, path=row.path.format(target=target, line=line), body=body,
                     headers=headers, cookies=cookies)


CELLS = [(route, principal) for route in sorted(ROWS) for principal in PRINCIPALS]


@pytest.mark.parametrize(("route", "principal"), CELLS, ids=[f"{r[0]} {r[1]} {r[2]} | {p}" for r, p in CELLS])
def test_each_cell_answers_what_the_product_intends(world, route, principal):
    row = ROWS[route]
    status, answer = call(world, route, principal)
    assert status == expected(row, principal), answer
    if status == 401 and row.kind != SIGNED:
        assert answer.get("code") in ("UNAUTHORIZED", "INVALID_TOKEN", "TOKEN_EXPIRED"), answer
    if row.kind in STRANGER and principal == "guest B":
        assert answer.get("code") == STRANGER[row.kind][1], answer
    if status >= 400:  # a refusal shows nothing of what it refuses
        target = world.targets.get(route, ("",))[0]
        assert set(answer) <= {"code", "message", "message_en", "details"}, answer
        assert not target or target not in str(answer), answer


WRITES = sorted(route for route in ROWS if route[1] in ("POST", "PUT"))


@pytest.mark.parametrize("padding", ["json", "garbage"])
@pytest.mark.parametrize("route", WRITES, ids=[f"{r[0]} {r[1]} {r[2]}" for r in WRITES])
def test_an_oversized_body_is_refused_on_every_route_that_takes_one(world, route, padding):
    """The rightful caller's sample body padded past the limit is a 400 BODY_TOO_LARGE before the handler runs,
    on every route and callback alike: padded with spaces (still valid JSON, so typed bodies pass their
    validation) or with bytes that are not JSON (Powertools validates a typed body before any middleware)."""
    from diancan.http import MAX_BODY_BYTES

    row = ROWS[route]
    target, line, _ = world.targets.get(route, ("", "", 0))
    filler = " " if padding == "json" else "x"
    padded = (load_event(row.sample).get("body") or "{}") + filler * (MAX_BODY_BYTES + 1)
    status, answer = http_call(route[0], row.sample, path=row.path.format(target=target, line=line),
                               raw_body=padded, headers=world.credentials["guest A"][0])
    assert (status, answer.get("code")) == (400, "BODY_TOO_LARGE"), answer
