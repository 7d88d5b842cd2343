"""Secrets Manager: JSON secrets named ``<prefix>/<name>``, read once per container and cached."""

from __future__ import annotations

import json
import threading

from diancan.adapters.aws import client


class SecretStore:
    def __init__(self, prefix: str, region: str) -> None:
        self._prefix = prefix
        self._region = region
        self._cache: dict[str, dict] = {}
        self._lock = threading.Lock()

    def get(self, name: str) -> dict:
        """The secret's JSON object. Failing loudly here beats running with a missing key."""
        with self._lock:
            if name not in self._cache:
                answer = client("secretsmanager", self._region).get_secret_value(SecretId=f"{self._prefix}/{name}")
                self._cache[name] = json.loads(answer["SecretString"])
            return self._cache[name]
