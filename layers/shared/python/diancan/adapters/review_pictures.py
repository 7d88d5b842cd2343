"""The private bucket of review pictures (``DIANCAN_PICTURES_BUCKET``). Nothing passes through a function: the
guest uploads with a presigned POST (its policy fixes key, content type and size, for a few minutes), the
review is checked with a HeadObject per picture, and pictures are shown through presigned GET URLs.

IAM: the POST needs s3:PutObject of the signing role, the HeadObject and the GET URLs s3:GetObject, erasing
s3:ListBucketVersions and s3:DeleteObjectVersion. The S3
client is made on first use, so a function that shows no picture never loads S3's service model."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from diancan.adapters.aws import client_with


@dataclass(frozen=True)
class StoredPicture:
    content_type: str
    size: int


class ReviewPictureFiles:
    def __init__(self, bucket: str, region: str, s3=None) -> None:
        self._bucket = bucket
        self._region = region
        if s3 is not None:
            self.__dict__["_s3"] = s3

    @cached_property
    def _s3(self):
        """Signature V4 everywhere (botocore would sign V2 in us-east-1: no presigned POST in newer regions)."""
        return client_with("s3", self._region, signature_version="s3v4")

    def upload_form(self, key: str, content_type: str, max_bytes: int, expires_seconds: int) -> dict:
        """``{"url", "fields"}`` of a multipart POST (the file goes last, as field ``file``)."""
        return self._s3.generate_presigned_post(
            self._bucket, key, Fields={"Content-Type": content_type},
            Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]],
            ExpiresIn=expires_seconds)

    def stored(self, key: str) -> StoredPicture | None:
        """What is stored under ``key`` (HeadObject), or None when nothing is."""
        try:
            head = self._s3.head_object(Bucket=self._bucket, Key=key)
        except self._s3.exceptions.ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return StoredPicture(head.get("ContentType", ""), int(head.get("ContentLength", 0)))

    def url(self, key: str, expires_seconds: int) -> str:
        return self._s3.generate_presigned_url("get_object", Params={"Bucket": self._bucket, "Key": key},
                                               ExpiresIn=expires_seconds)

    def delete(self, keys: list[str]) -> int:
        """Delete each picture for good, every version of it (the bucket is versioned: a plain delete would only
        hide it behind a delete marker): ListObjectVersions per key, DeleteObjects of the versions found. How
        many of the keys had something stored."""
        deleted = 0
        for key in keys:
            listed = self._s3.list_object_versions(Bucket=self._bucket, Prefix=key)
            versions = [{"Key": v["Key"], "VersionId": v["VersionId"]}
                        for v in [*listed.get("Versions", []), *listed.get("DeleteMarkers", [])] if v["Key"] == key]
            if versions:
                self._s3.delete_objects(Bucket=self._bucket, Delete={"Objects": versions, "Quiet": True})
                deleted += 1
        return deleted
