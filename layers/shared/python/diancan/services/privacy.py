"""What the guest chooses to share beyond ordering: a phone number (only through WeChat's consent code,
stored encrypted) and a birthday (for the birthday coupon). Deleting it again is services/erasure.py."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Protocol

from diancan.domain.clock import business_day, iso, utcnow
from diancan.domain.errors import InvalidRequest
from diancan.domain.member_codes import masked
from diancan.services.ports import Activity, Cipher


class PhoneNumberSource(Protocol):
    def phone_number(self, code: str) -> str: ...




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
        now = self._clock()
        self._activity.set_phone(openid, self._cipher.encrypt(phone), phone[-4:], iso(now),
                                 business_day(now).isoformat())
        return {"phone": masked(phone), "shared": True}

    def set_birthday(self, openid: str, birthday: date) -> dict:
        if not date(1900, 1, 1) <= birthday <= business_day(self._clock()):  # a local date, as the guest's
            raise InvalidRequest("birthday out of range", "生日有误", code="INVALID_BIRTHDAY")
        self._activity.set_birthday(openid, birthday)
        return {"birthday": birthday.isoformat()}
