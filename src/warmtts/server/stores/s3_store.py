"""The shared backend: objects in any S3-compatible store, so every replica serves every file.

Configured the standard way (AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
AWS_DEFAULT_REGION; boto3 reads them itself). Expiry: reads refuse objects older than the
maximum age at once, whatever deletes them; deletion is a lifecycle rule on the prefix (the
store deletes, even with no replica running; days, not seconds) or, where the store refuses
lifecycle rules or `sweep` is chosen, a periodic sweep from every replica (idempotent deletes).
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
from collections.abc import Iterator
from typing import Any, Literal

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from warmtts.errors import StoreUnavailableError
from warmtts.server.stores.base import StoredAudio, content_type, new_name, valid_name

log = logging.getLogger(__name__)

_CHUNK_BYTES = 64 * 1024
_MISSING = {"NoSuchKey", "404", "NotFound"}
_NO_LIFECYCLE = {"NoSuchLifecycleConfiguration"}
# Short timeouts and one retry: a store that is down must turn into a quick 503, not a hung request.
_CLIENT_CONFIG = Config(connect_timeout=2, read_timeout=10, retries={"max_attempts": 2, "mode": "standard"})

Expiry = Literal["lifecycle", "sweep"]


class S3Store:
    def __init__(self, bucket: str, prefix: str, max_age_seconds: float, expiry: Expiry = "lifecycle") -> None:
        self.bucket = bucket
        self.prefix = f"{prefix}/" if prefix else ""
        self.max_age = max_age_seconds
        self.description = f"s3://{bucket}/{self.prefix}"
        self.expiry: Expiry = expiry
        self._lifecycle_set = False
        self._client: Any = boto3.session.Session().client("s3", config=_CLIENT_CONFIG)

    def put(self, data: bytes, extension: str) -> str:
        name = new_name(extension)
        with _unavailable("write"):
            self._client.put_object(Bucket=self.bucket, Key=self.prefix + name, Body=data, ContentType=content_type(name))
        return name

    def open(self, name: str) -> StoredAudio | None:
        if not valid_name(name):
            return None
        try:
            with _unavailable("read"):
                reply = self._client.get_object(Bucket=self.bucket, Key=self.prefix + name)
        except StoreUnavailableError as exc:
            if isinstance(exc.__cause__, ClientError) and _code(exc.__cause__) in _MISSING:
                return None
            raise
        body = reply["Body"]
        if time.time() - reply["LastModified"].timestamp() > self.max_age:
            body.close()
            return None
        return StoredAudio(int(reply["ContentLength"]), _read(body), body.close)

    def presigned_url(self, name: str) -> str:
        """Signed locally (no request to the store); valid for the files' maximum age."""
        with _unavailable("sign"):
            return str(self._client.generate_presigned_url(
                "get_object", Params={"Bucket": self.bucket, "Key": self.prefix + name}, ExpiresIn=math.ceil(self.max_age)
            ))

    def check(self) -> None:
        with _unavailable("reach"):
            self._client.head_bucket(Bucket=self.bucket)
        if self.expiry == "lifecycle" and not self._lifecycle_set:
            self._set_lifecycle()

    def sweep(self) -> int:
        if self.expiry != "sweep":
            return 0
        cutoff = time.time() - self.max_age
        removed = 0
        with _unavailable("sweep"):
            for page in self._client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix):
                old = [
                    {"Key": item["Key"]} for item in page.get("Contents", [])
                    if item["LastModified"].timestamp() < cutoff and valid_name(item["Key"][len(self.prefix):])
                ]
                if old:
                    self._client.delete_objects(Bucket=self.bucket, Delete={"Objects": old, "Quiet": True})
                    removed += len(old)
        return removed

    def _set_lifecycle(self) -> None:
        """Our rule on our prefix, merged with the bucket's other rules (a put replaces them all).
        A store that refuses lifecycle rules gets the sweep instead."""
        rule_id = f"warmtts-expiry:{self.prefix or '/'}"
        days = max(1, math.ceil(self.max_age / 86400))
        rule = {"ID": rule_id, "Status": "Enabled", "Filter": {"Prefix": self.prefix}, "Expiration": {"Days": days}}
        try:
            try:
                rules = self._client.get_bucket_lifecycle_configuration(Bucket=self.bucket)["Rules"]
            except ClientError as exc:
                if _code(exc) not in _NO_LIFECYCLE:
                    raise
                rules = []
            rules = [r for r in rules if r.get("ID") != rule_id] + [rule]
            self._client.put_bucket_lifecycle_configuration(Bucket=self.bucket, LifecycleConfiguration={"Rules": rules})
        except ClientError as exc:
            log.warning("audio_store lifecycle=refused code=%s fallback=sweep", _code(exc))
            self.expiry = "sweep"
            return
        self._lifecycle_set = True
        log.info("audio_store lifecycle=set prefix=%s days=%d", self.prefix or "/", days)


@contextlib.contextmanager
def _unavailable(action: str) -> Iterator[None]:
    """Turns the S3 client's failures into StoreUnavailableError with a message a user can act on."""
    try:
        yield
    except ClientError as exc:
        raise StoreUnavailableError(f"the audio store refused to {action}: {_code(exc)}") from exc
    except BotoCoreError as exc:
        raise StoreUnavailableError(f"the audio store cannot be reached to {action}: {type(exc).__name__}") from exc


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", "unknown"))


def _read(body: Any) -> Iterator[bytes]:
    try:
        yield from body.iter_chunks(_CHUNK_BYTES)
    finally:
        body.close()
