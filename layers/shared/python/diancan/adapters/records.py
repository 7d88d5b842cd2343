"""pynamodb models of the one table. Polymorphic on ``kind`` so a partition query yields typed records.

Records hold the stored shape only; converting to and from domain models happens in the repository.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    DiscriminatorAttribute,
    JSONAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from diancan.settings import get_settings

_settings = get_settings()


class _Gsi1(GlobalSecondaryIndex):
    class Meta:
        index_name = "GSI1"
        projection = AllProjection()

    GSI1PK = UnicodeAttribute(hash_key=True)
    GSI1SK = UnicodeAttribute(range_key=True)


class _Gsi2(GlobalSecondaryIndex):
    class Meta:
        index_name = "GSI2"
        projection = AllProjection()

    GSI2PK = UnicodeAttribute(hash_key=True)
    GSI2SK = UnicodeAttribute(range_key=True)


class Record(Model):
    class Meta:
        table_name = _settings.table_name
        region = _settings.region
        connect_timeout_seconds = 2
        read_timeout_seconds = 5
        max_retry_attempts = 3

    PK = UnicodeAttribute(hash_key=True)
    SK = UnicodeAttribute(range_key=True)
    kind = DiscriminatorAttribute()
    GSI1PK = UnicodeAttribute(null=True)
    GSI1SK = UnicodeAttribute(null=True)
    GSI2PK = UnicodeAttribute(null=True)
    GSI2SK = UnicodeAttribute(null=True)
    expires_at = NumberAttribute(null=True)
    gsi1 = _Gsi1()
    gsi2 = _Gsi2()


class StoreRecord(Record, discriminator="store"):
    store_id = UnicodeAttribute()
    doc = JSONAttribute()


class CategoryRecord(Record, discriminator="category"):
    doc = JSONAttribute()


class DishRecord(Record, discriminator="dish"):
    """Fields that change under concurrency are top level, so conditions and counters can use them."""

    price_fen = NumberAttribute()
    on_shelf = BooleanAttribute(default=True)
    sold_out = BooleanAttribute(default=False)
    portions_left = NumberAttribute(null=True)
    daily_portions = NumberAttribute(null=True)
    sold_count = NumberAttribute(default=0)
    rating_sum = NumberAttribute(default=0)
    rating_count = NumberAttribute(default=0)
    doc = JSONAttribute()


class TableRecord(Record, discriminator="table"):
    doc = JSONAttribute()


class OrderRecord(Record, discriminator="order"):
    """The order: an immutable priced snapshot (``doc``) plus its mutable state as top-level fields."""

    store_id = UnicodeAttribute()
    openid = UnicodeAttribute()
    status = UnicodeAttribute()
    doc = JSONAttribute()
    history = ListAttribute(default=list)
    version = NumberAttribute(default=1)
    paid_at = UnicodeAttribute(null=True)
    pickup_no = NumberAttribute(null=True)
    refunded_fen = NumberAttribute(default=0)
    prepay_id = UnicodeAttribute(null=True)


class OrderKeyRecord(Record, discriminator="order_key"):
    """Idempotency-Key of a placed order: the same key from the same guest returns the same order."""

    order_id = UnicodeAttribute()
    request_hash = UnicodeAttribute()


class UserRecord(Record, discriminator="user"):
    openid = UnicodeAttribute()
    created_at = UnicodeAttribute()
    last_login_at = UnicodeAttribute(null=True)
    doc = JSONAttribute(default=dict)


def configure(table_name: str, region: str) -> None:
    """Point every record class at ``table_name`` and drop cached connections (tests, local stack)."""
    Record.Meta.table_name = table_name
    Record.Meta.region = region
    pending = [Record]
    while pending:
        cls = pending.pop()
        cls._connection = None
        pending.extend(cls.__subclasses__())
