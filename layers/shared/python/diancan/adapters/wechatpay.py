"""WeChat Pay API v3 (direct merchant, mini-program JSAPI) through the ``wechatpayv3`` SDK.

The SDK signs requests and verifies the signature of every 2xx answer. We run it in "WeChat Pay public
key" mode only: the one platform key is configured up front, so the SDK never downloads certificates
and an answer under any other serial fails verification instead of triggering a network fetch.
Notifications are verified here (not with ``WeChatPay.callback``) so each refusal has its own reason
code and the ±300 s timestamp window the SDK lacks is enforced; replay bookkeeping (seen nonces) is the
caller's job.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import secrets
import threading
from collections.abc import Callable, Mapping
from datetime import date, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from wechatpayv3.utils import aes_decrypt, load_public_key, rsa_verify

from diancan.domain.clock import local, utcnow
from diancan.domain.exceptions import (
    OrderAlreadyPaid,
    UntrustedResponse,
    WeChatPayError,
    WeChatPayUnavailable,
)
from diancan.domain.inputs import whole_number
from diancan.domain.money import Fen
from diancan.domain.payments import NotificationRejected

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

logger = logging.getLogger(__name__)

SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
SIGNATURE_PROBE_PREFIX = "WECHATPAY/SIGNTEST/"
NOTIFICATION_WINDOW_SECONDS = 300
_NOTIFICATION_HEADERS = ("wechatpay-timestamp", "wechatpay-nonce", "wechatpay-signature", "wechatpay-serial")
# The SDK raises a bare Exception with one of these messages when an answer does not verify.
_SDK_VERIFY_FAILURES = ("failed to verify the signature", "wechatpayv3 does not support this algorithm")
_KEY_PROBE = b"diancan: the merchant key signs what its public key verifies"


class WeChatPayConfig(BaseModel):
    """Merchant credentials and endpoints; the composition root builds it from Secrets Manager."""

    model_config = ConfigDict(frozen=True)

    mchid: str
    appid: str  # the mini-program AppID bound to mchid
    merchant_private_key: str = Field(repr=False)  # PKCS#8 PEM (apiclient_key.pem)
    merchant_cert_serial: str
    apiv3_key: str = Field(repr=False)
    platform_public_key: str  # the "WeChat Pay public key" PEM from the merchant console
    platform_public_key_id: str  # PUB_KEY_ID_...
    api_base: str = "https://api.mch.weixin.qq.com"
    notify_url: str
    refund_notify_url: str = ""
    connect_timeout_seconds: float = Field(1.5, gt=0)
    timeout_seconds: float = Field(3, gt=0)  # read; the SDK hands (connect, read) to requests

    @model_validator(mode="before")
    @classmethod
    def _refunds_notify_where_payments_do(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("refund_notify_url"):
            return {**data, "refund_notify_url": data.get("notify_url")}
        return data

    @field_validator("apiv3_key")
    @classmethod
    def _apiv3_key_is_32_bytes(cls, value: str) -> str:
        if len(value.encode()) != 32:
            raise ValueError("the APIv3 key is exactly 32 bytes")
        return value

    @field_validator("merchant_private_key")
    @classmethod
    def _private_key_is_pkcs8(cls, value: str) -> str:
        if "BEGIN RSA PRIVATE KEY" in value:
            raise ValueError("the merchant key must be PKCS#8 (BEGIN PRIVATE KEY), not PKCS#1")
        return value

    @field_validator("api_base")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")


class WeChatPayGateway:
    """The calls diancan makes to WeChat Pay. Thread-safe; build one per container."""

    def __init__(self, config: WeChatPayConfig, clock: Callable[[], datetime] = utcnow) -> None:
        self._config = config
        self._clock = clock
        self._client = None
        self._client_lock = threading.Lock()
        self._platform_key = load_public_key(config.platform_public_key)

    @property
    def _sdk(self):
        """The SDK's client, built on the first call that goes out: a notification is verified and decrypted
        without it, so pay_notify's first request never imports the SDK's core and its HTTP stack (requests,
        charset_normalizer: docs/performance.md, cold start)."""
        with self._client_lock:
            if self._client is None:
                from wechatpayv3 import WeChatPay, WeChatPayType

                config = self._config
                client = WeChatPay(
                    wechatpay_type=WeChatPayType.MINIPROG, mchid=config.mchid,
                    private_key=None, cert_serial_no=config.merchant_cert_serial,  # set below, parsed once
                    appid=config.appid, apiv3_key=config.apiv3_key, notify_url=config.notify_url,
                    timeout=(config.connect_timeout_seconds, config.timeout_seconds),
                    public_key=config.platform_public_key, public_key_id=config.platform_public_key_id,
                )
                client._core._private_key = merchant_key(config.merchant_private_key)
                # The SDK has no setting for either: it builds every URL as ``_gate_way + path`` and, on an
                # unknown serial, calls ``_update_certificates`` (a network fetch). Public-key mode needs neither.
                client._core._gate_way = config.api_base
                client._core._update_certificates = _never_download_certificates
                self._client = client
            return self._client

    @property
    def config(self) -> WeChatPayConfig:
        return self._config

    def prepay_jsapi(self, out_trade_no: str, amount_fen: Fen, payer_openid: str, description: str,
                     time_expire: datetime, attach: str | None = None) -> str:
        """Create (or idempotently repeat) the JSAPI order; returns the prepay_id (valid 2 hours)."""
        _require_positive_fen(amount_fen)
        if not (description and payer_openid and out_trade_no):
            raise ValueError("description, payer_openid and out_trade_no are required")
        body = self._call("prepay", out_trade_no, self._sdk.pay, description=description,
                          out_trade_no=out_trade_no, amount={"total": amount_fen, "currency": "CNY"},
                          payer={"openid": payer_openid}, time_expire=_rfc3339(time_expire), attach=attach,
                          notify_url=self._config.notify_url)
        return json.loads(body)["prepay_id"]

    def payment_params(self, prepay_id: str) -> dict[str, str]:
        """The ``wx.requestPayment`` arguments; paySign covers appId, timeStamp, nonceStr and package."""
        timestamp, nonce = str(int(self._clock().timestamp())), secrets.token_hex(16)
        package = f"prepay_id={prepay_id}"
        pay_sign = self._sdk.sign([self._config.appid, timestamp, nonce, package])
        return {"appId": self._config.appid, "timeStamp": timestamp, "nonceStr": nonce, "package": package,
                "signType": "RSA", "paySign": pay_sign}

    def query_by_out_trade_no(self, out_trade_no: str) -> dict:
        """The transaction (trade_state, transaction_id, amount, payer, success_time, ...)."""
        return json.loads(self._call("query", out_trade_no, self._sdk.query, out_trade_no=_in_path(out_trade_no)))

    def close(self, out_trade_no: str) -> None:
        """Close an unpaid order. Raises OrderAlreadyPaid if the user paid meanwhile."""
        self._call("close", out_trade_no, self._sdk.close, out_trade_no=_in_path(out_trade_no))

    def refund(self, out_trade_no: str, out_refund_no: str, refund_fen: Fen, total_fen: Fen, reason: str) -> dict:
        """Ask for a (partial) refund; the answer's ``status`` is usually PROCESSING. Idempotent per out_refund_no."""
        _require_positive_fen(refund_fen)
        _require_positive_fen(total_fen)
        body = self._call("refund", out_trade_no, self._sdk.refund, out_refund_no=out_refund_no,
                          out_trade_no=out_trade_no, reason=reason or None,
                          amount={"refund": refund_fen, "total": total_fen, "currency": "CNY"},
                          notify_url=self._config.refund_notify_url)
        return json.loads(body)

    def query_refund(self, out_refund_no: str) -> dict:
        return json.loads(self._call("query_refund", out_refund_no, self._sdk.query_refund,
                                     out_refund_no=_in_path(out_refund_no)))

    def trade_bill(self, bill_date: date) -> str:
        """The day's ALL trade bill as CSV text, checked against the SHA1 WeChat Pay announced."""
        day = bill_date.isoformat()
        announced = json.loads(self._call("trade_bill", day, self._sdk.trade_bill, bill_date=day))
        url = announced["download_url"]
        if not url.startswith(self._config.api_base + "/"):  # never send our Authorization elsewhere
            raise UntrustedResponse("BILL_URL_UNEXPECTED", "download_url is not on the API host")
        content = self._call("download_bill", day, self._sdk.download_bill, url=url)
        content = content.encode() if isinstance(content, str) else content
        raw = gzip.decompress(content) if content[:2] == b"\x1f\x8b" else content
        if hashlib.sha1(raw).hexdigest() != announced.get("hash_value", "").lower():
            raise UntrustedResponse("BILL_HASH_MISMATCH", "downloaded bill does not match hash_value")
        return raw.decode("utf-8-sig")

    def verify_notification(self, headers: Mapping[str, str], raw_body: str, now: datetime) -> dict:
        """Check a payment/refund notification and decrypt its resource, or raise NotificationRejected.

        Returns id, event_type, resource_type, summary, create_time, nonce (Wechatpay-Nonce, for the
        caller's replay record) and resource (the decrypted dict).
        """
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        header = {name.lower(): value for name, value in headers.items()}
        missing = [name for name in _NOTIFICATION_HEADERS if not header.get(name)]
        if missing:
            raise NotificationRejected("MISSING_HEADER", ", ".join(missing))
        timestamp, nonce, signature = (header["wechatpay-timestamp"], header["wechatpay-nonce"],
                                       header["wechatpay-signature"])
        if signature.startswith(SIGNATURE_PROBE_PREFIX):
            raise NotificationRejected("SIGNATURE_PROBE")
        if header.get("wechatpay-signature-type", SIGNATURE_TYPE) != SIGNATURE_TYPE:
            raise NotificationRejected("UNSUPPORTED_SIGNATURE_TYPE", header["wechatpay-signature-type"])
        if header["wechatpay-serial"] != self._config.platform_public_key_id:
            raise NotificationRejected("UNKNOWN_SERIAL", header["wechatpay-serial"])
        if not (nonce.isascii() and signature.isascii()):
            raise NotificationRejected("BAD_HEADER", "non-ASCII nonce or signature")
        seconds = whole_number(timestamp)
        if seconds is None:
            raise NotificationRejected("BAD_TIMESTAMP", timestamp)
        if abs(now.timestamp() - seconds) > NOTIFICATION_WINDOW_SECONDS:
            raise NotificationRejected("STALE_TIMESTAMP", timestamp)
        if not rsa_verify(timestamp, nonce, raw_body, signature, self._platform_key):
            raise NotificationRejected("BAD_SIGNATURE")
        envelope, resource = self._decrypt(raw_body)
        return {"id": envelope.get("id"), "event_type": envelope.get("event_type"),
                "resource_type": envelope.get("resource_type"), "summary": envelope.get("summary"),
                "create_time": envelope.get("create_time"), "nonce": nonce, "resource": resource}

    def _decrypt(self, raw_body: str) -> tuple[dict, dict]:
        try:
            envelope = json.loads(raw_body)
            encrypted = envelope["resource"]
        except (ValueError, KeyError, TypeError):
            raise NotificationRejected("MALFORMED_BODY") from None
        if envelope.get("resource_type") != "encrypt-resource" or encrypted.get("algorithm") != "AEAD_AES_256_GCM":
            raise NotificationRejected("UNSUPPORTED_RESOURCE", str(encrypted.get("algorithm")))
        try:
            plaintext = aes_decrypt(nonce=encrypted["nonce"], ciphertext=encrypted["ciphertext"],
                                    associated_data=encrypted.get("associated_data") or "",
                                    apiv3_key=self._config.apiv3_key)
            resource = json.loads(plaintext) if plaintext is not None else None
        except (ValueError, KeyError, TypeError):
            resource = None
        if not isinstance(resource, dict):  # almost always a wrong APIv3 key
            raise NotificationRejected("DECRYPT_FAILED")
        return envelope, resource

    def _call(self, operation: str, reference: str, sdk_method: Callable[..., tuple[int, str | bytes]],
              **arguments: Any) -> Any:
        """Run one SDK call and turn its outcome into a body or one of our exceptions."""
        import requests  # loaded by the SDK's core already (the caller built it to name ``sdk_method``)

        log = {"operation": operation, "reference": reference}
        try:
            status, body = sdk_method(**arguments)
        except requests.RequestException as error:
            logger.warning("wechatpay unreachable", extra=log | {"error": type(error).__name__})
            raise WeChatPayUnavailable("WeChat Pay unreachable", "微信支付繁忙，请稍后再试",
                                       details={"operation": operation}) from error
        except Exception as error:
            if type(error) is not Exception or not str(error).startswith(_SDK_VERIFY_FAILURES):
                raise
            logger.error("wechatpay answer failed verification", extra=log)
            raise UntrustedResponse("RESPONSE_SIGNATURE_INVALID", str(error)) from error
        logger.info("wechatpay answered", extra=log | {"status": status})
        if status >= 500 or status == 429:
            raise WeChatPayUnavailable("WeChat Pay is busy", "微信支付繁忙，请稍后再试",
                                       details={"operation": operation, "status": status})
        if status >= 300:
            raise _business_error(status, body)
        return body


