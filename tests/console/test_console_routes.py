"""Every console route × every role (Flask test client, moto): forbidden is 403, allowed is not;
another store's data is 403; CSRF and session expiry; the base path."""

from __future__ import annotations

import re

import pytest

from diancan.domain.errors import Forbidden
from diancan.domain.staff import authorize
from tests.console.conftest import BASE, PASSWORDS, login

pytestmark = pytest.mark.handlers

OWN, OTHER = "sh-jingan", "sh-xuhui"
# (method, path, action or None for "any signed-in person")
ROUTES = [
    ("GET", "/", None),
    ("GET", "/password", None),
    ("POST", "/password", None),
    ("POST", "/api/push-ticket", None),
    ("GET", "/chain", "chain.dashboard.view"),
    ("GET", "/api/chain/dashboard", "chain.dashboard.view"),
    ("GET", "/s/{sid}/", "dashboard.view"),
    ("GET", "/api/s/{sid}/dashboard", "dashboard.view"),
    ("GET", "/s/{sid}/orders", "orders.view"),
    ("GET", "/api/s/{sid}/orders", "orders.view"),
    ("GET", "/s/{sid}/orders/{oid}", "orders.view"),
    ("POST", "/s/{sid}/orders/{oid}/accept", "orders.accept"),
    ("POST", "/s/{sid}/orders/{oid}/ready", "orders.ready"),
    ("POST", "/s/{sid}/orders/{oid}/complete", "orders.complete"),
    ("POST", "/s/{sid}/orders/{oid}/refund", "orders.refund"),
    ("POST", "/s/{sid}/orders/{oid}/reprint", "orders.reprint"),
    ("POST", "/s/{sid}/orders/{oid}/redispatch", "orders.redispatch"),
    ("GET", "/s/{sid}/kitchen", "kitchen.view"),
    ("GET", "/api/s/{sid}/kitchen", "kitchen.view"),
    ("GET", "/s/{sid}/menu", "menu.view"),
    ("POST", "/s/{sid}/menu/dishes/d-cola/price", "menu.edit"),
    ("POST", "/s/{sid}/menu/dishes/d-cola/shelf", "menu.edit"),
    ("POST", "/s/{sid}/menu/prices", "menu.edit"),
    ("POST", "/s/{sid}/menu/combos", "menu.edit"),
    ("GET", "/s/{sid}/menu/dishes/d-cola", "menu.view"),
    ("POST", "/s/{sid}/menu/dishes/d-cola/recipe", "menu.edit"),
    ("POST", "/s/{sid}/menu/dishes", "menu.edit"),
    ("POST", "/s/{sid}/menu/dishes/d-cola/details", "menu.edit"),
    ("POST", "/s/{sid}/menu/dishes/d-cola/portions", "menu.edit"),
    ("GET", "/s/{sid}/menu/categories", "menu.view"),
    ("POST", "/s/{sid}/menu/categories", "menu.edit"),
    ("POST", "/s/{sid}/menu/categories/hot", "menu.edit"),
    ("GET", "/s/{sid}/stock", "stock.view"),
    ("POST", "/s/{sid}/stock/pork/count", "stock.adjust"),
    ("GET", "/s/{sid}/store", "store.view"),
    ("GET", "/s/{sid}/reports", "reports.view"),
    ("GET", "/s/{sid}/audit", "audit.view"),
    ("GET", "/api/privacy/erasures", "audit.view"),
    ("GET", "/staff", "staff.manage"),
    ("GET", "/s/{sid}/staff", "staff.store"),
    ("POST", "/s/{sid}/staff", "staff.store"),
    ("POST", "/s/{sid}/staff/{staff_id}/active", "staff.store"),
    ("POST", "/s/{sid}/staff/{staff_id}/password", "staff.store"),
    ("GET", "/s/{sid}/deliveries", "orders.view"),
    ("GET", "/api/s/{sid}/deliveries", "orders.view"),
    ("POST", "/s/{sid}/orders/{oid}/delivery/tip", "orders.redispatch"),
    ("POST", "/s/{sid}/orders/{oid}/delivery/cancel", "orders.redispatch"),
    ("POST", "/s/{sid}/orders/{oid}/delivery/own", "orders.redispatch"),
    ("POST", "/s/{sid}/orders/{oid}/delivery/delivered", "orders.redispatch"),
    ("POST", "/s/{sid}/orders/{oid}/delivery/refund-close", "orders.redispatch"),
    ("POST", "/s/{sid}/orders/{oid}/call", "orders.ready"),
    ("GET", "/s/{sid}/kitchen/{station_id}", "kitchen.view"),
    ("GET", "/api/s/{sid}/kitchen/{station_id}", "kitchen.view"),
    ("POST", "/s/{sid}/kitchen/{station_id}/bump/{oid}/{ticket_id}", "orders.ready"),
    ("GET", "/api/s/{sid}/service", "kitchen.view"),
    ("POST", "/s/{sid}/service/busy", "store.busy"),
    ("POST", "/s/{sid}/service/delivery-paused", "store.edit"),
    ("GET", "/s/{sid}/pickup", "kitchen.view"),
    ("GET", "/api/s/{sid}/pickup", "kitchen.view"),
    ("GET", "/s/{sid}/tables", "tables.view"),
    ("GET", "/api/s/{sid}/tables", "tables.view"),
    ("GET", "/s/{sid}/tables/codes.png", "tables.view"),
    ("POST", "/s/{sid}/tables/open", "tables.serve"),
    ("POST", "/s/{sid}/tables/{session_id}/calls/{call_id}/answer", "tables.serve"),
    ("POST", "/s/{sid}/tables/{session_id}/pay", "orders.counter_pay"),
    ("POST", "/s/{sid}/tables/{session_id}/close", "tables.serve"),
    ("GET", "/s/{sid}/counter", "orders.counter_pay"),
    ("GET", "/api/s/{sid}/counter/menu", "orders.counter_pay"),
    ("POST", "/api/s/{sid}/counter/quote", "orders.counter_pay"),
    ("POST", "/api/s/{sid}/counter/orders", "orders.counter_pay"),
    ("GET", "/api/s/{sid}/counter/members", "orders.counter_pay"),
    ("GET", "/api/s/{sid}/counter/members/{code}", "orders.counter_pay"),
    ("POST", "/s/{sid}/stock/pork/restock", "stock.adjust"),
    ("GET", "/s/{sid}/stock/pork/ledger", "stock.view"),
    ("GET", "/api/s/{sid}/printers", "store.view"),
    ("GET", "/s/{sid}/verify-chain", "chain.verify"),
    ("GET", "/s/{sid}/settlement", "reports.view"),
    ("GET", "/s/{sid}/settlement/{day}", "reports.view"),
    ("POST", "/s/{sid}/settlement/{day}/close", "day.close"),
    ("GET", "/marketing", "marketing.manage"),
    ("POST", "/marketing/templates", "marketing.manage"),
    ("POST", "/marketing/issue", "marketing.manage"),
    ("GET", "/s/{sid}/offers", "marketing.manage"),
    ("POST", "/s/{sid}/offers", "marketing.manage"),
    ("GET", "/members", "marketing.manage"),
    ("GET", "/api/members", "marketing.manage"),
    ("GET", "/segments", "marketing.manage"),
    ("GET", "/api/segments", "marketing.manage"),
    ("GET", "/segments/{segment_id}", "marketing.manage"),
    ("GET", "/api/segments/{segment_id}", "marketing.manage"),
    ("POST", "/api/segments/settings", "marketing.manage"),
    ("POST", "/api/segments/campaigns", "marketing.manage"),
    ("GET", "/api/segments/campaigns/{campaign_id}", "marketing.manage"),
    ("GET", "/s/{sid}/store/profile", "store.edit"),
    ("POST", "/s/{sid}/store/profile", "store.edit"),
    ("GET", "/s/{sid}/store/settings", "store.edit"),
    ("POST", "/s/{sid}/store/settings", "store.edit"),
    ("GET", "/s/{sid}/reviews", "reviews.reply"),
    ("POST", "/s/{sid}/reviews/reply", "reviews.reply"),
    ("GET", "/api/stores", None),
    ("POST", "/api/stores", "store.edit"),
    ("GET", "/api/s/{sid}/store", "store.view"),
    ("POST", "/api/s/{sid}/store", "store.edit"),
    ("POST", "/api/s/{sid}/store/retire", "store.edit@chain"),
    ("GET", "/api/s/{sid}/setup/tables", "tables.view"),
    ("POST", "/api/s/{sid}/setup/tables", "store.edit"),
    ("POST", "/api/s/{sid}/setup/tables/{table_no}", "store.edit"),
    ("GET", "/api/s/{sid}/setup/printers", "store.view"),
    ("POST", "/api/s/{sid}/setup/printers", "devices.manage"),
    ("GET", "/api/s/{sid}/setup/printers/{sn}", "store.view"),
    ("POST", "/api/s/{sid}/setup/printers/{sn}/test", "devices.manage"),
    ("POST", "/api/s/{sid}/setup/printers/{sn}/remove", "devices.manage"),
    ("GET", "/api/s/{sid}/setup/stations", "store.view"),
    ("POST", "/api/s/{sid}/setup/stations/{station_id}", "devices.manage"),
    ("POST", "/api/s/{sid}/setup/stations/{station_id}/retire", "devices.manage"),
    ("GET", "/api/s/{sid}/setup/ingredients", "stock.view"),
    ("POST", "/api/s/{sid}/setup/ingredients", "stock.adjust"),
    ("POST", "/api/s/{sid}/setup/ingredients/{ingredient_id}", "stock.adjust"),
    ("POST", "/api/s/{sid}/setup/ingredients/{ingredient_id}/count", "stock.adjust"),
    ("POST", "/api/s/{sid}/staff", "staff.store"),
    ("POST", "/s/{sid}/orders/{oid}/stock-decision", "orders.refund"),
    ("GET", "/stores", "store.edit"),
    ("POST", "/stores", "store.edit"),
    ("POST", "/s/{sid}/store/retire", "store.edit@chain"),
    ("GET", "/s/{sid}/setup", "store.view"),
    ("POST", "/s/{sid}/setup/tables", "store.edit"),
    ("POST", "/s/{sid}/setup/tables/{table_no}", "store.edit"),
    ("POST", "/s/{sid}/setup/printers", "devices.manage"),
    ("POST", "/s/{sid}/setup/printers/{sn}/test", "devices.manage"),
    ("POST", "/s/{sid}/setup/printers/{sn}/remove", "devices.manage"),
    ("POST", "/s/{sid}/setup/stations", "devices.manage"),
    ("POST", "/s/{sid}/setup/stations/{station_id}/retire", "devices.manage"),
    ("POST", "/s/{sid}/setup/ingredients", "stock.adjust"),
    ("POST", "/s/{sid}/setup/ingredients/{ingredient_id}", "stock.adjust"),
    ("GET", "/s/{sid}/shifts", "shifts.own"),
    ("GET", "/api/s/{sid}/shifts", "shifts.own"),
    ("GET", "/s/{sid}/shifts/{shift_id}", "shifts.own"),
    ("GET", "/api/s/{sid}/shifts/{shift_id}", "shifts.own"),
    ("POST", "/s/{sid}/shifts/open", "shifts.own"),
    ("POST", "/s/{sid}/shifts/{shift_id}/close", "shifts.own"),
    ("POST", "/s/{sid}/shifts/{shift_id}/print", "shifts.own"),
    ("GET", "/s/{sid}/invoices", "invoices.issue"),
    ("GET", "/api/s/{sid}/invoices", "invoices.issue"),
    ("POST", "/s/{sid}/invoices/{oid}/issue", "invoices.issue"),
    ("POST", "/s/{sid}/invoices/{oid}/reverse", "invoices.issue"),
]
FILL = {"{day}": "2026-11-24", "{staff_id}": "cashier-jingan", "{sn}": "920000001", "{table_no}": "A1", "{ingredient_id}": "pork", "{station_id}": "hot", "{ticket_id}": "k-hot", "{session_id}": "no-session", "{shift_id}": "no-shift",
        "{call_id}": "no-call", "{code}": "MAAAAAAAA", "{segment_id}": "active",
        "{campaign_id}": "no-campaign"}
