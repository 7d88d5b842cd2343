"""A member at the counter, through the console's routes on moto: found by the last 4 digits of the phone they
bound (a short list, phones masked) or by their member code, never shown by openid; the chosen member's coupons;
a sale for them is theirs (their coupon reserved once, even on a double click, their points on completion);
cashiers and above of the store only; the lookup item goes when the member's phone is erased or expires."""

from __future__ import annotations

import json

import pytest

from tests.console.conftest import BASE, login

pytestmark = pytest.mark.handlers
STORE = "sh-jingan"
MEMBERS = f"/api/s/{STORE}/counter/members"
CART = [{"dish_id": "d-gongbao", "qty": 1, "options": ["spicy-mild"]}, {"dish_id": "d-cola", "qty": 2}]
LI, WU, ZHAO = "openid-counter-li", "openid-counter-wu", "openid-counter-zhao"
AT = "2026-12-05T04:00:00Z"
DAY = "2026-12-05"


def _code(openid: str) -> str:
    from diancan.domain.member_codes import member_code

    return member_code(openid)


@pytest.fixture
def members(console):
    """Three guests who logged in (indexed by member code); Li and Wu bound phones ending 1234, Zhao one ending
    5678; Li holds a 5-yuan coupon usable in every store and one of the other store."""
    from datetime import UTC, datetime

    from diancan import bootstrap
    from diancan.domain.coupons import CouponTemplate
    from diancan.domain.promotions import CouponRule

    repository, activity, cipher = bootstrap.repository(), bootstrap.activity_table(), bootstrap.pii_cipher()
    for openid, phone in ((LI, "13812341234"), (WU, "13900001234"), (ZHAO, "13700005678")):
        repository.record_login(openid, AT, "2026-12-05")
        activity.set_phone(openid, cipher.encrypt(phone), phone[-4:], AT, DAY)
    marketing = bootstrap.marketing_table()
    for template_id, store_id in (("tpl-counter-5", None), ("tpl-xuhui-5", "sh-xuhui")):
        template = CouponTemplate(template_id=template_id, store_id=store_id, stock=10, per_guest_limit=1,
                                  valid_days=30, rule=CouponRule(name="立减5元", kind="fixed", amount_fen=500))
        marketing.put_template(template)
        marketing.claim(LI, template, template.issue(datetime.now(UTC)))
    return console


@pytest.fixture
def cashier(make_app, members):
    client = make_app().test_client()
    return client, login(client, "cashier")


def _get(client, path: str):
    return client.get(path, base_url=BASE, headers={"Accept": "application/json"})


def _post(client, csrf: str, path: str, body: dict, **headers):
    return client.post(path, json=body, headers={"X-CSRF-Token": csrf, **headers}, base_url=BASE)


def test_a_phone_tail_lists_its_members_with_masked_phones_level_and_points_and_never_an_openid(cashier):
    client, _ = cashier
    answer = _get(client, f"{MEMBERS}?q=1234")

    assert answer.status_code == 200, answer.get_data(as_text=True)
    found = answer.get_json()
    assert sorted((m["member_code"], m["phone"], m["level"], m["points"]) for m in found["members"]) == sorted(
        [(_code(LI), "138****1234", "regular", 0), (_code(WU), "139****1234", "regular", 0)])
    assert found["more"] is False
    text = answer.get_data(as_text=True)
    assert "openid" not in text and "13812341234" not in text
    assert _get(client, f"{MEMBERS}?q=0000").get_json() == {"members": [], "more": False}


def test_a_member_code_finds_its_member_and_a_malformed_query_is_a_400(cashier):
    client, _ = cashier
    [zhao] = _get(client, f"{MEMBERS}?q={_code(ZHAO).lower()}").get_json()["members"]
    assert (zhao["member_code"], zhao["phone"]) == (_code(ZHAO), "137****5678")
    for typed in ("123", "１２３４", "openid-counter-li", ""):
        refused = _get(client, f"{MEMBERS}?q={typed}")
        assert refused.status_code == 400 and refused.get_json()["code"] == "INVALID_MEMBER_QUERY"


