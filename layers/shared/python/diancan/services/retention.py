"""Personal data kept only as long as needed: a daily job drops what has outlived its retention.

- delivery addresses (with the contact's phone) of orders older than ``address_days``: the order stays, with
  what accounting needs (lines, amounts, status, vouchers);
- a guest's phone number once their latest order is older than ``phone_days``, or, for a guest who shared it and
  never ordered, once the day they shared it is;
- review pictures older than ``review_picture_days`` (text and stars stay): their files in the pictures bucket,
  every version, first (as the erasure worker does), then the keys on the reviews; a failed delete leaves the
  review to be found by the next run.
Logs expire by CloudWatch's retention (stage param ``logRetentionDays``); items that expire whole (sessions,
nonces, idempotency keys, sweep buckets) by DynamoDB TTL.

Each kind's due items are found through an index by day, never a scan. The job looks at the
``CATCH_UP_DAYS`` days up to each cut-off, so a run that failed is made good by the next; dropping what is
already gone writes nothing, so a repeated run is harmless.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from diancan.domain.clock import BUSINESS_TZ_DEFAULT, business_day, iso, utcnow, zone
from diancan.domain.review_pictures import is_key
from diancan.services.ports import OrderRepository, PersonalData, PictureStorage

logger = logging.getLogger(__name__)
CATCH_UP_DAYS = 7


@dataclass(frozen=True)
class Retention:
    address_days: int = 30
    phone_days: int = 365
    review_picture_days: int = 365


class RetentionJob:
    def __init__(self, repository: OrderRepository, personal: PersonalData, retention: Retention,
                 pictures: PictureStorage, *, tz: str = BUSINESS_TZ_DEFAULT,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self._repository = repository
        self._personal = personal
        self._pictures = pictures
        self._retention = retention
        self._tz = tz
        self._clock = clock

    def run(self) -> dict[str, int]:
        today = business_day(self._clock(), self._tz)
        stores = [store.store_id for store in self._repository.list_stores()]
        done = {"addresses": 0, "phones": 0, "review_pictures": 0}
        for back in range(CATCH_UP_DAYS):
            address_day = (today - timedelta(days=self._retention.address_days + back)).isoformat()
            for store_id in stores:
                done["addresses"] += sum(self._personal.drop_address(order.order_id)
                                         for order in self._personal.orders_of_day(store_id, address_day)
                                         if order.has_address)
            phone_day = (today - timedelta(days=self._retention.phone_days + back)).isoformat()
            done["phones"] += sum(self._personal.drop_phone(openid)
                                  for openid in self._personal.last_ordered_on(phone_day))
            done["phones"] += sum(self._personal.drop_phone_only(openid, phone_day)
                                  for openid in self._personal.phone_only_since(phone_day))
            picture_day = today - timedelta(days=self._retention.review_picture_days + back)
            start = datetime.combine(picture_day, time(), zone(self._tz)).astimezone(UTC)
            for store_id in stores:
                for first, last in _within_months(start, start + timedelta(days=1)):
                    done["review_pictures"] += self._drop_pictures(store_id, iso(first), iso(last))
        logger.info("retention applied", extra=done)
        return done

    def _drop_pictures(self, store_id: str, start_iso: str, end_iso: str) -> int:
        """The files first (every version), then the reviews' keys: how many reviews had pictures."""
        dropped = 0
        for review_key, order_id, pictures in self._personal.dated_review_pictures(store_id, start_iso, end_iso):
            self._pictures.delete([key for key in pictures if is_key(key)])  # older https pictures: no file of ours
            dropped += int(self._personal.drop_review_pictures(review_key, order_id))
        return dropped


def _within_months(start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """[start, end) split where a UTC month begins (review items are indexed by month)."""
    first_of_next = (start.replace(day=1) + timedelta(days=32)).replace(day=1, hour=0, minute=0, second=0,
                                                                        microsecond=0)
    if end <= first_of_next:
        return [(start, end - timedelta(microseconds=1000))]
    return [(start, first_of_next - timedelta(microseconds=1000)), (first_of_next, end - timedelta(microseconds=1000))]
