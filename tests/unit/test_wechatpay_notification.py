"""WeChatPayGateway.verify_notification: what WeChat Pay's notify_url must accept and refuse."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from diancan.adapters.wechatpay import WeChatPayGateway
from diancan.domain.payments import NotificationRejected
from local.simulators.wxpay_crypto import load_private, sign_lines
from tests.wxpay_fixtures import make_config, other_wxpay_keys, signed_notification, wxpay_keys

pytestmark = pytest.mark.unit

SENT_AT = 1_795_000_000
NOW = datetime.fromtimestamp(SENT_AT + 10, UTC)
TRANSACTION = {"appid": "wxd678efh567hg6787", "mchid": "1900000109", "out_trade_no": "ORD20261124001",
               "transaction_id": "4200000000202611240000000001", "trade_state": "SUCCESS",
               "amount": {"total": 1234, "payer_total": 1234, "currency": "CNY", "payer_currency": "CNY"},
               "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}, "success_time": "2026-11-24T12:00:05+08:00"}


@pytest.fixture(scope="module")
def gateway() -> WeChatPayGateway:
    return WeChatPayGateway(make_config())


def rejection(gateway: WeChatPayGateway, headers: dict, body: str, now: datetime = NOW) -> str:
    with pytest.raises(NotificationRejected) as refused:
        gateway.verify_notification(headers, body, now)
    return refused.value.reason_code


def test_a_correctly_signed_notification_is_accepted_and_its_resource_decrypted(gateway):
    headers, body = signed_notification(TRANSACTION, timestamp=SENT_AT)

    verified = gateway.verify_notification(headers, body, NOW)

    assert verified["resource"] == TRANSACTION
    assert verified["event_type"] == "TRANSACTION.SUCCESS"
    assert verified["nonce"] == headers["Wechatpay-Nonce"]
    assert verified["id"] == json.loads(body)["id"]


def test_header_names_are_matched_whatever_their_case(gateway):
    headers, body = signed_notification(TRANSACTION, timestamp=SENT_AT)
    mixed = {name.upper() if index % 2 else name.lower(): value for index, (name, value) in enumerate(headers.items())}

    assert gateway.verify_notification(mixed, body, NOW)["resource"]["out_trade_no"] == "ORD20261124001"


def test_a_body_changed_after_signing_is_rejected(gateway):
    headers, body = signed_notification(TRANSACTION, timestamp=SENT_AT)

    assert rejection(gateway, headers, body.replace("TRANSACTION.SUCCESS", "TRANSACTION.SUCCESs")) == "BAD_SIGNATURE"


def test_a_notification_signed_with_another_platform_key_is_rejected(gateway):
    headers, body = signed_notification(TRANSACTION, timestamp=SENT_AT, keys=other_wxpay_keys())

    assert rejection(gateway, headers, body) == "BAD_SIGNATURE"


def test_an_unknown_serial_is_rejected_without_fetching_certificates(gateway):
    headers, body = signed_notification(TRANSACTION, timestamp=SENT_AT, serial="5157F09EFDC096DE15EBE81A47057A72")

    assert rejection(gateway, headers, body) == "UNKNOWN_SERIAL"


@pytest.mark.parametrize("skew", [-301, 301])
def test_a_timestamp_more_than_five_minutes_from_now_is_rejected(gateway, skew):
    headers, body = signed_notification(TRANSACTION, timestamp=SENT_AT)

    assert rejection(gateway, headers, body, now=datetime.fromtimestamp(SENT_AT + skew, UTC)) == "STALE_TIMESTAMP"


def test_a_timestamp_within_five_minutes_is_accepted(gateway):
    headers, body = signed_notification(TRANSACTION, timestamp=SENT_AT)

    assert gateway.verify_notification(headers, body, datetime.fromtimestamp(SENT_AT + 300, UTC))["resource"]


def test_a_signature_probe_is_rejected_as_a_probe(gateway):
    headers, body = signed_notification(TRANSACTION, timestamp=SENT_AT)
    headers["Wechatpay-Signature"] = "WECHATPAY/SIGNTEST/" + headers["Wechatpay-Signature"]

    assert rejection(gateway, headers, body) == "SIGNATURE_PROBE"


@pytest.mark.parametrize("header", ["Wechatpay-Timestamp", "Wechatpay-Nonce", "Wechatpay-Signature",
                                    "Wechatpay-Serial"])
def test_a_missing_signature_header_is_rejected(gateway, header):
    headers, body = signed_notification(TRANSACTION, timestamp=SENT_AT)
    del headers[header]

    assert rejection(gateway, headers, body) == "MISSING_HEADER"


def test_another_signature_algorithm_is_rejected(gateway):
    headers, body = signed_notification(TRANSACTION, timestamp=SENT_AT)
    headers["Wechatpay-Signature-Type"] = "WECHATPAY2-SM2-WITH-SM3"

    assert rejection(gateway, headers, body) == "UNSUPPORTED_SIGNATURE_TYPE"


def test_a_resource_encrypted_with_another_apiv3_key_is_rejected(gateway):
    headers, body = signed_notification(TRANSACTION, timestamp=SENT_AT, apiv3_key=other_wxpay_keys().apiv3_key)

    assert rejection(gateway, headers, body) == "DECRYPT_FAILED"


def test_a_body_that_is_not_json_is_rejected_after_its_signature_checks(gateway):
    headers, _ = signed_notification(TRANSACTION, timestamp=SENT_AT)
    body = "not json"
    headers["Wechatpay-Signature"] = sign_lines(load_private(wxpay_keys().platform_private_pem),
                                                headers["Wechatpay-Timestamp"], headers["Wechatpay-Nonce"], body)

    assert rejection(gateway, headers, body) == "MALFORMED_BODY"


def test_refund_notifications_go_to_the_payment_notify_url_unless_configured():
    assert make_config(notify_url="https://shop.example/wxpay/notify").refund_notify_url == "https://shop.example/wxpay/notify"
    assert make_config(refund_notify_url="https://shop.example/wxpay/refund").refund_notify_url.endswith("/refund")


def test_an_apiv3_key_that_is_not_32_bytes_is_refused():
    with pytest.raises(ValueError, match="32 bytes"):
        make_config(apiv3_key="too-short")


def test_verifying_a_notification_never_builds_the_sdk_client_and_its_http_stack():
    """pay_notify's first request verifies and decrypts only: the SDK's core (requests, charset_normalizer) waits
    for the first call that goes out (docs/performance.md, cold start)."""
    fresh = WeChatPayGateway(make_config())
    headers, body = signed_notification(TRANSACTION, timestamp=SENT_AT)
    fresh.verify_notification(headers, body, NOW)
    assert fresh._client is None
    assert fresh.payment_params("wx201410272009395522657a690389285100")["package"].startswith("prepay_id=")
    assert fresh._client is not None  # signing the payment parameters needs it, and builds it once
