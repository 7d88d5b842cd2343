"""The event contract: every events/bus sample is valid for its model and round-trips to the same detail,
every model but the hand-sent one has a sample, version 1 keeps the detail as first published, and the
generated table in docs/architecture.md is current."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from diancan.domain.events import (
    EVENTS,
    CourierDispatchRequested,
    OrderPaid,
    OrderReady,
    parse_event,
)
from local import events_doc

pytestmark = pytest.mark.unit
SAMPLES = sorted((Path(__file__).resolve().parents[2] / "events" / "bus").glob("*.json"))


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_each_bus_sample_is_valid_for_its_model_and_round_trips(path):
    sample = json.loads(path.read_text(encoding="utf-8"))
    event = parse_event(sample["detail-type"], sample["detail"])
    assert event is not None and event.name == sample["detail-type"] == path.stem
    assert event.detail == sample["detail"]  # no field lost, renamed or added on the way


def test_every_event_but_the_hand_sent_one_has_a_sample():
    assert {p.stem for p in SAMPLES} == set(EVENTS) - {CourierDispatchRequested.name}


def test_a_detail_that_breaks_the_contract_is_refused_and_a_foreign_type_is_none():
    with pytest.raises(ValidationError):
        parse_event("OrderPaid", {"order_id": "o1", "store_id": "s1", "at": "t", "mode": "takeout"})
    assert parse_event("StockLow", {"order_id": "o1"}) is None


def test_version_1_details_carry_no_version_and_later_ones_do():
    ready = OrderReady(order_id="o1", store_id="s1", at="t", pickup_no=3, table_no=None, by="staff:x")
    assert list(ready.detail) == ["order_id", "store_id", "at", "pickup_no", "table_no", "by"]
    assert parse_event("OrderReady", ready.detail).version == 1
    later = ready.model_copy(update={"version": 2})
    assert later.detail["version"] == 2 and parse_event("OrderReady", later.detail).version == 2


def test_the_bus_entry_is_the_models_name_and_compact_detail(monkeypatch):
    from diancan.adapters import eventbus

    sent = []

    class Events:
        def put_events(self, Entries):  # boto3 names it so
            sent.extend(Entries)
            return {"FailedEntryCount": 0}

    monkeypatch.setattr(eventbus, "client", lambda service, region: Events())
    paid = OrderPaid(order_id="o1", store_id="s1", at="t", mode="takeout", total_fen=100, transaction_id="x",
                     pickup_no=1)
    eventbus.EventBus("bus", "ap-east-1").publish([paid])
    assert sent == [{"Source": "diancan.orders", "DetailType": "OrderPaid", "EventBusName": "bus",
                     "Detail": '{"order_id":"o1","store_id":"s1","at":"t","mode":"takeout","total_fen":100,'
                               '"transaction_id":"x","pickup_no":1}'}]


def test_the_events_table_in_architecture_md_is_current():
    doc = events_doc.DOC.read_text(encoding="utf-8")
    assert events_doc.render(doc) == doc, "run: .venv/bin/python -m local.events_doc"


def test_every_event_has_a_publisher_or_is_sent_by_hand_and_every_routed_event_a_consumer():
    made, fed = events_doc.publishers(), events_doc.consumers()
    assert {name for name, modules in made.items() if not modules} == {CourierDispatchRequested.name}
    assert all(fed[name] for name in EVENTS)
