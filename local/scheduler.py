"""Run scheduled functions as EventBridge would: ``rate(...)`` and six-field AWS ``cron(...)`` in UTC.

Cron fields are minutes, hours, day-of-month, month, day-of-week (1-7 = SUN-SAT, or SUN..SAT), year;
one of day-of-month / day-of-week must be ``?``. ``*``, ``?``, lists, ranges, steps and names are
understood; ``L``, ``W`` and ``#`` are refused with a clear error rather than guessed.

As in EventBridge, a schedule with a configured ``input`` sends exactly that JSON as the event; without
one the function gets the ``Scheduled Event``. A rate schedule first fires one period after start.
"""

from __future__ import annotations

import logging
import re
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from local.infra import LOCAL_ACCOUNT_ID
from local.lambda_runtime import LambdaRuntime

logger = logging.getLogger(__name__)

_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_CRON = re.compile(r"^cron\((.+)\)$")
_MONTHS = {
    name: n
    for n, name in enumerate(
        ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], 1
    )
}
_DAYS = {name: n for n, name in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], 1)}
_SEARCH_DAYS = 366 * 5


class ScheduleError(ValueError):
    """An expression the local scheduler does not understand."""


@dataclass(frozen=True)
class Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    days_of_month: frozenset[int] | None  # None = "?"
    months: frozenset[int]
    days_of_week: frozenset[int] | None  # 1 = Sunday, as in AWS; None = "?"
    years: frozenset[int] | None  # None = every year

    def next_after(self, moment: datetime) -> datetime:
        """The first minute strictly after ``moment`` (UTC) that matches."""
        start = moment.astimezone(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
        for offset in range(_SEARCH_DAYS):
            day = (start + timedelta(days=offset)).date()
            if not self._matches_day(day):
                continue
            for hour in sorted(self.hours):
                for minute in sorted(self.minutes):
                    candidate = datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)
                    if candidate >= start:
                        return candidate
        raise ScheduleError("cron expression never fires in the next five years")

    def _matches_day(self, day: Any) -> bool:
        aws_weekday = (day.isoweekday() % 7) + 1  # Monday=1..Sunday=7 → Sunday=1..Saturday=7
        return (
            day.month in self.months
            and (self.years is None or day.year in self.years)
            and (self.days_of_month is None or day.day in self.days_of_month)
            and (self.days_of_week is None or aws_weekday in self.days_of_week)
        )


def parse_cron(expression: str) -> Cron:
    """``cron(0 2 * * ? *)`` → Cron. Raises ScheduleError for forms it cannot honour."""
    match = _CRON.match(expression.strip())
    fields = match.group(1).split() if match else []
    if len(fields) != 6:
        raise ScheduleError(
            f"{expression!r}: AWS cron needs six fields (min hour day-of-month month day-of-week year)"
        )
    minute, hour, day_of_month, month, day_of_week, year = fields
    if (day_of_month == "?") == (day_of_week == "?"):
        raise ScheduleError(f"{expression!r}: exactly one of day-of-month and day-of-week must be '?'")
    return Cron(
        minutes=_field(minute, 0, 59, expression),
        hours=_field(hour, 0, 23, expression),
        days_of_month=None if day_of_month == "?" else _field(day_of_month, 1, 31, expression),
        months=_field(month, 1, 12, expression, _MONTHS),
        days_of_week=None if day_of_week == "?" else _field(day_of_week, 1, 7, expression, _DAYS),
        years=None if year in ("*", "?") else _field(year, 1970, 2199, expression),
    )


def _field(
    text: str, low: int, high: int, expression: str, names: dict[str, int] | None = None
) -> frozenset[int]:
    if any(mark in text.upper() for mark in ("L", "W", "#")) and not (names and _only_names(text, names)):
        raise ScheduleError(f"{expression!r}: L, W and # are not supported by the local scheduler")
    values: set[int] = set()
    for part in text.split(","):
        body, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if body in ("*", "?"):
            first, last = low, high
        elif "-" in body:
            first_text, last_text = body.split("-", 1)
            first, last = _value(first_text, names, expression), _value(last_text, names, expression)
        else:
            first = _value(body, names, expression)
            last = high if step_text else first
        if not (low <= first <= high and low <= last <= high) or step < 1 or first > last:
            raise ScheduleError(f"{expression!r}: {part!r} is out of range {low}-{high}")
        values.update(range(first, last + 1, step))
    return frozenset(values)


