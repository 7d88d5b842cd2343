"""Where the login page may send a person next: only a path of this console, never another site.

Browsers are lenient with a ``Location``: they drop tabs and line breaks, read ``\\`` as ``/`` and follow
``//host`` to another site, so ``/\\t/evil.example`` arrives as ``//evil.example``. A target is therefore
refused (the caller falls back to the console's home) unless it is a plain ``/``-rooted path that stays one
after percent-decoding (up to three times, for double-encoded tricks): no control or whitespace characters,
no backslash, no ``//`` or ``/\\`` at the start, no scheme or host. The path is relative to the console;
the caller puts the base path (``SCRIPT_NAME``) in front of it.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote, urlsplit

MAX_LENGTH = 2000
DECODE_ROUNDS = 3


def _plain_path(value: str) -> bool:
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return False
    if any(unicodedata.category(ch)[0] in "CZ" for ch in value):  # controls, format chars, spaces, separators
        return False
    parts = urlsplit(value)
    return not parts.scheme and not parts.netloc


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a same-site relative path of the console, else None."""
    if not target or len(target) > MAX_LENGTH:
        return None
    seen = target
    for _ in range(DECODE_ROUNDS):
        if not _plain_path(seen):
            return None
        decoded = unquote(seen)
        if decoded == seen:
            return target
        seen = decoded
    return target if _plain_path(seen) else None