def test_the_chosen_member_shows_their_coupons_usable_in_this_store(cashier):
    client, _ = cashier
    chosen = _get(client, f"{MEMBERS}/{_code(LI)}")
    assert chosen.status_code == 200
    assert [c["template_id"] for c in chosen.get_json()["coupons"]] == ["tpl-counter-5"]  # not the other store's
    unknown = _get(client, f"{MEMBERS}/MAAAAAAAA")
    assert unknown.status_code == 404 and unknown.get_json()["code"] == "MEMBER_NOT_FOUND"


def test_a_sale_for_a_member_is_theirs_with_their_coupon_and_a_double_click_uses_it_once(members, cashier):
    from diancan import bootstrap
    from diancan.domain.events import OrderCompleted
    from diancan.domain.order_status import OrderStatus

    client, csrf = cashier
    [coupon] = _get(client, f"{MEMBERS}/{_code(LI)}").get_json()["coupons"]
    cart = {"items": CART, "member_code": _code(LI), "coupon_id": coupon["coupon_id"]}
    plain = _post(client, csrf, f"/api/s/{STORE}/counter/quote", {"items": CART}).get_json()["total_fen"]
    quote = _post(client, csrf, f"/api/s/{STORE}/counter/quote", cart)
    assert quote.status_code == 200 and quote.get_json()["total_fen"] == plain - 500

    sale = {**cart, "payment": "cash", "tendered_fen": 10000}
    answers = [_post(client, csrf, f"/api/s/{STORE}/counter/orders", sale, **{"Idempotency-Key": "counter-li-0001"})
               for _ in range(2)]

    assert [a.status_code for a in answers] == [200, 200], answers[0].get_data(as_text=True)
    assert answers[0].get_json() == answers[1].get_json()
    body = answers[0].get_json()
    assert body["member_code"] == _code(LI) and body["order"]["total_fen"] == plain - 500
    assert "openid" not in json.dumps(body)
    order = bootstrap.repository().get_order(body["order"]["order_id"], consistent=True)
    assert (order.openid, order.channel.value, order.status.value) == (LI, "counter", "PAID")
    [entry] = [e for e in bootstrap.marketing_table().wallet(LI) if e.coupon.coupon_id == coupon["coupon_id"]]
    assert (entry.status, entry.order_id) == ("reserved", order.order_id)
    audit = [e for e in members.audit.recent(STORE) if e.action == "counter.sale"]
    assert [(e.target, e.detail.get("member")) for e in audit] == [(order.order_id, _code(LI))]

    again = _post(client, csrf, f"/api/s/{STORE}/counter/orders", sale, **{"Idempotency-Key": "counter-li-0002"})
    assert again.status_code in (409, 422) and again.get_json()["code"].startswith("COUPON_")

    # The loyalty consumer, as the bus would drive it: the coupon is spent once, the points earned once.
    events = bootstrap.loyalty_events()
    events.handle(_event("OrderPaid", order))
    for move in ("accept", "ready", "complete"):  # the kitchen and the counter move it on
        moved = _post(client, csrf, f"/s/{STORE}/orders/{order.order_id}/{move}", {}, Accept="application/json")
        assert moved.status_code in (200, 302), moved.get_data(as_text=True)
    assert bootstrap.repository().get_order(order.order_id, consistent=True).status == OrderStatus.COMPLETED
    completed = OrderCompleted(order_id=order.order_id, store_id=STORE, at=AT, mode="takeout",
                               total_fen=order.total_fen, by="staff:cashier-jingan")
    events.handle(completed)
    events.handle(completed)  # a replay earns nothing more
    standing = bootstrap.marketing_table().standing(LI)
    assert standing.points == (plain - 500) // 100 and standing.completed_orders == 1
    [entry] = [e for e in bootstrap.marketing_table().wallet(LI) if e.coupon.coupon_id == coupon["coupon_id"]]
    assert entry.status == "used"


