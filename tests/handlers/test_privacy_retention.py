"""The retention job against moto: past their retention, orders lose their delivery address (and keep their
amounts), guests who stopped ordering lose their phone number, reviews lose their pictures; nothing younger
is touched, and a second run changes nothing. Guests who shared a phone and never ordered lose it a retention
after they shared it. The job reads indexes by day, never scans."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import http_call, load_event
from tests.handlers.test_erasure import ADDRESS, delivered_order, picture_versions
from tests.handlers.test_phone_consent import wechat as wechat_simulator

wechat = wechat_simulator  # the WeChat simulator fixture (phone numbers by consent code), by its own name

pytestmark = pytest.mark.handlers
STORE = "sh-jingan"


def job(days_later: int):
    from diancan import bootstrap
    from diancan.adapters.personal_data import PersonalDataTable
    from diancan.domain.clock import utcnow
    from diancan.services.retention import Retention, RetentionJob

    moment = utcnow() + timedelta(days=days_later)
    return RetentionJob(bootstrap.repository(), PersonalDataTable(), Retention(30, 365, 365),
                        bootstrap.review_picture_files(), tz="Asia/Shanghai", clock=lambda: moment)


def test_each_kind_is_dropped_once_its_retention_has_passed_and_not_before(aws, demo_chain, guest_token):
    from diancan import bootstrap
    from diancan.adapters.aws import client
    from diancan.adapters.repository import Repository
    from diancan.domain.clock import business_day, iso, utcnow

    openid = "openid-stock"  # guest_token("stock")
    order, _ = delivered_order(openid, address=ADDRESS)
    bootstrap.activity_table().record_paid_order(order)
    bootstrap.activity_table().set_phone(openid, bootstrap.pii_cipher().encrypt("13900001111"), "1111", iso(utcnow()),
                                         business_day(utcnow()).isoformat())
    from tests.handlers.test_review_pictures import upload

    picture = upload(guest_token("stock"))
    body = {"dishes": [{"dish_id": "d-hongshao", "stars": 4}], "text": "不错", "pictures": [picture]}
    status, _ = http_call("orders", "orders/post_review", path=f"/orders/{order.order_id}/review", body=body,
                          headers={"authorization": f"Bearer {guest_token('stock')}"})
    assert status == 201

    def state():
        _, address = Repository().get_order_and_address(order.order_id)
        phone = bootstrap.activity_table().member_info(openid).phone_enc
        return address, phone, None

    assert job(29).run() == {"addresses": 0, "phones": 0, "review_pictures": 0}
    assert all(state()[:2])
    assert job(30).run() == {"addresses": 1, "phones": 0, "review_pictures": 0}
    address, phone, _ = state()
    assert address is None and phone is not None
    kept = bootstrap.repository().get_order(order.order_id)
    assert (kept.status.value, kept.total_fen, kept.paid_fen) == ("COMPLETED", order.total_fen, order.total_fen)
    assert job(364).run() == {"addresses": 0, "phones": 0, "review_pictures": 0}
    client("s3", bootstrap.settings().region).put_object(Bucket=bootstrap.settings().pictures_bucket, Key=picture,
                                                         Body=b"\xff\xd8 again")  # a second version of the file
    assert len(picture_versions(picture)) == 2
    from diancan.adapters.member_lookup_table import MemberLookupTable

    assert MemberLookupTable().with_phone_tail("1111", 10) == [openid]  # the counter finds the guest by it
    assert job(365).run() == {"addresses": 0, "phones": 1, "review_pictures": 1}
    assert state()[1] is None
    assert MemberLookupTable().with_phone_tail("1111", 10) == []  # and no longer once the phone is gone
    status, dish = http_call("menu", "menu/get_dish", path=f"/stores/{STORE}/dishes/d-hongshao")
    assert [(r["text"], r["pictures"]) for r in dish["reviews"]] == [("不错", [])]
    assert picture_versions(picture) == []  # the file is gone from the bucket too, every version of it
    assert job(366).run() == {"addresses": 0, "phones": 0, "review_pictures": 0}  # caught up: nothing left


def test_a_phone_shared_by_a_guest_who_never_ordered_is_dropped_after_its_retention(aws, demo_chain, wechat_simulator,
                                                                                     guest_token):
    """Two guests share their phone in the mini-program today and never order; a third orders first. A year on the
    two lose their phone (found through their index entry, no scan) and the entry goes with it; the third keeps
    theirs until a year after their latest order, as before."""
    from diancan import bootstrap
    from diancan.adapters import keys
    from diancan.adapters.records import MemberInfoRecord
    from tests.handlers.test_phone_consent import share

    never = ["openid-gina", "openid-hank"]
    for name in ("gina", "hank"):
        assert share(guest_token(name), f"phone-{name}")[0] == 200
    ordered, _ = delivered_order("openid-ivan", address=None)
    bootstrap.activity_table().record_paid_order(ordered)
    assert share(guest_token("ivan"), "phone-ivan")[0] == 200
    activity = bootstrap.activity_table()
    assert all(activity.member_info(openid).phone_enc for openid in [*never, "openid-ivan"])
    ivan = MemberInfoRecord.get(keys.user("openid-ivan"), keys.MEMBER_INFO)
    assert ivan.GSI2PK.startswith("LASTORDER#")  # sharing a phone after an order does not move the order's entry

    assert job(364).run()["phones"] == 0
    assert job(365).run()["phones"] == 3  # the two who never ordered, and the one whose order was a year ago
    assert [activity.member_info(openid).phone_enc for openid in [*never, "openid-ivan"]] == [None, None, None]
    assert MemberInfoRecord.get(keys.user("openid-gina"), keys.MEMBER_INFO).GSI2PK is None  # the entry is gone
    assert job(365).run()["phones"] == 0  # a rerun writes nothing


def test_the_scheduled_handler_runs_the_job(aws, demo_chain):
    from tests.conftest import FakeContext, handler_of

    answer = handler_of("privacy_retention")(load_event("privacy_retention/schedule"), FakeContext())
    assert answer == {"addresses": 0, "phones": 0, "review_pictures": 0}


def test_the_erasure_schedule_runs_the_erasure_worker(aws, demo_chain, guest_token):
    """The 5-minute schedule's input (``{"job": "erasures"}``) runs the erasure worker, not the retention job."""
    from tests.conftest import FakeContext, handler_of

    answer = handler_of("privacy_retention")(load_event("privacy_retention/erasures"), FakeContext())
    assert answer == {"steps": 0, "done": 0, "continued": 0, "deferred": 0}
