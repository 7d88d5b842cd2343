"""A guest's "delete my data" against moto: afterwards a scan of the whole table finds none of their phone
number, delivery address (plain or encrypted), birthday, review text or pictures; their points are forfeited
with a ledger entry; their orders are still there, anonymised, and still add up; the request is audited."""

from __future__ import annotations

import contextlib
import json

import pytest

from tests.conftest import http_call
from tests.handlers.test_phone_consent import share
from tests.handlers.test_phone_consent import wechat as wechat_simulator

pytestmark = pytest.mark.handlers
wechat = wechat_simulator  # the WeChat simulator fixture (phone numbers by consent code), by its own name
STORE = "sh-jingan"
ADDRESS = {"contact": "弗兰克", "phone": "13912345678", "text": "南京西路1266号恒隆广场55楼", "lat": 31.23, "lng": 121.45}


def delivered_order(openid: str, *, address: dict | None):
    """An order of ``openid`` (with an encrypted delivery address when given), paid and completed."""
    import secrets

    from diancan import bootstrap
    from diancan.adapters.records import OrderRecord
    from diancan.domain.cart import CartItem, build_lines
    from diancan.domain.clock import business_day, iso, utcnow
    from diancan.domain.order import Order, StatusChange
    from diancan.domain.order_status import OrderAction

    repository = bootstrap.repository()
    _, dishes, _ = repository.load_for_order(STORE, ["d-hongshao"], None)
    lines = build_lines(dishes, [CartItem(dish_id="d-hongshao", qty=1)])
    total = sum(line.line_total_fen for line in lines)
    now = utcnow()
    order = Order(order_id="E" + secrets.token_hex(6).upper(), store_id=STORE, openid=openid, mode="takeout",
                  lines=lines, items_fen=total, total_fen=total, created_at=iso(now),
                  business_day=business_day(now).isoformat(), pay_expires_at=iso(now),
                  history=[StatusChange(status="PENDING_PAYMENT", at=iso(now), by=f"guest:{openid}")])
    encrypted = bootstrap.pii_cipher().encrypt(json.dumps(address, ensure_ascii=False)) if address else None
    repository.create_order(order, encrypted_address=encrypted, idempotency_key=secrets.token_hex(8),
                            request_hash="t", prices={line.dish_id: line.base_price_fen for line in lines},
                            expires_at_epoch=int(now.timestamp()))
    for action in (OrderAction.PAY, OrderAction.START, OrderAction.MARK_READY, OrderAction.COMPLETE):
        extra = [OrderRecord.paid_fen.set(total)] if action is OrderAction.PAY else None
        repository.transition(order.order_id, order.mode, action, at=iso(now), extra=extra)
    return repository.get_order(order.order_id), encrypted


def _strings(value) -> list[str]:
    if isinstance(value, dict):
        return [piece for inner in value.values() for piece in _strings(inner)]
    if isinstance(value, list):
        return [piece for inner in value for piece in _strings(inner)]
    return [value] if isinstance(value, str) else []


def _readable(text: str) -> list[str]:
    """The string as stored, what it says when it is JSON, and what it says when the PII cipher opens it."""
    from diancan import bootstrap

    found = [text]
    try:
        decoded = json.loads(text)
    except ValueError:
        decoded = None
    if isinstance(decoded, (dict, list)):
        found += [piece for inner in _strings(decoded) for piece in _readable(inner)]
    with contextlib.suppress(Exception):  # most strings are no ciphertext
        found.append(bootstrap.pii_cipher().decrypt(text))
    return found


def table_text(table_name: str) -> list[str]:
    """Every item of the table as text a person could read: raw, JSON decoded, and decrypted."""
    import boto3

    client = boto3.client("dynamodb")
    items, start = [], {}
    while True:
        page = client.scan(TableName=table_name, **start)
        for item in page["Items"]:
            items.append(" ".join(piece for raw in _strings(item) for piece in _readable(raw)))
        if "LastEvaluatedKey" not in page:
            return items
        start = {"ExclusiveStartKey": page["LastEvaluatedKey"]}


