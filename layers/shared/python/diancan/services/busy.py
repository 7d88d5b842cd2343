"""Busy mode and delivery paused from the console: the store's service state as staff see it (the guest's
view, how many kitchen tickets are open and the automatic limit) and its two switches, each written only
when it changes (the console audits a change)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from diancan.domain.clock import iso, utcnow
from diancan.domain.errors import InvalidRequest
from diancan.domain.menu import Store
from diancan.domain.service_state import SWITCHES, KitchenSettings
from diancan.services.ports import ServiceStateLedger


class BusyMode:
    def __init__(self, states: ServiceStateLedger, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._states = states
        self._clock = clock

    def view(self, store: Store) -> dict:
        now = self._clock()
        settings = KitchenSettings.of(store)
        state = self._states.read(store.store_id)
        return {**state.view(settings, now), "busy_switched": state.busy_switched,
                "open_tickets": len(state.open_tickets(now)), "busy_ticket_limit": settings.busy_ticket_limit}

    def switch(self, store: Store, name: str, on: bool, by: str) -> dict:
        """Switch ``busy`` or ``delivery_paused``; ``changed`` is False when it already was so."""
        if name not in SWITCHES:
            raise InvalidRequest(f"no switch {name}", "没有这个开关", code="INVALID_SWITCH")
        changed = self._states.switch(store.store_id, name, on, at=iso(self._clock()), by=by)
        return {**self.view(store), "changed": changed}
