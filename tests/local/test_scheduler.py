"""The scheduler reads AWS rate/cron expressions and invokes with the EventBridge scheduled-event shape."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from local.functions import FunctionSpec
from local.gateway import Gateway
from local.lambda_runtime import LambdaRuntime
from local.scheduler import ScheduleError, Scheduler, parse_cron, parse_rate
from local.serve import serving

pytestmark = pytest.mark.unit

ECHO_FILE = Path(__file__).resolve().parents[1] / "fixtures" / "echo_function" / "handler.py"
NOON = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)  # a Tuesday


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        ("cron(0 2 * * ? *)", NOON, datetime(2026, 11, 25, 2, 0, tzinfo=UTC)),
        ("cron(0/15 * * * ? *)", NOON, datetime(2026, 11, 24, 12, 15, tzinfo=UTC)),
        ("cron(5,35 8-9 * * ? *)", NOON, datetime(2026, 11, 25, 8, 5, tzinfo=UTC)),
        (
            "cron(0 18 ? * MON-FRI *)",
            datetime(2026, 11, 27, 19, 0, tzinfo=UTC),
            datetime(2026, 11, 30, 18, 0, tzinfo=UTC),
        ),
        ("cron(0 1 ? * 1 *)", NOON, datetime(2026, 11, 29, 1, 0, tzinfo=UTC)),  # 1 = Sunday in AWS cron
        ("cron(0 8 1 * ? *)", NOON, datetime(2026, 12, 1, 8, 0, tzinfo=UTC)),
        ("cron(30 16 1 JAN ? 2027)", NOON, datetime(2027, 1, 1, 16, 30, tzinfo=UTC)),
    ],
)
def test_cron_expressions_fire_at_the_next_matching_minute_in_utc(expression, after, expected):
    assert parse_cron(expression).next_after(after) == expected


def test_the_next_firing_is_strictly_after_the_given_moment():
    assert parse_cron("cron(0 12 * * ? *)").next_after(NOON) == datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "expression",
    [
        "cron(0 2 L * ? *)",
        "cron(0 2 ? * 6L *)",
        "cron(0 2 ? * 2#1 *)",
        "cron(0 2 15W * ? *)",
        "cron(0 2 * * * *)",
        "cron(0 2 ? * ? *)",
        "cron(0 2 * * ?)",
        "cron(61 2 * * ? *)",
        "every day",
    ],
)
def test_forms_it_cannot_honour_are_refused_clearly(expression):
    with pytest.raises(ScheduleError):
        parse_cron(expression)


def test_rate_expressions_follow_aws_singular_and_plural_rules():
    assert parse_rate("rate(1 minute)").total_seconds() == 60
    assert parse_rate("rate(5 minutes)").total_seconds() == 300
    assert parse_rate("rate(2 days)").days == 2
    for wrong in ("rate(1 minutes)", "rate(5 minute)", "rate(0 hours)", "rate(1 week)"):
        with pytest.raises(ScheduleError):
            parse_rate(wrong)


def _scheduler(schedules) -> Scheduler:
    spec = FunctionSpec("sweeper", ECHO_FILE, "handler", schedules=schedules)
    return Scheduler(LambdaRuntime({"sweeper": spec}, stack_name="diancan-test"))


def test_run_now_sends_the_eventbridge_scheduled_event():
    [answer] = _scheduler((("rate(5 minutes)", None),)).run_now("sweeper")
    event = answer["event"]
    assert event["detail-type"] == "Scheduled Event" and event["source"] == "aws.events"
    assert event["version"] == "0" and event["account"] == "123456789012" and event["region"] == "us-east-1"
    assert event["detail"] == {} and event["id"] and event["time"].endswith("Z")
    assert event["resources"] == [
        "arn:aws:events:us-east-1:123456789012:rule/diancan-test-sweeper-schedule-1"
    ]


def test_a_configured_input_is_the_whole_event_as_in_eventbridge():
    [answer] = _scheduler((("cron(0 2 * * ? *)", {"period": "daily"}),)).run_now("sweeper")
    assert answer["event"] == {"period": "daily"}


def test_an_unknown_expression_stops_the_scheduler_at_start():
    with pytest.raises(ScheduleError):
        _scheduler((("cron(0 2 L * ? *)", None),))


def test_the_gateway_runs_a_schedule_on_post():
    scheduler = _scheduler((("rate(1 day)", None),))
    with serving(Gateway(scheduler.runtime, schedules=scheduler)) as server:
        answer = requests.post(f"{server.base_url}/dev/schedule/sweeper", timeout=5)
        assert answer.status_code == 200
        assert answer.json()["results"][0]["event"]["detail-type"] == "Scheduled Event"
        assert requests.post(f"{server.base_url}/dev/schedule/nobody", timeout=5).status_code == 404


def test_the_scheduler_thread_keeps_running_with_schedules_that_carry_an_input():
    scheduler = _scheduler((("rate(1 minute)", {"period": "day"}), ("rate(5 minutes)", None))).start()
    try:
        assert scheduler._thread is not None
        scheduler._thread.join(timeout=0.5)
        assert scheduler._thread.is_alive()
    finally:
        scheduler.stop()


def test_the_next_firing_of_a_started_scheduler_follows_its_rate_from_the_start():
    scheduler = _scheduler((("rate(5 minutes)", None), ("rate(1 minute)", {"period": "day"})))
    with pytest.raises(RuntimeError):
        scheduler.next_firing("sweeper", datetime.now(UTC))
    scheduler.start()
    try:
        started = scheduler._started
        assert scheduler.next_firing("sweeper", started) == started + timedelta(minutes=1)
        assert scheduler.next_firing("sweeper", started + timedelta(seconds=130)) == started + timedelta(minutes=3)
        with pytest.raises(KeyError):
            scheduler.next_firing("nobody", started)
    finally:
        scheduler.stop()