def erase_later(minutes: int = 2, *, batch: int | None = None):
    """The erasure worker's run a few minutes on (the request files its first step in the current minute, which
    the worker reads once it is over); ``batch``: orders per step, to see a request go on across runs."""
    from datetime import timedelta

    from diancan import bootstrap
    from diancan.adapters.due_work import DueWork
    from diancan.adapters.keys import ERASE_QUEUE
    from diancan.adapters.personal_data import PersonalDataTable
    from diancan.adapters.staff_table import AuditLog
    from diancan.domain.clock import minute_of, utcnow
    from diancan.services.erasure import ErasureWorker

    worker = bootstrap.erasure_worker() if batch is None else ErasureWorker(
        bootstrap.erasure_table(), DueWork(ERASE_QUEUE), PersonalDataTable(), bootstrap.activity_table(),
        bootstrap.marketing_table(), bootstrap.review_picture_files(), AuditLog(),
        bootstrap.member_profile_table(), batch=batch)
    real = utcnow()
    counts = worker.run(now=real + timedelta(minutes=minutes))
    DueWork(ERASE_QUEUE).set_cursor(minute_of(real - timedelta(minutes=1)))  # the clock moved on for this run only
    return counts


def picture_versions(key: str) -> list:
    from diancan import bootstrap
    from diancan.adapters.aws import client

    listed = client("s3", bootstrap.settings().region).list_object_versions(
        Bucket=bootstrap.settings().pictures_bucket, Prefix=key)
    return [*listed.get("Versions", []), *listed.get("DeleteMarkers", [])]


def test_after_delete_my_data_the_table_holds_no_phone_or_address_and_the_orders_add_up(aws, demo_chain,
                                                                                        wechat_simulator, guest_token):
    from diancan import bootstrap
    from diancan.adapters.staff_table import AuditLog
    from diancan.domain.clock import iso, utcnow
    from diancan.domain.membership import member_code
    from local.simulators.wechat import phone_for
    from tests.handlers.test_review_pictures import upload

    openid, token = "openid-frank", guest_token("frank")
    auth = {"authorization": f"Bearer {token}"}
    assert share(token, "phone-frank")[0] == 200
    assert http_call("orders", "orders/post_birthday", body={"birthday": "1950-03-08"}, headers=auth)[0] == 200
    phone_enc = bootstrap.activity_table().member_info(openid).phone_enc
    first, address_enc = delivered_order(openid, address=ADDRESS)
    second, _ = delivered_order(openid, address=None)
    review = {"dishes": [{"dish_id": "d-hongshao", "stars": 5}], "text": "弗兰克的私人评价",
              "pictures": [upload(token)]}
    status, _ = http_call("orders", "orders/post_review", path=f"/orders/{first.order_id}/review", body=review,
                          headers=auth)
    assert status == 201
    assert picture_versions(review["pictures"][0])  # the file is in the pictures bucket
    bootstrap.marketing_table().post_points(openid, "gift", 120, at=iso(utcnow()), note="test")
    secrets_of_frank = [phone_for("frank"), ADDRESS["phone"], ADDRESS["text"], address_enc, phone_enc,
                        review["text"], review["pictures"][0], "1950-03-08"]
    before = table_text(aws.table_name)
    assert [s for s in secrets_of_frank if not any(s in item for item in before)] == []  # the scan sees each

    status, answer = http_call("orders", "orders/post_erase", body={"confirm": True}, headers=auth)
    assert status == 202, answer
    assert answer["status"] == "requested" and answer["reference"].startswith("ER") and answer["done_at"] is None
    again = http_call("orders", "orders/post_erase", body={"confirm": True}, headers=auth)
    assert again == (202, answer)  # asked again while under way: the same request
    assert http_call("orders", "orders/get_erase", headers=auth) == (200, {"erasure": answer})
    assert bootstrap.activity_table().member_info(openid).phone_enc == phone_enc  # nothing erased in the request

    assert erase_later() == {"steps": 1, "done": 1, "continued": 0, "deferred": 0}

    status, state = http_call("orders", "orders/get_erase", headers=auth)
    assert status == 200 and state["erasure"]["status"] == "done" and state["erasure"]["done_at"]
    assert state["erasure"]["counts"] == {"addresses": 1, "reviews": 1, "review_pictures": 1, "nicknames": 0,
                                          "points": 120}
    after = table_text(aws.table_name)
    for secret in secrets_of_frank:
        assert not [item for item in after if secret in item], secret
    assert picture_versions(review["pictures"][0]) == []  # every version of the file is gone
    orders = [bootstrap.repository().get_order(o.order_id) for o in (first, second)]
    assert [(o.status.value, o.paid_fen, o.total_fen) for o in orders] == [
        ("COMPLETED", first.total_fen, first.total_fen), ("COMPLETED", second.total_fen, second.total_fen)]
    assert sum(o.paid_fen for o in orders) == first.total_fen + second.total_fen
    assert bootstrap.marketing_table().standing(openid).points == 0
    forfeit = [e for e in bootstrap.marketing_table().ledger(openid) if e.delta == -120]
    assert len(forfeit) == 1
    entries = [e for e in AuditLog().recent("_privacy", 5) if e.action == "privacy.erase"]
    assert entries and entries[0].target == member_code(openid) and openid not in json.dumps(entries[0].detail)
    assert entries[0].detail["reference"] == answer["reference"]
    assert erase_later(4) == {"steps": 0, "done": 0, "continued": 0, "deferred": 0}  # nothing due any more

    status, renewed = http_call("orders", "orders/post_erase", body={"confirm": True}, headers=auth)
    assert status == 202 and renewed["reference"] != answer["reference"]  # a new request once the last is done
    assert erase_later(6)["done"] == 1
    final = http_call("orders", "orders/get_erase", headers=auth)[1]["erasure"]
    assert final["counts"] == {"addresses": 0, "reviews": 0, "review_pictures": 0, "nicknames": 0, "points": 0}


