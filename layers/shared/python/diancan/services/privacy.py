"""What the guest chooses to share beyond ordering: a phone number (only through WeChat's consent code,
stored encrypted) and a birthday (for the birthday coupon); and their request to delete it again."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Protocol

from diancan.domain.clock import business_day, iso, utcnow
from diancan.domain.errors import InvalidRequest
from diancan.services.ports import Activity, Cipher


class PhoneNumberSource(Protocol):
    def phone_number(self, code: str) -> str: ...


ERASED = ("phone", "birthday", "favourite_dish")
KEPT = {"orders": "订单与支付记录依法保留，到期后由留存任务删除",
        "points": "积分与优惠券保留，以便你继续使用"}
KEPT_EN = {"orders": "orders and payments are kept as the law requires and deleted by the retention job",
           "points": "points and coupons are kept so you can still use them"}


def masked(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "****"


class Privacy:
    def __init__(self, phones: PhoneNumberSource, cipher: Cipher, activity: Activity,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self._phones = phones
        self._cipher = cipher
        self._activity = activity
        self._clock = clock

    def share_phone(self, openid: str, code: str) -> dict:
        """The code proves consent; the number is stored encrypted and shown back masked."""
        phone = self._phones.phone_number(code)
        self._activity.set_phone(openid, self._cipher.encrypt(phone), iso(self._clock()))
        return {"phone": masked(phone), "shared": True}

    def set_birthday(self, openid: str, birthday: date) -> dict:
        if not date(1900, 1, 1) <= birthday <= business_day(self._clock()):  # a local date, as the guest's
            raise InvalidRequest("birthday out of range", "生日有误", code="INVALID_BIRTHDAY")
        self._activity.set_birthday(openid, birthday)
        return {"birthday": birthday.isoformat()}

    def erase(self, openid: str) -> dict:
        """"Delete my data": what the guest shared is removed now; what the law or their balance needs is
        kept, and said so. Safe to repeat."""
        at = iso(self._clock())
        self._activity.forget(openid, at)
        return {"erased": list(ERASED), "kept": [{"what": k, "why": KEPT[k], "why_en": KEPT_EN[k]} for k in KEPT],
                "requested_at": at}
