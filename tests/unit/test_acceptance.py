"""The watch on orders nobody accepts: which stores, the minutes (defaults, checked, alarm first) and the due
minutes of the sweeper's two tasks (never one the sweeper may have passed already)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from diancan.domain.acceptance import ALARM_TASK, TIMEOUT_TASK, AcceptTimeouts, accepts_manually, watch_tasks
from diancan.domain.menu import Store

pytestmark = pytest.mark.unit
PAID = datetime(2026, 12, 4, 11, 58, 20, tzinfo=UTC)


def store(**settings) -> Store:
    return Store(store_id="sh-jingan", name="静安店", settings=settings)


def test_only_a_store_that_prints_on_accept_accepts_by_hand():
    assert accepts_manually(store(print_when="accept"))
    assert not accepts_manually(store(print_when="payment")) and not accepts_manually(store())
    assert not accepts_manually(store(print_when="demand"))


def test_the_minutes_default_to_5_and_15_and_a_broken_stored_value_falls_back_to_them():
    assert AcceptTimeouts.of(store()) == AcceptTimeouts(alarm_after_min=5, cancel_after_min=15)
    assert AcceptTimeouts.of(store(unaccepted={"alarm_after_min": 9, "cancel_after_min": 3})).cancel_after_min == 15
    assert AcceptTimeouts.of(store(unaccepted={"alarm_after_min": 2, "cancel_after_min": 7})).alarm_after_min == 2


@pytest.mark.parametrize("minutes", [(5, 5), (6, 5), (0, 15), (5, 241), (121, 200)])
def test_the_alarm_comes_first_and_both_stay_in_range(minutes):
    with pytest.raises(ValidationError):
        AcceptTimeouts(alarm_after_min=minutes[0], cancel_after_min=minutes[1])


def test_the_tasks_fall_due_n_and_m_minutes_after_payment():
    tasks = watch_tasks(PAID, AcceptTimeouts(alarm_after_min=5, cancel_after_min=15), now=PAID + timedelta(seconds=3))
    assert tasks == [("2026-12-04T12:03", ALARM_TASK), ("2026-12-04T12:13", TIMEOUT_TASK)]


def test_a_payment_handled_late_is_watched_from_the_next_minute_not_from_a_minute_already_swept():
    late = PAID + timedelta(minutes=9)
    tasks = watch_tasks(PAID, AcceptTimeouts(alarm_after_min=5, cancel_after_min=15), now=late)
    assert tasks == [("2026-12-04T12:08", ALARM_TASK), ("2026-12-04T12:13", TIMEOUT_TASK)]
