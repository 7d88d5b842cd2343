"""Shared WeChat Pay test material: generated keys, a configured simulator and gateway, a notification receiver.

A plain module (not a conftest) so the unit and handler tests can import what they need.
"""

from __future__ import annotations

import json
import queue
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from flask import Flask, Response, request

from diancan.adapters.wechatpay import WeChatPayConfig
from local.simulators.wxpay import Merchant, WxPaySimulator
from local.simulators.wxpay_crypto import WxPayKeys, encrypt_resource, generate_keys, load_private, sign_lines
from local.simulators.wxpay_records import dumps

MCHID = "1900000109"
APPID = "wxd678efh567hg6787"
MERCHANT_SERIAL = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
PUBLIC_KEY_ID = "PUB_KEY_ID_0119000001092026112400000000000001"


@cache
def wxpay_keys() -> WxPayKeys:
    """One set of generated keys per test session (RSA generation is the slow part)."""
    return generate_keys()


@cache
def other_wxpay_keys() -> WxPayKeys:
    """A second, unrelated set: the wrong merchant key, the wrong platform key, the wrong APIv3 key."""
    return generate_keys()


def make_simulator(keys: WxPayKeys | None = None, **options) -> WxPaySimulator:
    keys = keys or wxpay_keys()
    merchant = Merchant(MCHID, frozenset({APPID}), keys.merchant_public_pem, MERCHANT_SERIAL, keys.apiv3_key)
    options.setdefault("retry_delays", (0.05, 0.1, 0.2))
    return WxPaySimulator(platform_private_key_pem=keys.platform_private_pem, public_key_id=PUBLIC_KEY_ID,
                          merchants=[merchant], **options)


def make_config(api_base: str = "http://127.0.0.1:9", notify_url: str = "http://127.0.0.1:9/notify",
                keys: WxPayKeys | None = None, **overrides) -> WeChatPayConfig:
    keys = keys or wxpay_keys()
    values = {"mchid": MCHID, "appid": APPID, "merchant_private_key": keys.merchant_private_pem,
              "merchant_cert_serial": MERCHANT_SERIAL, "apiv3_key": keys.apiv3_key,
              "platform_public_key": keys.platform_public_pem, "platform_public_key_id": PUBLIC_KEY_ID,
              "api_base": api_base, "notify_url": notify_url, "timeout_seconds": 2}
    return WeChatPayConfig(**(values | overrides))


def signed_notification(resource: dict, *, keys: WxPayKeys | None = None, apiv3_key: str | None = None,
                        timestamp: int | None = None, serial: str = PUBLIC_KEY_ID) -> tuple[dict, str]:
    """Headers and raw body of a TRANSACTION.SUCCESS notification built from the protocol, not the adapter.

    ``keys`` gives the platform key that signs (default: the configured one); ``apiv3_key`` the key
    that encrypts the resource (default: the configured one).
    """
    keys = keys or wxpay_keys()
    encrypted = encrypt_resource(apiv3_key or wxpay_keys().apiv3_key, dumps(resource), "transaction")
    body = dumps({"id": "EV-2018022511223320873", "create_time": "2026-11-24T12:00:00+08:00",
                  "resource_type": "encrypt-resource", "event_type": "TRANSACTION.SUCCESS", "summary": "支付成功",
                  "resource": {"original_type": "transaction", **encrypted}})
    ts, nonce = str(timestamp if timestamp is not None else int(time.time())), "fdasflkja484w"
    headers = {"Wechatpay-Timestamp": ts, "Wechatpay-Nonce": nonce,
               "Wechatpay-Signature": sign_lines(load_private(keys.platform_private_pem), ts, nonce, body),
               "Wechatpay-Serial": serial, "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048"}
    return headers, body


@dataclass
class Received:
    headers: dict[str, str]
    body: str

    @property
    def event_type(self) -> str:
        return json.loads(self.body)["event_type"]


class NotificationReceiver:
    """A merchant's notify_url stand-in: records what arrives and answers with scripted statuses."""

    def __init__(self) -> None:
        self.arrivals: queue.Queue[Received] = queue.Queue()
        self.answers: list[int] = []  # statuses for the next deliveries; 204 once empty

    def app(self) -> Flask:
        app = Flask(__name__)

        @app.post("/notify")
        def notify() -> Response:
            self.arrivals.put(Received(dict(request.headers), request.get_data(as_text=True)))
            return Response(status=self.answers.pop(0) if self.answers else 204)

        return app

    def next(self, timeout: float = 5.0) -> Received:
        return self.arrivals.get(timeout=timeout)


def now() -> datetime:
    return datetime.now(UTC)
