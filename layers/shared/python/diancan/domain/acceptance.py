"""Orders nobody accepts: a store that accepts its orders by hand (``print_when`` "accept": the kitchen waits
for staff to accept) gets an alarm after ``alarm_after_min`` minutes and, after ``cancel_after_min``, the order
is refunded in full automatically, so no guest waits forever (``Store.settings["unaccepted"]``, edited on the
console's settings page). Both are due work of the order sweeper, added when the order is paid."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, Field, ValidationError, model_validator

from diancan.domain.clock import minute_of
from diancan.domain.menu import Store
from diancan.domain.printing import PrintWhen

ALARM_TASK = "accept_alarm"  # the sweeper's task names (SweepRecord.task)
TIMEOUT_TASK = "accept_timeout"
NOT_ACCEPTED_REASON = "not_accepted"  # the automatic refund's reason (OrderRefunded.reason, the guest's notice)
ALARM_SENT = "UnacceptedAlarm"  # in Order.published once the alarm went out: once per order
ALERT_KIND = "order_unaccepted"


class AcceptTimeouts(BaseModel):
    """Minutes after payment: the managers' alarm, then the automatic cancel and refund (alarm first)."""

    alarm_after_min: int = Field(5, ge=1, le=120, description="minutes after payment before the alarm")
    cancel_after_min: int = Field(15, ge=2, le=240, description="minutes after payment before the refund")

    @model_validator(mode="after")
    def _alarm_first(self) -> AcceptTimeouts:
        if self.alarm_after_min >= self.cancel_after_min:
            raise ValueError("the alarm comes before the automatic cancel")
        return self

    @classmethod
    def of(cls, store: Store) -> AcceptTimeouts:
        """The store's minutes; the defaults where it set none (or a stored value no longer passes)."""
        try:
            return cls.model_validate(store.settings.get("unaccepted") or {})
        except ValidationError:
            return cls()


def accepts_manually(store: Store) -> bool:
    """Staff accept each order before the kitchen starts (tickets print on accept)."""
    return store.settings.get("print_when") == PrintWhen.ACCEPT


def watch_tasks(paid_at: datetime, timeouts: AcceptTimeouts, now: datetime) -> list[tuple[str, str]]:
    """(minute bucket, task) of the alarm and the automatic cancel; never a minute the sweeper may have passed
    (a payment handled late is watched from the next minute on)."""
    soonest = now + timedelta(minutes=1)
    return [(minute_of(max(paid_at + timedelta(minutes=after), soonest)), task)
            for after, task in ((timeouts.alarm_after_min, ALARM_TASK), (timeouts.cancel_after_min, TIMEOUT_TASK))]
