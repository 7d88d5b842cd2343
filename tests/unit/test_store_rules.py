"""Opening hours, pre-order windows and order request rules (Asia/Shanghai local time)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from diancan.domain.errors import DomainError
from diancan.domain.menu import OpeningPeriod, Store
from diancan.domain.order import OrderRequest, validate_request

pytestmark = pytest.mark.unit


def shanghai(y, m, d, hh, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=UTC) - timedelta(hours=8)


LUNCH_AND_DINNER = Store(store_id="s", name="店", hours=[OpeningPeriod(open="10:00", close="14:00"),
                                                          OpeningPeriod(open="17:00", close="22:00")])
LATE_NIGHT = Store(store_id="s", name="夜宵", hours=[OpeningPeriod(days=[4, 5], open="18:00", close="02:00")])


@pytest.mark.parametrize(("moment", "is_open"), [
    (shanghai(2026, 11, 24, 9, 59), False), (shanghai(2026, 11, 24, 10, 0), True),
    (shanghai(2026, 11, 24, 13, 59), True), (shanghai(2026, 11, 24, 14, 0), False),
    (shanghai(2026, 11, 24, 21, 59), True), (shanghai(2026, 11, 24, 22, 0), False),
])
def test_hours_are_local_time_with_the_close_excluded(moment, is_open):
    assert LUNCH_AND_DINNER.is_open_at(moment) is is_open


def test_a_period_past_midnight_belongs_to_the_day_it_starts():
    assert LATE_NIGHT.is_open_at(shanghai(2026, 11, 27, 23))  # Friday night
    assert LATE_NIGHT.is_open_at(shanghai(2026, 11, 28, 1, 30))  # early Saturday, Friday's period
    assert LATE_NIGHT.is_open_at(shanghai(2026, 11, 29, 1, 30))  # early Sunday, Saturday's period
    assert not LATE_NIGHT.is_open_at(shanghai(2026, 11, 30, 1, 30))  # early Monday: Sunday is closed
    assert not LATE_NIGHT.is_open_at(shanghai(2026, 11, 26, 23))  # Thursday


def test_a_store_that_stopped_accepting_orders_is_closed():
    store = LUNCH_AND_DINNER.model_copy(update={"accepting_orders": False})
    assert not store.is_open_at(shanghai(2026, 11, 24, 12))


def request(**overrides) -> OrderRequest:
    return OrderRequest.model_validate({"store_id": "s", "mode": "takeout",
                                        "items": [{"dish_id": "d", "qty": 1}], **overrides})


def refusal(req: OrderRequest, now: datetime, table_exists: bool = False) -> str | None:
    try:
        validate_request(req, LUNCH_AND_DINNER, now=now, table_exists=table_exists)
    except DomainError as error:
        return error.code
    return None


def test_pre_orders_must_fall_in_opening_hours_within_seven_days():
    now = shanghai(2026, 11, 24, 8)  # before opening
    assert refusal(request(), now) == "STORE_CLOSED"
    assert refusal(request(pickup_at=shanghai(2026, 11, 24, 12).isoformat()), now) is None
    assert refusal(request(pickup_at=shanghai(2026, 11, 24, 15).isoformat()), now) == "STORE_CLOSED_AT_PICKUP"
    assert refusal(request(pickup_at=shanghai(2026, 11, 30, 21).isoformat()), now) is None
    assert refusal(request(pickup_at=shanghai(2026, 12, 1, 12).isoformat()), now) == "PREORDER_TOO_FAR"
    assert refusal(request(pickup_at=shanghai(2026, 11, 23, 12).isoformat()), now) == "INVALID_PICKUP_TIME"


def test_dine_in_needs_an_existing_table_and_is_for_now():
    now = shanghai(2026, 11, 24, 12)
    assert refusal(request(mode="dine_in", table_no="A1"), now, table_exists=False) == "TABLE_NOT_FOUND"
    assert refusal(request(mode="dine_in", table_no="A1"), now, table_exists=True) is None
    later = shanghai(2026, 11, 24, 13).isoformat()
    assert refusal(request(mode="dine_in", table_no="A1", pickup_at=later), now, True) == "INVALID_PICKUP_TIME"


def test_a_mode_the_store_does_not_offer_is_refused():
    store = LUNCH_AND_DINNER.model_copy(update={"modes": ["dine_in"]})
    with pytest.raises(DomainError) as refused:
        validate_request(request(), store, now=shanghai(2026, 11, 24, 12), table_exists=False)
    assert refused.value.code == "MODE_NOT_OFFERED"
