"""Publishing events (domain.events models) to the EventBridge bus: the model's ``name`` is the detail-type,
its ``detail`` the JSON detail. A failure raises, so the caller's source retries."""

from __future__ import annotations

import json
from collections.abc import Sequence

from diancan.adapters.aws import client
from diancan.domain.events import OrderEvent

SOURCE = "diancan.orders"


class EventPublishFailed(Exception):
    """Some entries were not accepted; the handler must fail so the event is published on retry."""


class EventBus:
    def __init__(self, bus_name: str, region: str) -> None:
        self._bus_name = bus_name
        self._region = region

    def publish(self, events: Sequence[OrderEvent]) -> None:
        for start in range(0, len(events), 10):  # PutEvents takes at most 10 entries
            batch = events[start:start + 10]
            answer = client("events", self._region).put_events(Entries=[
                {"Source": SOURCE, "DetailType": e.name, "EventBusName": self._bus_name,
                 "Detail": json.dumps(e.detail, ensure_ascii=False, separators=(",", ":"))}
                for e in batch
            ])
            if answer.get("FailedEntryCount"):
                raise EventPublishFailed(f"{answer['FailedEntryCount']} of {len(batch)} events not published")
