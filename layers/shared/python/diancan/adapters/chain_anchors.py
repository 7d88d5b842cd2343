"""Each closed day's chain checkpoint, anchored outside the table: an S3 bucket with versioning and Object Lock
in compliance mode (default retention from the stage settings), written by a role that may put but never delete.

Whoever can write the table can rewrite vouchers and re-seal the chain head; they cannot change what was put
here, and a second version of a day's anchor (written by the console's role) is kept beside the first, so
``verify-chain`` reads every version.

Two anchors a day: ``nightly`` when report_build first settles the day (every day is anchored, closed or not)
and ``closed`` when a manager closes it in the console.

Access: PutObject ``anchors/<store id>/<day>[.nightly].json`` (with a SHA-256 checksum, as Object Lock requires);
ListObjectVersions and GetObject of that prefix (the operator's verify-chain).
"""

from __future__ import annotations

import json

from diancan.adapters.aws import client
from diancan.domain.settlement import CLOSED

PREFIX = "anchors/"


def anchor_key(store_id: str, day: str, kind: str = CLOSED) -> str:
    """``<day>.json`` when a manager closes the day; ``<day>.nightly.json`` from the day's first settlement."""
    return f"{PREFIX}{store_id}/{day}.json" if kind == CLOSED else f"{PREFIX}{store_id}/{day}.{kind}.json"


class ChainAnchors:
    def __init__(self, bucket: str, region: str, s3=None) -> None:
        self._bucket = bucket
        self._s3 = s3 or client("s3", region)

    def put(self, store_id: str, day: str, checkpoint: dict, kind: str = CLOSED) -> str:
        """Anchor a day's checkpoint; returns the object's version id (kept in the seal)."""
        body = json.dumps({"store_id": store_id, "day": day, "kind": kind, **checkpoint}, sort_keys=True,
                          ensure_ascii=False)
        answer = self._s3.put_object(Bucket=self._bucket, Key=anchor_key(store_id, day, kind),
                                     Body=body.encode("utf-8"), ContentType="application/json",
                                     ChecksumAlgorithm="SHA256")
        return answer.get("VersionId", "")

    def anchored(self, store_id: str) -> list[dict]:
        """Every version of every anchor of the store (``version_id`` added), oldest day first."""
        found = []
        paginator = self._s3.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=self._bucket, Prefix=f"{PREFIX}{store_id}/"):
            for version in page.get("Versions", []):
                body = self._s3.get_object(Bucket=self._bucket, Key=version["Key"], VersionId=version["VersionId"])
                found.append({**json.loads(body["Body"].read()), "version_id": version["VersionId"]})
        return sorted(found, key=lambda anchor: (anchor.get("day", ""), anchor.get("seq", 0)))
