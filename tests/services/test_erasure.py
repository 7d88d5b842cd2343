"""Erasure as due work, on in-memory fakes: the request only records; the worker erases in bounded batches,
resumes where it stopped, never counts twice, defers on an unavailable dependency and audits once when done."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from diancan.adapters.personal_data import GuestOrder
from diancan.domain.errors import UpstreamUnavailable
from diancan.services import erasure as erasure_module
from diancan.services.erasure import ErasureService, ErasureWorker
from tests.services.fakes import FakeDueQueue, FakeErasures

pytestmark = pytest.mark.service
NOW = datetime(2026, 12, 5, 4, 0, tzinfo=UTC)
GUEST = "openid-frank"


@dataclass
class Standing:
    points: int = 0


@dataclass
class Guest:
    """The guest's data as the fakes below hold it."""

    orders: list[GuestOrder]
    addresses: set[str]
    reviews: dict[str, list[str]]
    nicknames: dict[str, int]
    points: int = 40
    phone: bool = True
    files: set[str] = field(default_factory=set)
    ledger: list[tuple[str, int]] = field(default_factory=list)
    audit: list = field(default_factory=list)
    fail_pictures: int = 0
    member_profile: bool = True  # the profile folded from their orders (用户画像)


class Personal:
    def __init__(self, guest: Guest) -> None:
        self.g = guest

    def orders_page(self, openid, start, limit):
        at = (start or {}).get("at", 0)
        page = self.g.orders[at:at + limit]
        return page, ({"at": at + limit} if at + limit < len(self.g.orders) else None)

    def drop_address(self, order_id):
        if order_id in self.g.addresses:
            self.g.addresses.discard(order_id)
            return True
        return False

    def review_pictures(self, order_id):
        return self.g.reviews.get(order_id)

    def blank_review(self, order_id):
        return self.g.reviews.pop(order_id, None) is not None

    def nickname_sessions(self, openid):
        return sorted(self.g.nicknames)

    def blank_nickname(self, openid, session_id):
        return self.g.nicknames.pop(session_id, 0)

    def forget_profile(self, openid):
        pass


class Activity:
    def __init__(self, guest: Guest) -> None:
        self.g = guest

    def forget(self, openid, at):
        self.g.phone = False


class Marketing:
    def __init__(self, guest: Guest) -> None:
        self.g = guest

    def standing(self, openid):
        return Standing(self.g.points)

    def post_points(self, openid, ref, delta, *, at, note=""):
        if any(r == ref for r, _ in self.g.ledger):
            return False
        self.g.ledger.append((ref, delta))
        self.g.points += delta
        return True


class Pictures:
    def __init__(self, guest: Guest) -> None:
        self.g = guest

    def delete(self, keys):
        if self.g.fail_pictures:
            self.g.fail_pictures -= 1
            raise UpstreamUnavailable("s3 unavailable")
        found = [k for k in keys if k in self.g.files]
        self.g.files -= set(found)
        return len(found)


class Profiles:
    def __init__(self, guest: Guest) -> None:
        self.g = guest

    def erase(self, openid, at):
        self.g.member_profile = False


class Audit:
    def __init__(self, guest: Guest) -> None:
        self.g = guest

    def append(self, entry):
        self.g.audit.append(entry)


def world(orders: int = 5):
    ids = [f"O{n}" for n in range(orders)]
    guest = Guest(orders=[GuestOrder(i, "sh-jingan", True, "COMPLETED") for i in ids], addresses=set(ids),
                  reviews={"O1": ["reviews/a/1.jpg"], "O3": []}, nicknames={"S1": 3}, files={"reviews/a/1.jpg"})
    queue = FakeDueQueue()
    erasures = FakeErasures(queue)
    service = ErasureService(erasures, clock=lambda: NOW, token=lambda: "ABC")
    worker = ErasureWorker(erasures, queue, Personal(guest), Activity(guest), Marketing(guest), Pictures(guest),
                           Audit(guest), Profiles(guest), clock=lambda: NOW, batch=2)
    return guest, service, worker, erasures


def test_the_request_only_records_and_a_repeat_answers_the_same_request():
    guest, service, worker, _ = world()
    first = service.request(GUEST)
    assert first["status"] == "requested" and first["reference"] == "ERABC"
    assert service.request(GUEST) == first
    assert guest.phone and len(guest.addresses) == 5 and guest.points == 40  # nothing erased yet
    assert service.state(GUEST) == {"erasure": first}
    assert worker.run(now=NOW) == {"steps": 0, "done": 0, "continued": 0, "deferred": 0}  # its minute is not over


def test_the_worker_erases_in_bounded_batches_and_resumes_where_it_stopped(monkeypatch):
    guest, service, worker, erasures = world(orders=5)
    service.request(GUEST)
    monkeypatch.setattr(erasure_module, "STEPS_PER_TASK", 2)

    first = worker.run(now=NOW + timedelta(minutes=1))
    assert first == {"steps": 2, "done": 0, "continued": 1, "deferred": 0}
    held = erasures.get(GUEST)
    assert held.status.value == "working" and held.counts["addresses"] == 4 and guest.addresses == {"O4"}
    assert not guest.phone and guest.points == 0 and guest.nicknames == {}  # the member items went first
    assert not guest.member_profile

    assert worker.run(now=NOW + timedelta(minutes=2)) == {"steps": 1, "done": 1, "continued": 0, "deferred": 0}
    done = erasures.get(GUEST)
    assert done.status.value == "done" and done.done_at and done.cursor is None
    assert done.counts == {"addresses": 5, "reviews": 2, "review_pictures": 1, "nicknames": 1, "points": 40}
    assert guest.files == set() and guest.ledger == [("erasure#ERABC", -40)]
    assert len(guest.audit) == 1 and guest.audit[0].detail["reference"] == "ERABC"
    assert GUEST not in repr(guest.audit[0])  # audited under the member code
    assert worker.step(GUEST) is False  # done: a repeated task changes nothing
    assert erasures.get(GUEST) == done and len(guest.audit) == 1


def test_a_step_another_worker_took_is_not_counted_twice():
    _guest, service, worker, erasures = world(orders=2)
    service.request(GUEST)
    stale = erasures.get(GUEST)
    assert worker.step(GUEST) is False  # two orders, batch of two: one step does it all
    assert erasures.advance(stale.model_copy(update={"steps": 1}), stale.steps) is False
    assert erasures.get(GUEST).counts["addresses"] == 2


def test_an_unavailable_dependency_defers_the_step_and_a_later_run_finishes_it():
    guest, service, worker, erasures = world(orders=2)
    guest.fail_pictures = 1
    service.request(GUEST)

    assert worker.run(now=NOW + timedelta(minutes=1))["deferred"] == 1
    assert erasures.get(GUEST).steps == 0 and guest.reviews["O1"] == ["reviews/a/1.jpg"]  # not blanked yet
    assert worker.run(now=NOW + timedelta(minutes=2))["done"] == 0  # filed two minutes on
    assert worker.run(now=NOW + timedelta(minutes=4))["done"] == 1
    assert erasures.get(GUEST).counts["review_pictures"] == 1 and guest.files == set()
    assert guest.ledger == [("erasure#ERABC", -40)]  # the points forfeited once, though the first step ran twice
