"""The console's 日结 pages: a manager reads a store's day and closes it once (sealed, anchored, audited); a
cashier may neither read the takings nor close the day."""

from __future__ import annotations

import pytest

from tests.console.conftest import BASE, login

pytestmark = pytest.mark.handlers

OWN = "sh-jingan"


def _today() -> str:
    from diancan.domain.clock import business_day, utcnow

    return business_day(utcnow()).isoformat()


def test_a_manager_closes_the_day_once_and_the_page_shows_the_seal(make_app, console):
    from diancan import bootstrap
    from diancan.adapters.chain_anchors import ChainAnchors

    day = _today()
    client = make_app().test_client()
    csrf = login(client, "jingan")
    assert "尚未结算" in client.get(f"/s/{OWN}/settlement/{day}", base_url=BASE).get_data(as_text=True)

    closed = client.post(f"/s/{OWN}/settlement/{day}/close", json={}, headers={"X-CSRF-Token": csrf}, base_url=BASE)
    again = client.post(f"/s/{OWN}/settlement/{day}/close", json={}, headers={"X-CSRF-Token": csrf}, base_url=BASE)

    assert closed.status_code == 200, closed.get_json()
    seal = closed.get_json()["seal"]
    assert seal["sealed_by"].startswith("staff:") and seal["status"] in ("balanced", "pending_bill")
    assert again.status_code == 409 and again.get_json()["code"] == "DAY_CLOSED"
    page = client.get(f"/s/{OWN}/settlement/{day}", base_url=BASE).get_data(as_text=True)
    assert 'id="settlement-sealed"' in page and 'id="close-day"' not in page
    assert day in client.get(f"/s/{OWN}/settlement", base_url=BASE).get_data(as_text=True)
    anchors = ChainAnchors(bootstrap.settings().anchor_bucket, bootstrap.settings().region)
    assert [(a["day"], a["seq"], a["head"]) for a in anchors.anchored(OWN)] == [(day, seal["seq"], seal["head"])]
    entries = [e for e in console.audit.recent(OWN, 20) if e.action == "day.close"]
    assert [e.target for e in entries] == [day]


def test_a_cashier_neither_reads_the_takings_nor_closes_the_day(make_app, console):
    day = _today()
    client = make_app().test_client()
    csrf = login(client, "cashier")

    assert client.get(f"/s/{OWN}/settlement/{day}", base_url=BASE).status_code == 403
    refused = client.post(f"/s/{OWN}/settlement/{day}/close", json={}, headers={"X-CSRF-Token": csrf}, base_url=BASE)
    assert refused.status_code == 403


def test_a_day_not_yet_begun_cannot_be_closed(make_app, console):
    client = make_app().test_client()
    csrf = login(client, "jingan")
    answer = client.post(f"/s/{OWN}/settlement/2999-01-01/close", json={}, headers={"X-CSRF-Token": csrf},
                         base_url=BASE)
    assert answer.status_code == 400 and answer.get_json()["code"] == "DAY_NOT_BEGUN"