def test_a_guest_with_many_orders_is_erased_a_batch_at_a_time_and_the_state_shows_the_progress(aws, demo_chain,
                                                                                              guest_token):
    """One order per step and the worker's run bounded to STEPS_PER_TASK steps: the request goes on in the next
    run where the last one stopped; a step that runs twice (the same request read twice) counts nothing twice."""
    from diancan import bootstrap
    from diancan.services import erasure

    openid, auth = "openid-frank", {"authorization": f"Bearer {guest_token('frank')}"}
    for _ in range(3):
        delivered_order(openid, address=ADDRESS)
    assert http_call("orders", "orders/post_erase", body={"confirm": True}, headers=auth)[0] == 202
    original = erasure.STEPS_PER_TASK
    erasure.STEPS_PER_TASK = 2
    try:
        first = erase_later(2, batch=1)
        state = http_call("orders", "orders/get_erase", headers=auth)[1]["erasure"]
        second = erase_later(3, batch=1)
    finally:
        erasure.STEPS_PER_TASK = original
    assert first == {"steps": 2, "done": 0, "continued": 1, "deferred": 0}
    assert state["status"] == "working" and state["counts"]["addresses"] == 2
    assert second["done"] == 1
    done = bootstrap.erasure_table().get(openid)
    assert done.status.value == "done" and done.counts["addresses"] == 3 and done.cursor is None
    assert not [item for item in table_text(aws.table_name) if ADDRESS["text"] in item]


def test_the_nicknames_a_guest_used_at_tables_are_blanked(aws, demo_chain, guest_token):
    """A guest who joined a shared table under a nickname, added a line and called a waiter: afterwards the
    session, the line and the call show the neutral tag any guest without a nickname gets, and the pointer that
    led there is gone."""
    from diancan import bootstrap
    from diancan.adapters import keys
    from diancan.adapters.records import TableNameRecord
    from diancan.domain.tables import display_name
    from tests.handlers.test_tables import OFFERS, add, scene

    repository = bootstrap.repository()
    store = repository.load_menu(STORE).store
    repository.put_store(store.model_copy(update={"settings": {**store.settings, "table_payment": "pay_after",
                                                                "offers": OFFERS}}))
    nickname, openid = "小名阿弗", "openid-frank"
    auth = {"authorization": f"Bearer {guest_token('frank')}"}
    status, session = http_call("tables", "tables/post_join", body={"scene": scene("A3"), "nickname": nickname},
                                headers=auth)
    assert status == 200 and session["you"] == nickname
    assert add(session["session_id"], "frank", {"dish_id": "d-qingcai", "qty": 1, "options": []}, guest_token)[0] == 200
    status, _ = http_call("tables", "tables/post_call", body={"kind": "waiter"}, headers=auth,
                          path=f"/tables/sessions/{session['session_id']}/calls")
    assert status in (200, 201)
    assert [r.SK for r in TableNameRecord.query(keys.user(openid))] == [keys.table_name(session["session_id"])]
    assert [item for item in table_text(aws.table_name) if nickname in item]

    assert http_call("orders", "orders/post_erase", body={"confirm": True}, headers=auth)[0] == 202
    assert erase_later()["done"] == 1

    assert not [item for item in table_text(aws.table_name) if nickname in item]
    assert bootstrap.seating_table().session(session["session_id"]).guests[openid] == display_name(None, openid)
    assert list(TableNameRecord.query(keys.user(openid))) == []
    assert bootstrap.erasure_table().get(openid).counts["nicknames"] == 1
