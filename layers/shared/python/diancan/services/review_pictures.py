"""Review pictures for guests: where to upload one (a presigned POST under the guest's own prefix), which keys a
review may carry (the guest's, each really uploaded, of an allowed type and size), and the URLs they are
shown at (presigned GETs: the bucket stays private)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from diancan.domain.errors import InvalidRequest
from diancan.domain.review_pictures import (
    EXTENSIONS,
    MAX_BYTES,
    SHOWN_SECONDS,
    UPLOAD_SECONDS,
    PictureUpload,
    check_keys,
    guest_prefix,
    is_key,
    new_key,
)
from diancan.services.ports import PictureStorage

logger = logging.getLogger(__name__)


def picture_urls(files: PictureStorage, pictures: Iterable[str]) -> list[str]:
    """What a client shows: a presigned GET per stored key; an older review's https URL as it is."""
    return [files.url(p, SHOWN_SECONDS) if is_key(p) else p for p in pictures]


class ReviewPictures:
    def __init__(self, files: PictureStorage, secret: bytes) -> None:
        self._files = files
        self._secret = secret

    def upload(self, openid: str, request: PictureUpload) -> dict:
        """A fresh key under the guest's prefix and the form to POST the file with (no AWS call: signed here)."""
        key = new_key(guest_prefix(openid, self._secret), request.content_type)
        form = self._files.upload_form(key, request.content_type, MAX_BYTES, UPLOAD_SECONDS)
        return {"key": key, "url": form["url"], "fields": form["fields"], "file_field": "file",
                "expires_in": UPLOAD_SECONDS, "max_bytes": MAX_BYTES}

    def accept(self, openid: str, keys: list[str]) -> list[str]:
        """The review's keys, each the guest's own and uploaded (one HeadObject each); 400 otherwise."""
        check_keys(keys, guest_prefix(openid, self._secret))
        for key in keys:
            stored = self._files.stored(key)
            if stored is None or stored.content_type not in EXTENSIONS or not 0 < stored.size <= MAX_BYTES:
                logger.info("review picture refused", extra={"found": stored is not None})
                raise InvalidRequest("that picture was not uploaded (or not as an image of at most 5 MB)",
                                     "图片未上传成功，请重新上传", code="PICTURE_NOT_UPLOADED",
                                     details={"picture": key})
        return keys

    def shown(self, pictures: Iterable[str]) -> list[str]:
        return picture_urls(self._files, pictures)
