"""Pictures of a guest's review: what may be uploaded (JPEG, PNG or WebP up to 5 MB, at most 3 a review) and
where (under the guest's own prefix). Pure: the prefix is an HMAC of the guest's openid, so a key names no
openid and a guest cannot make a key under another guest's prefix; the storage checks live in the adapter.

The guest uploads straight to the bucket with a presigned POST whose policy fixes the key, the content type
and the size range, for a few minutes; the review then names the keys, and the server accepts only keys under
the caller's prefix whose object exists with an allowed type and size."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from diancan.domain.errors import InvalidRequest

MAX_PICTURES = 3
MAX_BYTES = 5 * 1024 * 1024
UPLOAD_SECONDS = 300
SHOWN_SECONDS = 3600
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
ROOT = "reviews/"
KEY = re.compile(r"^reviews/([0-9a-f]{20})/[0-9a-f]{32}\.(jpg|png|webp)$")


class PictureUpload(BaseModel):
    """What the guest is about to upload; the presigned POST's policy holds them to it."""

    model_config = ConfigDict(extra="forbid")

    content_type: Literal["image/jpeg", "image/png", "image/webp"]
    size: int = Field(ge=1, le=MAX_BYTES, description="bytes (at most 5 MB)")


def guest_prefix(openid: str, secret: bytes) -> str:
    """The guest's folder: 20 hex of an HMAC of the openid (not reversible, not guessable without the key)."""
    return hmac.new(secret, b"review-pictures:" + openid.encode(), hashlib.sha256).hexdigest()[:20]


def new_key(prefix: str, content_type: str) -> str:
    return f"{ROOT}{prefix}/{secrets.token_hex(16)}.{EXTENSIONS[content_type]}"


def check_keys(keys: list[str], prefix: str) -> list[str]:
    """The review's picture keys: at most 3, distinct, each one of this guest's (400 INVALID_PICTURE otherwise)."""
    if len(keys) > MAX_PICTURES or len(set(keys)) != len(keys):
        raise InvalidRequest(f"at most {MAX_PICTURES} different pictures", f"最多{MAX_PICTURES}张不同的图片",
                             code="INVALID_PICTURE")
    for key in keys:
        found = KEY.match(key)
        if not found or found[1] != prefix:
            raise InvalidRequest("upload each picture first (POST /review-pictures)", "图片无效，请重新上传",
                                 code="INVALID_PICTURE", details={"picture": key[:120]})
    return keys


def is_key(picture: str) -> bool:
    """A stored picture that is one of our keys (to be signed when shown), not an older review's https URL."""
    return KEY.match(picture) is not None
