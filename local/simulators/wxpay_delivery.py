"""Notification delivery for the WeChat Pay simulator: background sends, retries and injected faults.

WeChat retries a notification until the merchant answers 2xx (15 s, 15 s, 30 s, 3 m, ... for about
24 h). Here the schedule is short and configurable. Each attempt is signed afresh (new timestamp and
nonce) over the same body, so a late retry still passes the merchant's 5-minute window, as it must.
Faults (duplicate, delay, drop, reorder) exercise the merchant's idempotency and ordering assumptions.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import requests

logger = logging.getLogger(__name__)

Signer = Callable[[str], dict[str, str]]


@dataclass
class NotificationFaults:
    duplicate: int = 0  # extra copies of every notification
    delay_seconds: float = 0.0  # wait before the first attempt
    drop: bool = False  # record but never send
    reorder: bool = False  # hold each notification until the next one has been sent


@dataclass
class Delivery:
    """One notification in the outbox; ``attempts`` holds HTTP statuses or error names."""

    id: str
    event_type: str
    url: str
    body: str
    status: str = "pending"  # pending | delivered | failed | dropped
    attempts: list[str] = field(default_factory=list)

    def summary(self) -> dict:
        return {"id": self.id, "event_type": self.event_type, "url": self.url, "status": self.status,
                "attempts": list(self.attempts)}


class Outbox:
    """Sends notifications from daemon threads; ``reset`` cancels everything still in flight."""

    def __init__(self, retry_delays: tuple[float, ...], timeout_seconds: float,
                 reorder_hold_seconds: float = 1.0) -> None:
        self._retry_delays = retry_delays
        self._timeout = timeout_seconds
        self._reorder_hold = reorder_hold_seconds
        self._lock = threading.Lock()
        self._deliveries: list[Delivery] = []
        self._held: list[tuple[Delivery, Signer]] = []
        self._generation = 0
        self.faults = NotificationFaults()

    def submit(self, event_type: str, url: str, body: str, sign: Signer) -> None:
        faults = self.faults
        with self._lock:
            copies = [Delivery(str(uuid.uuid4()), event_type, url, body) for _ in range(1 + faults.duplicate)]
            self._deliveries.extend(copies)
            if faults.drop:
                for copy in copies:
                    copy.status = "dropped"
                return
            overtaken, self._held = self._held, []
            hold_these = faults.reorder and not overtaken
            if hold_these:
                batch = [(copy, sign) for copy in copies]
                self._held = batch
                self._start_later(self._reorder_hold, lambda: self._release_held(batch))
        for copy in [] if hold_these else copies:
            self._start(copy, sign, faults.delay_seconds)
        for copy, held_sign in overtaken:  # sent after the newer one, so it arrives second
            self._start(copy, held_sign, faults.delay_seconds + 0.1)

    def deliveries(self) -> list[dict]:
        with self._lock:
            return [delivery.summary() for delivery in self._deliveries]

    def reset(self) -> None:
        with self._lock:
            self._generation += 1  # threads of older generations stop before their next attempt
            self._deliveries, self._held = [], []
            self.faults = NotificationFaults()

    def _release_held(self, batch: list[tuple[Delivery, Signer]]) -> None:
        """Send a held batch nobody overtook within the hold time."""
        with self._lock:
            if self._held is not batch:
                return
            self._held = []
        for copy, sign in batch:
            self._start(copy, sign, self.faults.delay_seconds)

    def _start(self, delivery: Delivery, sign: Signer, delay: float) -> None:
        generation = self._generation
        threading.Thread(target=self._run, args=(delivery, sign, delay, generation), daemon=True,
                         name=f"wxpay-notify-{delivery.id[:8]}").start()

    def _start_later(self, delay: float, action: Callable[[], None]) -> None:
        timer = threading.Timer(delay, action)
        timer.daemon = True
        timer.start()

    def _run(self, delivery: Delivery, sign: Signer, delay: float, generation: int) -> None:
        for wait in (delay, *self._retry_delays):
            time.sleep(wait)
            if generation != self._generation:
                return
            outcome = self._attempt(delivery, sign)
            with self._lock:
                delivery.attempts.append(outcome)
                if outcome.startswith("2"):
                    delivery.status = "delivered"
                    return
        with self._lock:
            delivery.status = "failed"
        logger.warning("wxpay notification given up", extra={"event_type": delivery.event_type,
                                                             "attempts": len(delivery.attempts)})

    def _attempt(self, delivery: Delivery, sign: Signer) -> str:
        headers = {"Content-Type": "application/json", "Request-ID": str(uuid.uuid4()),
                   **sign(delivery.body)}
        try:
            answer = requests.post(delivery.url, data=delivery.body.encode(), headers=headers,
                                   timeout=self._timeout)
        except requests.RequestException as exc:
            return type(exc).__name__
        return str(answer.status_code)
