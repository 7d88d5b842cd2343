"""The console's decoy password hash: not derived when the staff service is built (every console cold start
paid 0.3-0.5 s for it), yet an unknown login name still costs the same scrypt work as a wrong password."""

from __future__ import annotations

import pytest

from diancan.adapters.staff_table import StoredStaff
from diancan.domain import passwords
from diancan.domain.passwords import ScryptCost, hash_password
from diancan.domain.staff import Role, Staff
from diancan.services.login_guard import Attempt
from diancan.services.staff import BadLogin, StaffAccounts

COST = ScryptCost(n=2**10, r=8, p=1)  # the rule, not the figure, is under test: keep it fast
ANN = StoredStaff(Staff(staff_id="ann", login="ann", name="Ann", role=Role.OWNER), hash_password("right", COST))


class Staffs:
    def __init__(self, known: StoredStaff) -> None:
        self.known = known

    def get(self, staff_id: str) -> StoredStaff | None:
        return self.known if staff_id == self.known.staff.staff_id else None


class OpenGuard:
    """The login throttle letting every attempt through (its rules have their own tests)."""

    def __init__(self, known: StoredStaff) -> None:
        self.known = known

    def check(self, login: str, client: str) -> Attempt:
        staff_id = self.known.staff.staff_id if login == self.known.staff.login else None
        return Attempt(login, client, staff_id, "account", "client", 1, 1)

    def failed(self, attempt: Attempt) -> None:
        pass

    def succeeded(self, attempt: Attempt) -> None:
        pass


@pytest.fixture
def derivations(monkeypatch) -> list[tuple[int, int, int]]:
    seen: list[tuple[int, int, int]] = []
    derive = passwords._derive

    def counted(password, salt, cost):
        seen.append((cost.n, cost.r, cost.p))
        return derive(password, salt, cost)

    monkeypatch.setattr(passwords, "_derive", counted)
    return seen


def _accounts() -> StaffAccounts:
    return StaffAccounts(Staffs(ANN), sessions=None, guard=OpenGuard(ANN), signing_key=b"k" * 32, ttl_seconds=60,
                         cost=COST)


def test_building_the_service_derives_no_hash(derivations):
    _accounts()
    assert derivations == []


def test_an_unknown_name_costs_one_scrypt_like_a_wrong_password(derivations):
    accounts = _accounts()
    with pytest.raises(BadLogin):
        accounts.login("ann", "wrong password")
    wrong_password = list(derivations)
    for attempt in range(3):  # the first derives the decoy, the next ones check against it
        derivations.clear()
        with pytest.raises(BadLogin):
            accounts.login(f"nobody{attempt}", "whatever")
        assert derivations == wrong_password == [(COST.n, COST.r, COST.p)]


def test_concurrent_first_unknown_logins_make_one_decoy(derivations):
    from concurrent.futures import ThreadPoolExecutor

    accounts = _accounts()

    def attempt(index: int) -> None:
        with pytest.raises(BadLogin):
            accounts.login(f"ghost{index}", "x")

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(attempt, range(16)))
    assert len(derivations) == 16  # one scrypt each, whoever made the decoy
    decoy = accounts._decoy
    attempt(99)
    assert accounts._decoy is decoy