def _only_names(text: str, names: dict[str, int]) -> bool:
    return all(token in names or token.isdigit() for token in re.split(r"[,\-/]", text.upper()) if token)


def _value(token: str, names: dict[str, int] | None, expression: str) -> int:
    if token.isdigit():
        return int(token)
    if names and token.upper() in names:
        return names[token.upper()]
    raise ScheduleError(f"{expression!r}: cannot read {token!r}")


def parse_rate(expression: str) -> timedelta:
    match = _RATE.match(expression.strip())
    if not match:
        raise ScheduleError(f"{expression!r}: expected rate(<n> minute(s)|hour(s)|day(s))")
    amount, unit = int(match.group(1)), match.group(2)
    if amount < 1 or (amount == 1) != (not unit.endswith("s")):
        raise ScheduleError(f"{expression!r}: AWS wants 'rate(1 unit)' or 'rate(n units)' with n > 1")
    return timedelta(**{unit.rstrip("s") + "s": amount})


@dataclass(frozen=True)
class Schedule:
    function_name: str
    expression: str
    input: dict[str, Any] | None
    rule_name: str

    def next_after(self, moment: datetime, started: datetime) -> datetime:
        if self.expression.startswith("rate("):
            period = parse_rate(self.expression)
            periods = int((moment - started) / period) + 1
            return started + periods * period
        return parse_cron(self.expression).next_after(moment)


class Scheduler:
    """Fires every schedule of the runtime's functions on time (``start``/``stop``) or on demand (``run_now``)."""

    def __init__(self, runtime: LambdaRuntime) -> None:
        self.runtime = runtime
        self.schedules = [
            Schedule(name, expression, payload, f"{runtime.stack_name}-{name}-schedule-{index}")
            for name, spec in sorted(runtime.specs.items())
            for index, (expression, payload) in enumerate(spec.schedules, 1)
        ]
        for schedule in self.schedules:  # refuse unknown forms at start, not at the first firing
            schedule.next_after(datetime.now(UTC), datetime.now(UTC))
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._started: datetime | None = None

    def scheduled_functions(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for schedule in self.schedules:
            found.setdefault(schedule.function_name, []).append(schedule.expression)
        return found

    def event_for(self, schedule: Schedule, when: datetime) -> dict[str, Any]:
        if schedule.input is not None:
            return schedule.input
        return {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": LOCAL_ACCOUNT_ID,
            "time": when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": self.runtime.region,
            "resources": [
                f"arn:aws:events:{self.runtime.region}:{LOCAL_ACCOUNT_ID}:rule/{schedule.rule_name}"
            ],
            "detail": {},
        }

    def run_now(self, function_name: str) -> list[Any]:
        """Invoke every schedule of ``function_name`` once now; returns the handlers' answers."""
        schedules = [s for s in self.schedules if s.function_name == function_name]
        if not schedules:
            raise KeyError(f"{function_name} has no schedule")
        return [self.runtime.invoke(function_name, self.event_for(s, datetime.now(UTC))) for s in schedules]

    def next_firing(self, function_name: str, after: datetime) -> datetime:
        """When the started scheduler first invokes ``function_name`` after ``after`` (its soonest schedule):
        an e2e test can time what it sets up to the firing instead of waiting a whole period for it."""
        if self._started is None:
            raise RuntimeError("the scheduler is not started")
        firings = [s.next_after(after, self._started) for s in self.schedules if s.function_name == function_name]
        if not firings:
            raise KeyError(f"{function_name} has no schedule")
        return min(firings)

    def start(self) -> Scheduler:
        self._started = datetime.now(UTC)
        if self.schedules:
            self._thread = threading.Thread(target=self._run, args=(self._started,), name="scheduler", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._thread:
            self._thread.join(timeout=5)

    def _run(self, started: datetime) -> None:
        # Keyed by position: a schedule with an ``input`` holds a dict, so it cannot be a dict key itself.
        due = {index: schedule.next_after(started, started) for index, schedule in enumerate(self.schedules)}
        while not self._stopping.is_set():
            index, when = min(due.items(), key=lambda item: item[1])
            schedule = self.schedules[index]
            wait = (when - datetime.now(UTC)).total_seconds()
            if wait > 0 and self._stopping.wait(min(wait, 30)):
                return
            if datetime.now(UTC) < when:
                continue
            try:
                self.runtime.invoke(schedule.function_name, self.event_for(schedule, when))
            except Exception:
                logger.exception("scheduled invocation failed", extra={"function": schedule.function_name})
            due[index] = schedule.next_after(when, started)
