"""Table QR codes: the ``scene`` of a WeChat mini-program code names a store and a table, signed.

Format: ``<store_id>.<table_no>.<mac>`` where ``mac`` is the first 64 bits of
HMAC-SHA256(key, "diancan-table:v1:<store_id>:<table_no>") written in base62 (11 characters, zero padded).
WeChat allows at most 32 visible characters in a scene, so store id and table number together may take at
most 19 characters (``sh-jingan`` + ``A3`` takes 11); both are limited to ``[A-Za-z0-9_-]`` (allowed
in a scene, and free of the ``.`` separator).

Strength: without the key, each guess at a mac for an edited store or table is right with probability
2^-64; the resolver answers a forged code without any database read, and rate limits of the function URL
bound the guessing rate far below anything that could reach 2^64. The key never leaves the server.
Codes do not expire (they are printed on tables); rotating the key invalidates every printed code.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

from diancan.domain.errors import InvalidRequest, NotFound
from diancan.domain.inputs import same_secret

SCENE_MAX = 32
MAC_CHARS = 11
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_ID = re.compile(r"^[A-Za-z0-9_-]{1,18}$")
_SCENE = re.compile(r"^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([0-9A-Za-z]{11})$")


class ForgedTableCode(NotFound):
    """A scene that was edited, guessed or cut: answered like a missing table, without saying which part."""

    status, code = 404, "TABLE_CODE_INVALID"
    message_zh, message_en = "桌码无效，请扫描餐桌上的二维码", "This table code is not valid; scan the code on your table"


class TableRemoved(NotFound):
    status, code = 404, "TABLE_REMOVED"
    message_zh, message_en = "该餐桌已停用，请联系店员", "This table is no longer in use; please ask the staff"


@dataclass(frozen=True)
class TableRef:
    store_id: str
    table_no: str


def base62(number: int, width: int) -> str:
    digits = []
    while number:
        number, rest = divmod(number, 62)
        digits.append(BASE62[rest])
    return "".join(reversed(digits)).rjust(width, "0")


def _mac(key: bytes, store_id: str, table_no: str) -> str:
    digest = hmac.new(key, f"diancan-table:v1:{store_id}:{table_no}".encode(), hashlib.sha256).digest()
    return base62(int.from_bytes(digest[:8], "big"), MAC_CHARS)


def sign_scene(key: bytes, store_id: str, table_no: str) -> str:
    """The scene for a table's code; refuses ids that cannot fit WeChat's 32 characters."""
    if not _ID.match(store_id) or not _ID.match(table_no):
        raise InvalidRequest("store and table ids must be letters, digits, - or _", "门店或桌号含有无法编码的字符",
                             code="TABLE_CODE_UNENCODABLE", details={"store_id": store_id, "table_no": table_no})
    scene = f"{store_id}.{table_no}.{_mac(key, store_id, table_no)}"
    if len(scene) > SCENE_MAX:
        raise InvalidRequest("store id and table number are too long for a table code",
                             "门店编号与桌号过长，无法生成桌码", code="TABLE_CODE_TOO_LONG",
                             details={"store_id": store_id, "table_no": table_no})
    return scene


def read_scene(key: bytes, scene: str) -> TableRef:
    """The store and table a scene names, or ``ForgedTableCode`` (checked in constant time)."""
    match = _SCENE.match(scene or "")
    if match is None or len(scene) > SCENE_MAX:
        raise ForgedTableCode()
    store_id, table_no, mac = match.groups()
    if not same_secret(mac, _mac(key, store_id, table_no)):
        raise ForgedTableCode()
    return TableRef(store_id, table_no)