PEOPLE = list(PASSWORDS)  # every role of store 1 (sh-jingan) and manager, cashier and cook of store 2


def _may(staff, action: str, store_id: str | None) -> bool:
    try:
        authorize(staff, action, store_id, amount_fen=100)  # the amount the matrix refunds
    except Forbidden:
        return False
    return True


def _call(client, csrf, method, path):
    if method == "GET":
        return client.get(path, base_url=BASE)
    return client.post(path, json={"amount_fen": 100, "price_yuan": "6", "counted": "5", "units": "3", "tip_fen": 200,
                                   "float_fen": 0, "counted_fen": 0},
                       headers={"X-CSRF-Token": csrf}, base_url=BASE)


def test_the_matrix_names_every_route_of_the_app(make_app):
    app = make_app()
    rules = {(m, re.sub(r"<(\w+)>", r"{\1}", r.rule)) for r in app.url_map.iter_rules()
             for m in r.methods & {"GET", "POST"} if r.endpoint not in ("static", "auth.login", "auth.health",
                                                                       "auth.logout", "auth.api_session")}
    named = {(m, p.replace("d-cola", "{dish_id}").replace("/pork/", "/{ingredient_id}/")
             .replace("/categories/hot", "/categories/{category_id}")) for m, p, _ in ROUTES}
    named = {(m, p.replace("{sid}", "{store_id}").replace("{oid}", "{order_id}")) for m, p in named}
    rules = {(m, p) for m, p in rules if not p.endswith("/{move}")}
    assert rules <= named | {("POST", "/s/{store_id}/orders/{order_id}/{move}")}