def _event(name: str, order):
    from diancan.domain.events import EVENTS

    return EVENTS[name](order_id=order.order_id, store_id=STORE, at=AT, mode="takeout", total_fen=order.total_fen,
                        transaction_id=order.transaction_id or "COUNTER", pickup_no=order.pickup_no or 1)


@pytest.mark.parametrize("who", ["cashier-xuhui", "cook"])
def test_another_stores_cashier_and_a_cook_cannot_look_members_up(make_app, members, who):
    client = make_app().test_client()
    login(client, who)
    assert _get(client, f"{MEMBERS}?q=1234").status_code == 403
    assert _get(client, f"{MEMBERS}/{_code(LI)}").status_code == 403


def test_a_manager_of_the_store_can(make_app, members):
    client = make_app().test_client()
    login(client, "jingan")
    assert len(_get(client, f"{MEMBERS}?q=1234").get_json()["members"]) == 2


def test_the_lookup_item_goes_when_the_phone_is_erased_or_outlives_its_retention(cashier):
    from diancan import bootstrap
    from diancan.adapters.personal_data import PersonalDataTable

    client, _ = cashier
    from tests.handlers.test_erasure import erase_later

    bootstrap.erasures().request(LI)  # the guest's "delete my data", done by the erasure worker
    erase_later()
    assert PersonalDataTable().drop_phone(WU) is True  # the retention job, past phone_days
    assert PersonalDataTable().drop_phone(WU) is False  # nothing left to drop

    assert _get(client, f"{MEMBERS}?q=1234").get_json() == {"members": [], "more": False}
    [li] = _get(client, f"{MEMBERS}?q={_code(LI)}").get_json()["members"]  # still a member, without a phone
    assert li["phone"] == ""
    assert bootstrap.activity_table().member_info(LI).phone_enc is None


def test_a_new_number_replaces_the_old_tail(cashier):
    from diancan import bootstrap

    client, _ = cashier
    bootstrap.activity_table().set_phone(ZHAO, bootstrap.pii_cipher().encrypt("13700009999"), "9999", AT, DAY)
    assert _get(client, f"{MEMBERS}?q=5678").get_json()["members"] == []
    assert [m["phone"] for m in _get(client, f"{MEMBERS}?q=9999").get_json()["members"]] == ["137****9999"]


def test_a_lookup_costs_a_query_and_a_batch_read_and_a_chosen_member_one_query_more(members, monkeypatch):
    import botocore.client

    from diancan import bootstrap

    calls: list[str] = []
    original = botocore.client.BaseClient._make_api_call

    def recording(self, operation, params):
        if self.meta.service_model.service_name == "dynamodb":
            calls.append(operation)
        return original(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", recording)
    counter = bootstrap.counter()
    counted = {}
    for label, look in (("tail", lambda: counter.find_members("1234")),
                        ("code", lambda: counter.find_members(_code(LI))),
                        ("nobody", lambda: counter.find_members("0000")),
                        ("chosen", lambda: counter.member(STORE, _code(LI)))):
        calls.clear()
        look()
        counted[label] = sorted(calls)
    assert counted == {"tail": ["BatchGetItem", "Query"], "code": ["BatchGetItem", "Query"], "nobody": ["Query"],
                       "chosen": ["BatchGetItem", "Query", "Query"]}


def test_a_guest_who_joined_before_the_index_is_found_by_code_after_their_next_login(cashier):
    from diancan import bootstrap
    from diancan.adapters import keys
    from diancan.adapters.records import UserRecord

    client, _ = cashier
    old = "openid-counter-old-timer"
    UserRecord(keys.user(old), "PROFILE", openid=old, created_at=AT, GSI1PK=keys.joined_on("2026-01-01"),
               GSI1SK=old).save()  # as the auth function wrote users before
    assert _get(client, f"{MEMBERS}?q={_code(old)}").get_json()["members"] == []
    assert bootstrap.repository().record_login(old, AT, "2026-12-05") is False
    assert [m["member_code"] for m in _get(client, f"{MEMBERS}?q={_code(old)}").get_json()["members"]] == [_code(old)]
