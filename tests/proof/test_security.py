"""Security: tokens that are tampered or expired, one guest reading or acting on another's order, forged
and replayed WeChat Pay notifications, and secrets kept out of the repository."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import http_call
from tests.proof.orders import unpaid_order
from tests.proof.wechatpay_model import transaction
from tests.wxpay_fixtures import other_wxpay_keys, signed_notification

ROOT = Path(__file__).resolve().parents[2]
SECRET_PATTERNS = {
    "private key": re.compile(r"-----BEGIN (?:RSA |EC |OPENSSH |ENCRYPTED )?PRIVATE KEY-----"),
    "AWS access key": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "AWS secret key": re.compile(r"aws_secret_access_key\s*=\s*[A-Za-z0-9/+]{40}"),
    "WeChat Pay APIv3 key literal": re.compile(r"apiv3_key\"?\s*[:=]\s*\"[A-Za-z0-9]{32}\""),
}
DELIVERY_STORE = "sh-jingan"
DELIVERY_CART = [{"dish_id": "d-gongbao", "qty": 1, "options": ["spicy-mild"]}]
# the review without pictures: a picture key is only valid for its uploader, and ownership is what is tested here
ORDER_ROUTES = [("orders/get_order", None), ("orders/post_cancel", None),
                ("orders/post_review", {"dishes": [{"dish_id": "d-hongshao", "stars": 5}], "text": "好吃"}),
                ("orders/get_order", None)]


def git_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    return [ROOT / name for name in listed.decode().split("\0") if name]


@pytest.mark.unit
def test_no_tracked_file_holds_a_private_key_or_cloud_credential():
    found = []
    for path in git_files():
        if not path.is_file() or path.stat().st_size > 2_000_000:
            continue
        text = path.read_bytes().decode("utf-8", errors="ignore")
        found += [f"{path.relative_to(ROOT)}: {what}" for what, pattern in SECRET_PATTERNS.items()
                  if pattern.search(text) and path.name != Path(__file__).name]
    assert found == []


@pytest.mark.unit
def test_generated_local_keys_are_never_committed():
    names = [p.relative_to(ROOT).as_posix() for p in git_files()]
    assert [n for n in names if n.endswith((".pem", ".key", ".p12", ".pfx")) or "/.secrets" in n] == []


def bearer(token: str) -> dict:
    return {"authorization": f"Bearer {token}"}


@pytest.mark.handlers
@pytest.mark.parametrize("tamper", ["flip_signature", "flip_payload", "truncate", "empty", "other_secret"])
def test_a_tampered_token_is_a_401_everywhere(demo_chain, guest_token, tamper):
    from diancan.adapters.tokens import TokenSigner

    token = guest_token("alice")
    forged = {"flip_signature": token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
              "flip_payload": token[:5] + ("x" if token[5] != "x" else "y") + token[6:],
              "truncate": token[: len(token) // 2], "empty": " ",
              "other_secret": TokenSigner("another-secret-0123456789abcdefghijkl", 3600).issue("openid-alice")}[tamper]
    for sample in ("orders/get_orders", "orders/get_me"):
        status, body = http_call("orders", sample, headers=bearer(forged))
        assert status == 401, (sample, body)
        assert body["code"] in ("UNAUTHORIZED", "INVALID_TOKEN", "TOKEN_EXPIRED")


@pytest.mark.handlers
def test_an_expired_token_is_a_401(demo_chain):
    import time

    from diancan.adapters.tokens import TokenSigner
    from tests.conftest import TEST_SECRETS

    token = TokenSigner(TEST_SECRETS["app"]["token_secret"], 60).issue("openid-alice", now=time.time() - 3600)
    status, body = http_call("orders", "orders/get_orders", headers=bearer(token))
    assert (status, body["code"]) == (401, "TOKEN_EXPIRED"), body


@pytest.mark.handlers
@pytest.mark.parametrize(("sample", "body"), ORDER_ROUTES[:3])
def test_guest_b_can_neither_see_nor_touch_guest_a_order(demo_chain, guest_token, sample, body):
    from diancan import bootstrap

    order = unpaid_order(bootstrap.repository())  # guest A is openid-alice
    path = {"orders/get_order": f"/orders/{order.order_id}", "orders/post_cancel": f"/orders/{order.order_id}/cancel",
            "orders/post_review": f"/orders/{order.order_id}/review"}[sample]
    status, answer = http_call("orders", sample, path=path, body=body, headers=bearer(guest_token("bob")))
    assert status in (403, 404), answer
    assert order.order_id not in str(answer)
    assert bootstrap.repository().get_order(order.order_id, consistent=True).history == order.history
    status, _ = http_call("orders", "orders/get_order", path=f"/orders/{order.order_id}",
                          headers=bearer(guest_token("alice")))
    assert status == 200


@pytest.mark.handlers
@pytest.mark.parametrize("forgery", ["other_platform_key", "replayed_after_5_minutes", "tampered_body"])
def test_forged_and_replayed_notifications_pay_nothing(demo_chain, forgery):
    import time

    from diancan import bootstrap
    from tests.proof.test_faults import notify

    order = unpaid_order(bootstrap.repository())
    resource = transaction(order.order_id, order.total_fen)
    if forgery == "other_platform_key":
        headers, body = signed_notification(resource, keys=other_wxpay_keys())
    elif forgery == "replayed_after_5_minutes":
        headers, body = signed_notification(resource, timestamp=int(time.time()) - 301)
    else:
        headers, body = signed_notification(resource)
        body = body.replace("\"summary\":\"支付成功\"", "\"summary\":\"支付成功 \"")
    assert 400 <= notify(headers, body) < 600
    assert bootstrap.repository().get_order(order.order_id, consistent=True).status == "PENDING_PAYMENT"
    assert bootstrap.payment_table().order_vouchers(order.order_id) == []


def _function_logs_to_capsys(monkeypatch, *functions: str) -> None:
    """Point each function's Powertools logger (its own stdout handler and level, set when the handler module was
    first imported, perhaps by an earlier test under another capture and log level) at this test's stdout at
    DEBUG, so ``capsys`` reads every line the functions log, in whatever order the suite runs."""
    import logging
    import sys

    from tests.conftest import handler_of

    for function in functions:
        handler_of(function)
        logger = logging.getLogger(function)
        logger.setLevel(logging.DEBUG)  # clears the logger's level cache; the undo below puts the level back
        monkeypatch.setattr(logger, "level", logging.DEBUG)
        for handler in logger.handlers:
            if isinstance(handler, logging.StreamHandler):
                monkeypatch.setattr(handler, "stream", sys.stdout)


@pytest.mark.handlers
def test_a_delivery_journey_logs_no_phone_number_or_address(live, guest_token, caplog, capsys, monkeypatch):
    import logging

    phone, street = "13912345678", "人民大道120号"
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "DEBUG")
    caplog.set_level(logging.DEBUG)
    _function_logs_to_capsys(monkeypatch, "place_order", "orders")
    token = guest_token("dora")
    body = {"store_id": DELIVERY_STORE, "mode": "delivery", "items": DELIVERY_CART,
            "address": {"contact": "王女士", "phone": phone, "text": f"黄浦区{street}", "lat": 31.2304, "lng": 121.4737}}
    status, order = http_call("place_order", "place_order/post_orders", body=body,
                              headers=bearer(token) | {"idempotency-key": "pii-journey-0001"})
    assert status == 201, order
    status, detail = http_call("orders", "orders/get_order", path=f"/orders/{order['order_id']}", headers=bearer(token))
    assert status == 200 and phone[-4:] in str(detail)
    logged = caplog.text + "".join(capsys.readouterr())
    assert logged  # the journey did log
    leaks = [line[:300] for line in logged.splitlines() if phone in line or street in line]
    assert leaks == []


@pytest.mark.handlers
def test_a_remark_and_a_review_text_reach_no_log_through_ordering_printing_and_reviewing(live, guest_token, caplog,
                                                                                         capsys, monkeypatch):
    """Guests write addresses and phone numbers in remarks and reviews: placing the order, printing its tickets
    (print_dispatch) and reviewing it log their lengths at most, never the text."""
    import logging

    from diancan import bootstrap
    from diancan.adapters.records import OrderRecord
    from diancan.domain.clock import iso, utcnow
    from diancan.domain.order_status import OrderAction
    from local import demo_stations
    from local.serve import serving
    from local.simulators.feieyun import create_app, demo_simulator
    from tests.conftest import FakeContext, handler_of
    from tests.handlers.test_print_dispatch import sqs_event

    remark, review = "送到静安区愚园路88弄5号 13912345678", "服务员态度好，我住在南京西路1266号恒隆广场"
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "DEBUG")
    caplog.set_level(logging.INFO)  # the SDKs' DEBUG wire logs (request bodies) are never on in Lambda
    caplog.set_level(logging.DEBUG, logger="diancan")
    _function_logs_to_capsys(monkeypatch, "place_order", "print_dispatch", "orders")
    token = guest_token("erin")
    with serving(create_app(demo_simulator())) as printer:
        monkeypatch.setenv("FEIEYUN_API_BASE", printer.base_url)
        bootstrap.reset()
        demo_stations.load()
        status, order = http_call("place_order", "place_order/post_orders",
                                  headers=bearer(token) | {"idempotency-key": "pii-remark-0001"},
                                  body={"store_id": DELIVERY_STORE, "mode": "takeout", "items": DELIVERY_CART,
                                        "remark": remark})
        assert status == 201, order
        order_id, now, repository = order["order_id"], iso(utcnow()), bootstrap.repository()
        assert repository.transition(order_id, "takeout", OrderAction.PAY, at=now,
                                     extra=[OrderRecord.pickup_no.set(7), OrderRecord.paid_at.set(now)]).applied
        answer = handler_of("print_dispatch")(sqs_event(order_id), FakeContext())
        assert answer["batchItemFailures"] == []
        assert bootstrap.print_jobs().of_order(order_id), "the tickets were printed"
    for action in (OrderAction.START, OrderAction.MARK_READY, OrderAction.COMPLETE):
        repository.transition(order_id, "takeout", action, at=iso(utcnow()))
    status, reviewed = http_call("orders", "orders/post_review", path=f"/orders/{order_id}/review", headers=bearer(token),
                                 body={"dishes": [{"dish_id": "d-gongbao", "stars": 5}], "text": review})
    assert status == 201, reviewed
    logged = caplog.text + "".join(capsys.readouterr())
    assert "event handled" in logged  # print_dispatch did log its outcome
    leaks = [line[:300] for line in logged.splitlines() if "愚园路" in line or "13912345678" in line or "恒隆" in line]
    assert leaks == []
