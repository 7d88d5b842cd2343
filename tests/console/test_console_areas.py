"""One behaviour test per console area added with the menu, marketing, members and store pages: each change
goes through its service, is audited, and the next read shows it."""

from __future__ import annotations

import pytest

from tests.console.conftest import BASE, login

pytestmark = pytest.mark.handlers

OWN = "sh-jingan"


def _post(client, csrf, path, body):
    return client.post(path, json=body, headers={"X-CSRF-Token": csrf}, base_url=BASE)


def test_a_manager_changes_several_prices_defines_a_combo_and_edits_an_option_recipe(make_app, console):
    client = make_app().test_client()
    csrf = login(client, "jingan")
    form = {"csrf_token": csrf, "dish_ids": ["d-cola", "d-rice"], "how": "percent", "percent": "10"}
    assert client.post(f"/s/{OWN}/menu/prices", data=form, base_url=BASE).status_code == 302
    combo = _post(client, csrf, f"/s/{OWN}/menu/combos", {"combo_id": "c-lunch", "name": "午市套餐",
                  "category_id": "hot", "price_yuan": "39", "parts": {"d-qingcai": 1, "d-rice": 2}})
    recipe = _post(client, csrf, f"/s/{OWN}/menu/dishes/d-milktea/recipe",
                   {"option_id": "sugar-full", "recipe": "sugar=15"})

    assert combo.status_code == 200 and combo.get_json()["recipe"] == {"greens": 300, "rice": 300}
    assert recipe.status_code == 200
    dishes = {d.dish_id: d for d in console.repository.load_menu(OWN).dishes}
    assert (dishes["d-cola"].price_fen, dishes["d-rice"].price_fen, dishes["c-lunch"].price_fen) == (550, 220, 3900)
    assert dishes["d-milktea"].group_of("sugar-full")[1].recipe == {"sugar": 15}
    logged = [(e.action, e.target) for e in console.audit.recent(OWN)]
    assert {("menu.price", "d-cola"), ("menu.price", "d-rice"), ("menu.combo", "c-lunch"),
            ("menu.recipe", "d-milktea")} <= set(logged)
    page = client.get(f"/s/{OWN}/menu", base_url=BASE).get_data(as_text=True)
    assert "午市套餐" in page and 'value="5.50"' in page


def test_a_bulk_price_change_with_one_bad_dish_changes_nothing(make_app, console):
    client = make_app().test_client()
    csrf = login(client, "jingan")
    answer = _post(client, csrf, f"/s/{OWN}/menu/prices", {"prices": {"d-cola": 600, "d-nope": 100}})
    assert answer.status_code == 400 and answer.get_json()["code"] == "DISH_NOT_FOUND"
    assert console.repository.get_dish(OWN, "d-cola").price_fen == 500


def test_the_owner_creates_a_coupon_issues_it_to_recent_guests_once_and_sets_a_stores_offers(make_app, console):
    from diancan import bootstrap
    from tests.console.conftest import make_paid_order

    bootstrap.activity_table().record_paid_order(make_paid_order(console))  # openid-alice ordered today
    client = make_app().test_client()
    csrf = login(client, "boss")
    created = _post(client, csrf, "/marketing/templates", {"template_id": "tpl-back", "name": "回头客券",
                    "kind": "fixed", "amount_yuan": "5", "threshold_yuan": "30", "stock": "100"})
    first = _post(client, csrf, "/marketing/issue", {"template_id": "tpl-back", "days": "7", "campaign": "spring"})
    again = _post(client, csrf, "/marketing/issue", {"template_id": "tpl-back", "days": "7", "campaign": "spring"})
    offers = _post(client, csrf, f"/s/{OWN}/offers", {"tiers": "100-10, 200-25", "earn_points_per_yuan": "2"})

    assert created.status_code == 200 and offers.status_code == 200
    assert (first.get_json()["issued"], again.get_json()["issued"]) == (1, 0)
    wallet = bootstrap.marketing_table().wallet("openid-alice")
    assert [w.coupon.template_id for w in wallet] == ["tpl-back"]
    store = console.repository.load_menu(OWN).store
    assert store.settings["offers"]["full_reductions"][0]["tiers"] == [{"threshold_fen": 10000, "off_fen": 1000},
                                                                       {"threshold_fen": 20000, "off_fen": 2500}]
    assert store.settings["offers"]["earn_points_per_yuan"] == 2 and "delivery" in store.settings
    assert {e.action for e in console.audit.recent(None)} >= {"marketing.template", "marketing.issue"}
    assert "tpl-back" in client.get("/marketing", base_url=BASE).get_data(as_text=True)


