"""Secrets Manager: JSON secrets named ``<prefix>/<name>``, cached per container for ``max_age`` seconds.

A rotated secret therefore takes effect within ``max_age`` without a redeploy: a read after that re-fetches
it (``refresh_stale`` does the same for every cached secret, and says whether one changed, so the composition
root can rebuild what was made from it). A failed re-read keeps serving the cached value (and tries again a
little later): Secrets Manager being slow must not take the functions down with it. The first read of a
secret has nothing to fall back on and fails loudly."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable

from diancan.adapters.aws import client

logger = logging.getLogger(__name__)
RETRY_AFTER_FAILURE_SECONDS = 30.0


class SecretReader:
    def __init__(self, prefix: str, region: str, max_age_seconds: float = 300.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._prefix = prefix
        self._region = region
        self._max_age = max_age_seconds
        self._clock = clock
        self._cache: dict[str, tuple[dict, float]] = {}  # name -> (value, re-read after)
        self._lock = threading.Lock()

    def get(self, name: str) -> dict:
        """The secret's JSON object. Failing loudly here beats running with a missing key."""
        with self._lock:
            cached = self._cache.get(name)
            if cached is None or cached[1] <= self._clock():
                self._reread(name)
            return self._cache[name][0]

    def refresh_stale(self) -> bool:
        """Re-read every cached secret whose age passed ``max_age``; True when one of them changed."""
        with self._lock:
            now = self._clock()
            return any([self._reread(name) for name, (_, due) in list(self._cache.items()) if due <= now])

    def _reread(self, name: str) -> bool:
        """Fetch ``name`` into the cache; True when it replaced a different value. Call with the lock held."""
        old = self._cache.get(name)
        try:
            answer = client("secretsmanager", self._region).get_secret_value(SecretId=f"{self._prefix}/{name}")
            value = json.loads(answer["SecretString"])
        except Exception as error:  # any failure of the re-read: keep the value we have, if we have one
            if old is None:
                raise
            logger.warning("secret not refreshed; the cached value stays", extra={"secret": name,
                                                                                 "error": type(error).__name__})
            self._cache[name] = (old[0], self._clock() + min(RETRY_AFTER_FAILURE_SECONDS, self._max_age))
            return False
        changed = old is not None and old[0] != value
        self._cache[name] = (old[0] if old is not None and not changed else value, self._clock() + self._max_age)
        if changed:
            logger.info("secret rotated", extra={"secret": name})
        return changed
