"""A guest's "delete my data", as due work: ``request`` records it and files its first step in the ``ERASE`` due
queue (answered 202 with a reference); the erasure worker (privacy_retention, every few minutes) walks the due
minutes, runs each step and files the next one while there is more, so no request path loops over a guest's
orders and a guest with thousands of orders is erased a bounded batch at a time.

Steps: the first erases the member items (phone, birthday, favourite dish, profile), forfeits the points with a
ledger entry, blanks the nicknames the guest used at tables and deletes their review pictures' files; each step
then erases one page of orders (address; review text and pictures, files deleted); the last audits the request
in ``STORE#_privacy`` under the member code. Every step is idempotent (what is gone is not counted again) and
advances the request only if no other worker did (``steps``), so a repeated or concurrent run is harmless and a
failed one is resumed where it stopped.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from diancan.adapters.staff_table import AuditEntry
from diancan.domain.clock import iso, minute_of, utcnow
from diancan.domain.erasure import ORDERS_PER_BATCH, Erasure, ErasureStatus
from diancan.domain.errors import UpstreamUnavailable
from diancan.domain.membership import member_code
from diancan.services.due_work import due_minutes
from diancan.services.ports import (
    Activity,
    AuditTrail,
    DueQueue,
    Erasures,
    Marketing,
    PersonalData,
    PictureStorage,
    ProfileBook,
)

logger = logging.getLogger(__name__)

PRIVACY_PARTITION = "_privacy"  # the audit partition of guests' erasure requests
FORFEIT_NOTE = "forfeited: the guest asked to delete their data"
REVIEWABLE = "COMPLETED"
ERASE_TASK = "erase"
LOOKBACK = timedelta(days=1)  # a worker that never ran yet looks back this far
MAX_MINUTES_PER_RUN = 60 * 24
STEPS_PER_TASK = 20  # then the rest is filed for the next minute: a run stays bounded
TASK_TTL_SECONDS = 30 * 24 * 3600


class ErasureService:
    """The request side (the guest's API): record, answer, show the state."""

    def __init__(self, erasures: Erasures, *, clock: Callable[[], datetime] = utcnow,
                 token: Callable[[], str] = lambda: secrets.token_hex(6).upper()) -> None:
        self._erasures = erasures
        self._clock = clock
        self._token = token

    def request(self, openid: str) -> dict:
        """Record the request (or answer the one under way) and file its first step for the worker."""
        now = self._clock()
        at = iso(now)
        erasure = Erasure(erasure_id=f"ER{self._token()}", openid=openid, member_code=member_code(openid),
                          requested_at=at, updated_at=at)
        stored = self._erasures.request(erasure, minute_of(now), int(now.timestamp()) + TASK_TTL_SECONDS)
        return stored.guest_view()

    def state(self, openid: str) -> dict:
        erasure = self._erasures.get(openid)
        return {"erasure": None if erasure is None else erasure.guest_view()}

    def recent(self, limit: int = 50) -> list[dict]:
        return [erasure.staff_view() for erasure in self._erasures.recent(limit)]


class ErasureWorker:
    """The worker side: the due steps of every request, a bounded number per run."""

    def __init__(self, erasures: Erasures, queue: DueQueue, personal: PersonalData, activity: Activity,
                 marketing: Marketing, pictures: PictureStorage, audit: AuditTrail, profiles: ProfileBook, *,
                 clock: Callable[[], datetime] = utcnow, batch: int = ORDERS_PER_BATCH) -> None:
        self._erasures, self._queue, self._personal = erasures, queue, personal
        self._activity, self._marketing, self._pictures, self._audit = activity, marketing, pictures, audit
        self._profiles = profiles  # the member profile folded from orders (用户画像), with its segments
        self._clock, self._batch = clock, batch

    def run(self, now: datetime | None = None) -> dict[str, int]:
        now = now or self._clock()
        counts = {"steps": 0, "done": 0, "continued": 0, "deferred": 0}
        for minute in due_minutes(self._queue.cursor(), now, LOOKBACK, MAX_MINUTES_PER_RUN):
            for task in self._queue.due(minute):
                outcome = self._run_task(task.ref or "", now, counts)
                counts[outcome] += 1
                self._queue.done(task)
            self._queue.set_cursor(minute)
        logger.info("erasures worked", extra=counts)
        return counts

    def _run_task(self, openid: str, now: datetime, counts: dict[str, int]) -> str:
        try:
            for _ in range(STEPS_PER_TASK):
                more = self.step(openid)
                counts["steps"] += 1
                if not more:
                    return "done"
        except UpstreamUnavailable:
            self._file(openid, now + timedelta(minutes=2), now)
            return "deferred"
        self._file(openid, now, now)  # more to do: the next run goes on where this one stopped
        return "continued"

    def _file(self, openid: str, minute_at: datetime, now: datetime) -> None:
        erasure = self._erasures.get(openid)
        if erasure is not None and erasure.pending:
            self._queue.add(minute_of(minute_at), ERASE_TASK, erasure.erasure_id, openid,
                            int(now.timestamp()) + TASK_TTL_SECONDS)

    def step(self, openid: str) -> bool:
        """One bounded step of the guest's request; True while there is more to do."""
        erasure = self._erasures.get(openid)
        if erasure is None or not erasure.pending:
            return False
        at = iso(self._clock())
        counts = dict(erasure.counts)
        if erasure.status is ErasureStatus.REQUESTED:
            self._member_items(erasure, at, counts)
        orders, cursor = self._personal.orders_page(openid, erasure.cursor, self._batch)
        for order in orders:
            counts["addresses"] += int(order.has_address and self._personal.drop_address(order.order_id))
            pictures = self._personal.review_pictures(order.order_id) if order.status == REVIEWABLE else None
            if pictures is not None:  # the files first: a failed delete leaves the review to be found again
                counts["review_pictures"] += self._pictures.delete(pictures)
                counts["reviews"] += int(self._personal.blank_review(order.order_id))
        finished = cursor is None
        advanced = erasure.model_copy(update={
            "status": ErasureStatus.DONE if finished else ErasureStatus.WORKING, "steps": erasure.steps + 1,
            "cursor": cursor, "counts": counts, "updated_at": at, "done_at": at if finished else None})
        if not self._erasures.advance(advanced, erasure.steps):
            return True  # another worker took this step: look again
        if finished:
            self._audit.append(AuditEntry(PRIVACY_PARTITION, f"guest:{erasure.member_code}", "privacy.erase",
                                          erasure.member_code, at, {"reference": erasure.erasure_id, **counts}))
            logger.info("erasure done", extra={"reference": erasure.erasure_id, **counts})
        return not finished

    def _member_items(self, erasure: Erasure, at: str, counts: dict[str, int]) -> None:
        openid = erasure.openid
        self._activity.forget(openid, at)
        self._personal.forget_profile(openid)
        self._profiles.erase(openid, at)
        points = self._marketing.standing(openid).points
        if points > 0 and self._marketing.post_points(openid, f"erasure#{erasure.erasure_id}", -points, at=at,
                                                      note=FORFEIT_NOTE):
            counts["points"] += points
        for session_id in self._personal.nickname_sessions(openid):
            counts["nicknames"] += int(self._personal.blank_nickname(openid, session_id) > 0)