@pytest.mark.parametrize("who", PEOPLE)
def test_every_route_refuses_exactly_what_the_role_may_not_do(make_app, console, paid_order, who):
    staff = console.accounts.everyone()
    me = next(s for s in staff if s.login == who)
    client = make_app().test_client()
    csrf = login(client, who)
    for store in (OWN, OTHER):
        for method, template, action in ROUTES:
            path = template
            for name, value in FILL.items():
                path = path.replace(name, value)
            path = path.format(sid=store, oid=paid_order.order_id)
            answer = _call(client, csrf, method, path)
            chain = action is not None and action.endswith("@chain")  # owners only, whatever the store
            may = action is None or _may(me, action.removesuffix("@chain"),
                                         store if "{sid}" in template and not chain else None)
            assert (answer.status_code == 403) == (not may), (who, method, path, answer.status_code)
            assert answer.status_code not in (401, 500), (who, method, path, answer.status_code)


def test_another_stores_order_is_not_found_under_your_own_store(make_app, paid_order):
    client = make_app().test_client()
    csrf = login(client, "xuhui")
    assert client.get(f"/s/{OTHER}/orders/{paid_order.order_id}", base_url=BASE).status_code == 404
    answer = client.post(f"/s/{OTHER}/orders/{paid_order.order_id}/accept", headers={"X-CSRF-Token": csrf},
                         json={}, base_url=BASE)
    assert answer.status_code == 404