def _business_error(status: int, body: str | bytes) -> WeChatPayError:
    try:
        answer = json.loads(body)
        code, message = str(answer["code"]), str(answer.get("message", ""))
    except (ValueError, KeyError, TypeError):
        code, message = f"HTTP_{status}", (body.decode(errors="replace") if isinstance(body, bytes) else body)[:200]
    error_type = OrderAlreadyPaid if code in ("ORDER_PAID", "ORDERPAID") else WeChatPayError
    return error_type(code, message, status)


@lru_cache(maxsize=4)
def merchant_key(pem: str) -> RSAPrivateKey:
    """The merchant's private key, parsed once per process (in the formats the SDK accepts).

    The SDK would parse it with cryptography's full check of the key's numbers, 35 ms: nearly all of building
    its client on a cold container's first payment. The key is the merchant's own, from Secrets Manager, so it
    is parsed without that check and proven instead by a signature made and verified with it (well under a
    millisecond), which fails for a key whose parts do not agree as it would fail at WeChat Pay."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric import padding, rsa
    from cryptography.hazmat.primitives.hashes import SHA256
    from cryptography.hazmat.primitives.serialization import load_pem_private_key
    from wechatpayv3.utils import format_private_key

    try:
        key = load_pem_private_key(format_private_key(pem).encode(), password=None,
                                   unsafe_skip_rsa_key_validation=True)
    except ValueError as error:
        raise ValueError("the merchant private key is not a PEM private key") from error
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("the merchant private key must be an RSA key")
    try:
        key.public_key().verify(key.sign(_KEY_PROBE, padding.PKCS1v15(), SHA256()), _KEY_PROBE, padding.PKCS1v15(), SHA256())
    except InvalidSignature:
        raise ValueError("the merchant private key is damaged: its signatures do not verify") from None
    return key


def _never_download_certificates() -> None:
    """Stands in for the SDK's certificate download: in public-key mode an unknown serial is untrusted."""


def _require_positive_fen(amount: Fen) -> None:
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < 1:
        raise ValueError(f"amounts are whole fen >= 1, got {amount!r}")


def _in_path(value: str) -> str:
    """Percent-encode a path segment ourselves so the signed path is exactly the path sent ('|' is legal)."""
    return quote(value, safe="")


def _rfc3339(instant: datetime) -> str:
    if instant.tzinfo is None:
        raise ValueError("time_expire must be timezone-aware")
    return local(instant).isoformat(timespec="seconds")
