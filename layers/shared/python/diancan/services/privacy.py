"""What the guest chooses to share beyond ordering: a phone number (only through WeChat's consent code,
stored encrypted) and a birthday (for the birthday coupon); and their request to delete it again."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Protocol

from diancan.adapters.staff_table import AuditEntry
from diancan.domain.clock import business_day, iso, utcnow
from diancan.domain.errors import InvalidRequest
from diancan.domain.membership import member_code
from diancan.services.ports import Activity, AuditTrail, Cipher, Marketing, PersonalData, ProfileBook


class PhoneNumberSource(Protocol):
    def phone_number(self, code: str) -> str: ...


ERASED = ("phone", "birthday", "favourite_dish", "addresses", "reviews_text_and_pictures", "profile", "points",
          "member_profile")
KEPT = {"orders": "订单与支付记录依法保留（已去除地址、电话和评价内容），到期后由留存任务删除"}
KEPT_EN = {"orders": "orders and payments are kept as the law requires (without addresses, phone numbers and "
                     "review text), and deleted by the retention job"}
PRIVACY_PARTITION = "_privacy"  # the audit partition of guests' erasure requests
FORFEIT_NOTE = "forfeited: the guest asked to delete their data"
REVIEWABLE = "COMPLETED"


def masked(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "****"


class Privacy:
    def __init__(self, phones: PhoneNumberSource, cipher: Cipher, activity: Activity,
                 clock: Callable[[], datetime] = utcnow, *, personal: PersonalData | None = None,
                 marketing: Marketing | None = None, audit: AuditTrail | None = None,
                 profiles: ProfileBook | None = None) -> None:
        self._phones = phones
        self._cipher = cipher
        self._activity = activity
        self._clock = clock
        self._personal = personal  # addresses, reviews, profile (None: member info only, as in older tests)
        self._marketing = marketing
        self._audit = audit
        self._profiles = profiles  # the member profile folded from orders (用户画像), emptied on erasure

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
        """"Delete my data", done at once: phone, birthday and favourite dish; the delivery address of every
        order; each review's text and pictures (the stars stay in the dish ratings); the profile and the member
        profile folded from orders (用户画像, with its segments); the points,
        forfeited with a ledger entry. Orders stay, anonymised, for accounting. Audited in ``STORE#_privacy``
        under the guest's member code. Safe to repeat: a second request finds nothing left to erase."""
        at = iso(self._clock())
        self._activity.forget(openid, at)
        counts = {"addresses": 0, "reviews": 0, "points": 0}
        if self._personal is not None:
            orders = self._personal.orders_of(openid)
            counts["addresses"] = sum(self._personal.drop_address(o.order_id) for o in orders if o.has_address)
            counts["reviews"] = sum(self._personal.blank_review(o.order_id) for o in orders if o.status == REVIEWABLE)
            self._personal.forget_profile(openid)
        if self._profiles is not None:
            self._profiles.erase(openid, at)
        if self._marketing is not None:
            points = self._marketing.standing(openid).points
            if points > 0 and self._marketing.post_points(openid, f"erasure#{at}", -points, at=at, note=FORFEIT_NOTE):
                counts["points"] = points
        if self._audit is not None:
            code = member_code(openid)
            self._audit.append(AuditEntry(PRIVACY_PARTITION, f"guest:{code}", "privacy.erase", code, at, counts))
        return {"erased": list(ERASED), "kept": [{"what": k, "why": KEPT[k], "why_en": KEPT_EN[k]} for k in KEPT],
                "requested_at": at, "counts": counts}
