"""Member codes and masked phones: what staff see of a guest instead of their openid and number. Standard library only, so the auth function
(which indexes every user by their code at login) loads nothing more for it."""

from __future__ import annotations

import base64
import hashlib
import re

MEMBER_CODE = re.compile(r"^M[A-Z2-7]{8}$")  # ``M`` + 8 characters of base32

GUEST_BY_PREFIX = "guest:"


def member_code(openid: str) -> str:
    """The short code staff see for a guest instead of their openid (``M`` + 8 of base32 of its SHA-256):
    the same guest always has the same code, shown to them on their profile, and the openid cannot be read
    back from it. Staff tell guests apart and find them with it; the console never shows an openid."""
    digest = hashlib.sha256(openid.encode("utf-8")).digest()
    return "M" + base64.b32encode(digest).decode("ascii")[:8]


def staff_safe_by(by: str) -> str:
    """Who moved an order, for staff: ``guest:<openid>`` becomes ``guest:<member code>``."""
    return GUEST_BY_PREFIX + member_code(by.removeprefix(GUEST_BY_PREFIX)) if by.startswith(GUEST_BY_PREFIX) else by


def masked(phone: str) -> str:
    """A phone number as staff and the guest see it back: ``138****1234``."""
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "****"
