"""The shared table cart under real concurrency: guests racing against a serialised moto server (which applies
conditions and transactions atomically, as DynamoDB does)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

pytestmark = pytest.mark.handlers


@pytest.fixture
def server_tables(server_aws):
    """A SeatingTable talking to a moto server, which applies conditions atomically like DynamoDB."""
    from diancan import bootstrap

    return bootstrap.seating_table()


def fresh_session(n: int):
    from diancan.domain.tables import SettleMode, TableSession

    return TableSession(session_id=f"race{n:04d}", store_id="sh-jingan", table_no="A3", mode=SettleMode.PAY_AFTER,
                        opened_by=f"openid-{n}", opened_at="2026-11-24T04:30:00.000Z")


def line(guest: str, n: int):
    from diancan.domain.tables import CartLine

    return CartLine(line_id=f"{guest}-{n:02d}", dish_id="d-qingcai", qty=1, added_by=f"openid-{guest}",
                    added_by_name=guest, added_at=f"2026-11-24T04:31:{n:02d}.000Z")


def test_guests_scanning_at_once_all_join_one_session(server_tables):
    with ThreadPoolExecutor(max_workers=8) as pool:
        sessions = list(pool.map(lambda n: server_tables.open_or_join(fresh_session(n), f"openid-{n}", f"g{n}"),
                                 range(8)))
    assert len({s.session_id for s in sessions}) == 1
    assert len(server_tables.session(sessions[0].session_id).guests) == 8


def test_two_guests_editing_the_cart_at_once_lose_no_line(server_tables):
    session = server_tables.open_or_join(fresh_session(0), "openid-alice", "alice")

    def add_all(guest: str) -> None:
        for n in range(12):
            server_tables.add_line(session.session_id, line(guest, n))

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(add_all, ["alice", "bob"]))
    after, lines, _ = server_tables.session_items(session.session_id)
    assert sorted(x.line_id for x in lines) == sorted(f"{g}-{n:02d}" for g in ("alice", "bob") for n in range(12))
    assert after.version == 24  # every change counted once


def test_a_round_from_a_cart_that_changed_meanwhile_is_refused_and_writes_nothing(server_tables):
    from diancan.adapters.seating_table import CartChanged
    from diancan.domain.tables import Round

    session = server_tables.open_or_join(fresh_session(1), "openid-alice", "alice")
    server_tables.add_line(session.session_id, line("alice", 1))
    seen, lines, _ = server_tables.session_items(session.session_id)
    server_tables.add_line(session.session_id, line("bob", 2))  # Bob adds while Alice submits
    entry = Round(round_no=1, lines=[], by="openid-alice", at="2026-11-24T04:32:00.000Z", order_id="O1",
                  on_tab=False, line_indexes=[])
    with pytest.raises(CartChanged):
        server_tables.commit_round(server_tables.round_writes(seen, seen.version, entry, [x.line_id for x in lines]))
    after, kept, rounds = server_tables.session_items(session.session_id)
    assert len(kept) == 2 and rounds == [] and after.round_count == 0