@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_a_post_without_the_right_csrf_token_is_refused_and_changes_nothing(make_app, console, paid_order, token):
    client = make_app().test_client()
    login(client, "jingan")
    headers = {"X-CSRF-Token": token} if token else {}
    answer = client.post(f"/s/{OWN}/orders/{paid_order.order_id}/accept", headers=headers, json={}, base_url=BASE)
    assert answer.status_code == 403 and answer.get_json()["code"] == "CSRF_REFUSED"
    assert console.orders.get(OWN, paid_order.order_id).status.value == "PAID"


def test_the_login_form_needs_its_csrf_token(make_app):
    client = make_app().test_client()
    client.get("/login", base_url=BASE)
    answer = client.post("/login", data={"login": "boss", "password": "boss-demo-2026", "csrf_token": "forged"},
                         base_url=BASE)
    assert answer.status_code == 403 and "dc_session" not in answer.headers.get("Set-Cookie", "")


def test_a_wrong_password_is_refused_like_an_unknown_login(make_app):
    client = make_app().test_client()
    page = client.get("/login", base_url=BASE).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answers = [client.post("/login", data={"login": name, "password": "nope", "csrf_token": token}, base_url=BASE)
               for name in ("boss", "nobody")]
    assert [a.status_code for a in answers] == [401, 401]
    assert all("用户名或密码错误" in a.get_data(as_text=True) for a in answers)


