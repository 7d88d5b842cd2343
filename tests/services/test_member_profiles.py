"""The member_profile consumer's use case on in-memory ports: a walk-in has no profile, a replay writes
nothing, a concurrent write is folded again on the fresh item, and a profile that keeps changing is a 409
the queue retries."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from diancan.domain.errors import Conflict
from diancan.domain.events import OrderCompleted
from diancan.domain.exceptions import ConditionFailed
from diancan.domain.member_profile import MemberProfile
from diancan.services.member_profiles import MemberProfiles
from local.demo_history import make_order

pytestmark = pytest.mark.service
ORDER = make_order("sh-jingan", "o1", datetime(2026, 12, 4, 4, 0, tzinfo=UTC), [("d-rice", "米饭", 200, 1, {})],
                   openid="g1")
EVENT = OrderCompleted(order_id="o1", store_id="sh-jingan", at=ORDER.created_at, mode="dine_in", total_fen=200,
                       by="staff:x")


class Orders:
    def __init__(self, order) -> None:
        self.order = order

    def get_order(self, order_id: str, *, consistent: bool = False):
        return self.order


class Stored:
    def __init__(self, profile, version) -> None:
        self.openid, self.profile, self.version = "g1", profile, version


class Profiles:
    """Profiles in a dict; ``conflicts`` saves fail first, as if another fold wrote in between."""

    def __init__(self, conflicts: int = 0) -> None:
        self.items: dict[str, tuple[MemberProfile, int]] = {}
        self.conflicts, self.saves, self.reads = conflicts, 0, 0

    def get(self, openid: str):
        self.reads += 1
        profile, version = self.items.get(openid, (MemberProfile(), 0))
        return Stored(profile, version)

    def save(self, openid: str, profile: MemberProfile, version: int) -> None:
        if self.conflicts:
            self.conflicts -= 1
            raise ConditionFailed("member_profile")
        self.saves += 1
        self.items[openid] = (profile, version + 1)


def test_a_walk_in_at_the_counter_has_no_profile():
    profiles = Profiles()
    walk_in = ORDER.model_copy(update={"openid": "staff:cashier-jingan"})
    assert MemberProfiles(Orders(walk_in), profiles).handle(EVENT) == "skipped"
    assert profiles.reads == 0


def test_a_replay_writes_nothing():
    profiles = Profiles()
    service = MemberProfiles(Orders(ORDER), profiles)
    assert [service.handle(EVENT), service.handle(EVENT)] == ["counted", "replay"]
    assert profiles.saves == 1 and profiles.items["g1"][0].visits == 1


def test_a_concurrent_write_is_folded_again_and_one_that_keeps_changing_is_retried_by_the_queue():
    profiles = Profiles(conflicts=2)
    assert MemberProfiles(Orders(ORDER), profiles).handle(EVENT) == "counted"
    assert (profiles.reads, profiles.saves) == (3, 1)
    with pytest.raises(Conflict):
        MemberProfiles(Orders(ORDER), Profiles(conflicts=3)).handle(EVENT)


def test_an_event_not_for_profiles_is_skipped():
    assert MemberProfiles(Orders(ORDER), Profiles()).handle(None) == "skipped"
