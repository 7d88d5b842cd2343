"""What every edge shares on text a client sent: a whole number, a secret compared to ours, a JSON body.

Both are strict where Python is lenient: ``str.isdigit()`` accepts '²' and '١٢' (``int('²')`` raises, ``int('١٢')``
is 12), ``int()`` of a few thousand digits raises, and ``hmac.compare_digest`` raises TypeError on a str with
a non-ASCII character. A client's number is ASCII digits only, a comparison answers True or False, and a JSON body that would
crash the parser or a later write is a 400.
"""

from __future__ import annotations

import hmac
import json
import re

from diancan.domain.errors import InvalidRequest

MAX_DIGITS = 15  # far above any count, amount in fen or epoch second; far below int()'s digit limit
MAX_JSON_DEPTH = 32      # objects and arrays inside each other; a real body is 4 deep
MAX_INT_DIGITS = 18      # an integer literal in a body; fen, counts and versions need far fewer
_WHOLE = re.compile(rf"[0-9]{{1,{MAX_DIGITS}}}")


def whole_number(raw: object) -> int | None:
    """``raw`` (surrounding spaces allowed) as a non-negative int if it is 1–15 ASCII digits, else None."""
    text = str(raw).strip() if raw is not None else ""
    return int(text) if _WHOLE.fullmatch(text) else None


def same_secret(sent: str | bytes, expected: str | bytes) -> bool:
    """Constant-time equality of a secret a client sent (any characters, even lone surrogates) and ours."""
    return hmac.compare_digest(_bytes(sent), _bytes(expected))


def _bytes(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")


def _malformed(message_en: str, detail: str) -> InvalidRequest:
    return InvalidRequest(message_en, "请求格式错误", code="MALFORMED_JSON", details={"problem": detail})


def _bounded_int(literal: str) -> int:
    if len(literal.lstrip("-")) > MAX_INT_DIGITS:
        raise _malformed("an integer in the body is too long", f"integers have at most {MAX_INT_DIGITS} digits")
    return int(literal)


def _no_constant(name: str):
    raise _malformed("NaN and Infinity are not JSON", f"{name} is not a JSON number")


def strict_json(text: str | bytes):
    """``json.loads`` for a client's body, refusing (400 MALFORMED_JSON) what would crash or mislead later:
    nesting deeper than MAX_JSON_DEPTH (deep enough raises RecursionError in the parser), integers longer
    than MAX_INT_DIGITS (past 4,300 digits ``int()`` raises), NaN/Infinity, and strings with unpaired
    surrogates (``"\\ud800"``: no UTF-8 encoding, so any later write of them raises)."""
    try:
        value = json.loads(text, parse_int=_bounded_int, parse_constant=_no_constant)
    except RecursionError:
        raise _malformed("the body is nested too deeply", f"at most {MAX_JSON_DEPTH} levels") from None
    _check_shape(value)
    return value


def _check_shape(value) -> None:
    pending = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            _check_text(item)
        elif isinstance(item, (dict, list)):
            if depth >= MAX_JSON_DEPTH:
                raise _malformed("the body is nested too deeply", f"at most {MAX_JSON_DEPTH} levels")
            if isinstance(item, dict):
                pending += [(key, depth + 1) for key in item]
            pending += [(child, depth + 1) for child in (item.values() if isinstance(item, dict) else item)]


def _check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise _malformed("a string in the body is not valid Unicode", "unpaired surrogate escape") from None