def test_the_member_list_shows_a_days_guests_with_spend_visits_and_points(make_app, console):
    from diancan import bootstrap
    from tests.console.conftest import make_paid_order

    order = make_paid_order(console)
    bootstrap.activity_table().record_paid_order(order)
    bootstrap.marketing_table().post_points(order.openid, f"{order.order_id}#earn", 43, at=order.created_at,
                                            spend_delta=order.total_fen, completed_delta=1)
    client = make_app().test_client()
    login(client, "boss")
    listing = client.get(f"/api/members?day={order.business_day}", base_url=BASE).get_json()
    from diancan.domain.membership import member_code

    assert listing["members"] == [{"member": member_code(order.openid), "last_visit": order.business_day, "points": 43,
                                   "spend_fen": order.total_fen, "visits": 1, "level": "普通会员"}]
    older = client.get(f"/api/members?day={listing['older']}", base_url=BASE).get_json()
    assert older["members"] == []
    assert "普通会员" in client.get("/members", base_url=BASE).get_data(as_text=True)


def _open_now() -> bool:
    from tests.conftest import http_call

    status, menu = http_call("menu", "menu/get_menu", path=f"/stores/{OWN}/menu")
    assert status == 200
    return menu["store"]["open_now"]


def test_a_manager_edits_the_profile_and_hours_the_next_menu_read_follows_and_a_stale_form_is_refused(make_app,
                                                                                                       console):
    client = make_app().test_client()
    csrf = login(client, "jingan")
    read = client.get(f"/s/{OWN}/store/profile", headers={"X-Requested-With": "fetch"}, base_url=BASE).get_json()
    around_the_clock = _post(client, csrf, f"/s/{OWN}/store/profile", {
        "updated_at": read["updated_at"], "name": "静安店", "accepting_orders": "on", "packing_fee_yuan": "1.5",
        "hours": "一二三四五六日 00:00-00:00"})
    opened = _open_now()
    closed = _post(client, csrf, f"/s/{OWN}/store/profile", {
        "updated_at": around_the_clock.get_json()["updated_at"], "hours": []})
    stale = _post(client, csrf, f"/s/{OWN}/store/profile", {"updated_at": read["updated_at"], "name": "旧表单"})

    assert around_the_clock.status_code == 200 and closed.status_code == 200
    assert (opened, _open_now()) == (True, False)
    assert stale.status_code == 409 and stale.get_json()["code"] == "STORE_CHANGED"
    store = console.repository.load_menu(OWN).store
    assert (store.name, store.packing_fee_fen, store.hours) == ("静安店", 150, [])
    assert "delivery" in store.settings  # settings are kept
    assert [e.action for e in console.audit.recent(OWN)].count("store.profile") == 2


def test_a_manager_replies_to_a_review_of_the_month_and_the_reply_shows_on_the_dish(make_app, console):
    from diancan import bootstrap
    from diancan.domain.order_status import OrderAction
    from tests.conftest import http_call
    from tests.console.conftest import make_paid_order

    order = make_paid_order(console)
    for action in (OrderAction.START, OrderAction.MARK_READY, OrderAction.COMPLETE):
        console.repository.transition(order.order_id, order.mode, action, at=order.created_at)
    bootstrap.review_table().add(console.repository.get_order(order.order_id, consistent=True), {"d-gongbao": 2},
                                 "有点咸", [], order.created_at)
    client = make_app().test_client()
    csrf = login(client, "jingan")
    month = client.get(f"/s/{OWN}/reviews?month={order.created_at[:7]}", headers={"X-Requested-With": "fetch"},
                       base_url=BASE).get_json()
    [shown] = month["reviews"]
    replied = _post(client, csrf, f"/s/{OWN}/reviews/reply", {"dish_id": shown["dish_id"],
                    "review_key": shown["review_key"], "text": "感谢反馈，已调整"})

    assert replied.status_code == 200 and shown["dish_id"] == "d-gongbao"
    status, dish = http_call("menu", "menu/get_dish", path=f"/stores/{OWN}/dishes/d-gongbao")
    assert status == 200 and dish["reviews"][0]["reply"] == "感谢反馈，已调整"
    assert "reviews.reply" in {e.action for e in console.audit.recent(OWN)}
    assert "感谢反馈，已调整" in client.get(f"/s/{OWN}/reviews?month={order.created_at[:7]}",
                                           base_url=BASE).get_data(as_text=True)


def test_a_built_report_is_listed_with_a_presigned_link(make_app, console):
    from datetime import date

    from diancan import bootstrap

    bootstrap.reports().build("day", date(2026, 11, 23), OWN)
    client = make_app().test_client()
    login(client, "jingan")
    page = client.get(f"/s/{OWN}/reports", base_url=BASE)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "日报表 2026-11-23" in html and "Signature=" in html and "report.html" in html