def test_the_session_cookie_is_httponly_secure_and_samesite(make_app):
    client = make_app().test_client()
    page = client.get("/login", base_url=BASE).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answer = client.post("/login", data={"login": "boss", "password": "boss-demo-2026", "csrf_token": token},
                         base_url=BASE)
    cookie = next(c for c in answer.headers.getlist("Set-Cookie") if c.startswith("dc_session="))
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie


def test_an_expired_session_redirects_pages_to_login_and_answers_401_to_scripts(make_app, console):
    client = make_app().test_client()
    login(client, "jingan")
    console.accounts._clock = lambda: __import__("datetime").datetime(2099, 1, 1, tzinfo=__import__("datetime").UTC)
    page = client.get(f"/s/{OWN}/orders", base_url=BASE)
    assert page.status_code == 302 and "/login" in page.headers["Location"] and "expired=1" in page.headers["Location"]
    assert client.get(f"/api/s/{OWN}/dashboard", base_url=BASE).status_code == 401


def test_after_logout_the_old_cookie_opens_nothing(make_app):
    client = make_app().test_client()
    csrf = login(client, "jingan")
    cookie = client.get_cookie("dc_session", domain="console.test").value
    client.post("/logout", data={"csrf_token": csrf}, base_url=BASE)
    client.set_cookie("dc_session", cookie, domain="console.test")
    assert client.get(f"/api/s/{OWN}/dashboard", base_url=BASE).status_code == 401


def test_a_forged_session_cookie_is_refused(make_app):
    client = make_app().test_client()
    client.set_cookie("dc_session", "abc.def", domain="console.test")
    assert client.get(f"/api/s/{OWN}/dashboard", base_url=BASE).status_code == 401


NOT_STAFF = ["anonymous", "guest token", "tampered session"]


@pytest.mark.parametrize("who", NOT_STAFF)
def test_no_one_but_staff_opens_a_console_route(make_app, paid_order, who):
    """Without a live staff session every route is closed: pages send to the login page, scripts and posts get
    401. A guest's mini-program token is not a staff session, as a bearer header or in the cookie."""
    from diancan import bootstrap

    client = make_app().test_client()
    headers = {}
    if who == "guest token":
        guest = bootstrap.token_signer().issue("openid-alice")
        client.set_cookie("dc_session", guest, domain="console.test")
        headers = {"Authorization": f"Bearer {guest}"}
    elif who == "tampered session":
        login(client, "boss")
        real = client.get_cookie("dc_session", domain="console.test").value
        client.set_cookie("dc_session", real[:-2] + ("AA" if not real.endswith("AA") else "BB"), domain="console.test")
    for method, template, _action in ROUTES:
        path = template
        for name, value in FILL.items():
            path = path.replace(name, value)
        path = path.format(sid=OWN, oid=paid_order.order_id)
        call = client.get if method == "GET" else client.post
        answer = call(path, base_url=BASE, headers=headers)
        page = method == "GET" and "/api/" not in path
        assert answer.status_code == (302 if page else 401), (who, method, path, answer.status_code)
        if page:
            assert "/login" in answer.headers["Location"], (method, path)
