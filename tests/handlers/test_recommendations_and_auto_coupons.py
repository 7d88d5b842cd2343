""""Guess you like" (daily store lists, the guest's own counts, the menu read) and the daily automatic
coupons (birthday once a year, win-back per absence, new members), against moto."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.conftest import http_call
from tests.stock_fixtures import place

pytestmark = pytest.mark.handlers
STORE = "sh-jingan"
RICE, COLA, QINGCAI, SHENGJIAN = "d-rice", "d-cola", "d-qingcai", "d-shengjian"


def menu(token: str | None = None) -> dict:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    status, answer = http_call("menu", "menu/get_menu", path=f"/stores/{STORE}/menu", headers=headers)
    assert status == 200
    return answer


def test_recommendations_come_from_history_and_what_goes_with_it_never_a_sold_out_dish(demo_chain, guest_token):
    from diancan import bootstrap
    from diancan.services.reco_job import RecoJob

    repository, activity = bootstrap.repository(), bootstrap.activity_table()
    for _ in range(3):
        place(repository, [{"dish_id": QINGCAI, "qty": 1}, {"dish_id": RICE, "qty": 2}, {"dish_id": COLA, "qty": 1}])
    place(repository, [{"dish_id": SHENGJIAN, "qty": 5}])
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    RecoJob(repository, activity, clock=lambda: tomorrow).run()
    mine = place(repository, [{"dish_id": QINGCAI, "qty": 1}])
    activity.record_paid_order(mine)
    assert activity.record_paid_order(mine) is False  # a replay counts nothing

    shown = [d["dish_id"] for d in menu(guest_token("stock"))["recommendations"]]
    assert shown[0] == QINGCAI and set(shown[1:3]) == {RICE, COLA}  # own favourite, then what goes with it
    assert SHENGJIAN in shown  # the best sellers fill up

    rice = repository.get_dish(STORE, RICE)
    repository.put_dish(rice.model_copy(update={"sold_out": True}))
    assert RICE not in [d["dish_id"] for d in menu(guest_token("stock"))["recommendations"]]


def test_a_stranger_or_a_stale_token_gets_the_menu_without_recommendations(demo_chain):
    assert "recommendations" not in menu()
    assert "recommendations" not in menu("not-a-valid-token")


def auto_run(on: date) -> dict:
    from diancan import bootstrap
    from diancan.services.auto_coupons import AutoCoupons
    from diancan.services.coupons import CouponService

    clock = lambda: datetime(on.year, on.month, on.day, 2, 0, tzinfo=UTC)  # noqa: E731  10:00 in Shanghai
    coupons = CouponService(bootstrap.marketing_table(), clock=clock)
    return AutoCoupons(coupons, bootstrap.activity_table(), clock=clock).run()["issued"]


@pytest.fixture
def offers(demo_chain):
    from local.demo_offers import load

    load()
    return demo_chain


def known_guest(openid: str, joined: str = "2025-01-01T02:00:00.000Z", joined_index: str | None = None) -> None:
    from diancan.adapters import keys
    from diancan.adapters.records import UserRecord

    UserRecord(keys.user(openid), "PROFILE", openid=openid, created_at=joined,
               GSI1PK=keys.joined_on(joined_index) if joined_index else None,
               GSI1SK=openid if joined_index else None).save()


def test_the_birthday_coupon_comes_every_year_but_once_a_year(offers):
    from diancan import bootstrap

    known_guest("openid-bday")
    bootstrap.activity_table().set_birthday("openid-bday", date(1990, 11, 24))
    assert auto_run(date(2026, 11, 24)) == {"tpl-birthday": 1}
    assert auto_run(date(2026, 11, 24)) == {}  # a rerun issues nothing
    assert auto_run(date(2026, 11, 25)) == {}
    assert auto_run(date(2027, 11, 24)) == {"tpl-birthday": 1}  # the per-guest limit counts per year
    assert len(bootstrap.marketing_table().wallet("openid-bday")) == 2


def test_a_guest_away_for_thirty_days_is_won_back_once_per_absence(offers):
    from diancan import bootstrap

    repository = bootstrap.repository()
    known_guest("openid-stock")
    order = place(repository, [{"dish_id": RICE, "qty": 1}])
    bootstrap.activity_table().record_paid_order(order)
    last = date.fromisoformat(order.business_day)
    assert auto_run(last + timedelta(days=29)) == {}
    assert auto_run(last + timedelta(days=30)) == {"tpl-win-back": 1}
    assert auto_run(last + timedelta(days=31)) == {}  # the same absence


def test_new_members_are_welcomed_through_the_joined_index(offers):
    from diancan import bootstrap
    from diancan.domain.coupons import CouponTemplate
    from diancan.domain.promotions import CouponRule

    bootstrap.marketing_table().put_template(CouponTemplate(
        template_id="tpl-welcome", rule=CouponRule(name="入会礼", kind="fixed", amount_fen=500), stock=100,
        claimable=False, auto_rule="new_member"))
    known_guest("openid-newbie", joined="2026-11-24T03:00:00.000Z", joined_index="2026-11-24")
    assert auto_run(date(2026, 11, 24)) == {"tpl-welcome": 1}
    assert auto_run(date(2026, 11, 25)) == {}
