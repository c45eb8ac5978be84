"""The S3 backend against a real S3-compatible server on loopback (moto's standalone server)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.polling import poll
from tests.server.s3 import BUCKET, S3Server, running_s3, s3_environment
from warmtts.errors import StoreUnavailableError
from warmtts.server.stores.s3_store import S3Store


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    with running_s3(tmp_path_factory.mktemp("s3")) as server, s3_environment(server):
        yield server


def _read(store: S3Store, name: str) -> bytes | None:
    stored = store.open(name)
    if stored is None:
        return None
    try:
        return b"".join(stored.chunks)
    finally:
        stored.close()


def test_put_then_read_under_the_prefix_with_an_unguessable_name(s3: S3Server) -> None:
    store = S3Store(BUCKET, "one/two", max_age_seconds=60)
    data = bytes(range(256)) * 1000
    name = store.put(data, "mp3")
    assert _read(store, name) == data and store.open(name).size == len(data)  # type: ignore[union-attr]
    head = s3.client().head_object(Bucket=BUCKET, Key=f"one/two/{name}")
    assert head["ContentType"] == "audio/mpeg" and head["ContentLength"] == len(data)
    assert len({store.put(b"x", "wav") for _ in range(20)}) == 20


@pytest.mark.parametrize(("extension", "media"), [("vtt", "text/vtt"), ("srt", "application/x-subrip")])
def test_subtitles_are_kept_as_utf8_text(s3: S3Server, extension: str, media: str) -> None:
    store = S3Store(BUCKET, "subs", max_age_seconds=60)
    data = "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n你好\n\n".encode()
    name = store.put(data, extension)
    assert name.endswith("." + extension) and _read(store, name) == data
    head = s3.client().head_object(Bucket=BUCKET, Key=f"subs/{name}")
    assert head["ContentType"] == f"{media}; charset=utf-8"


def test_malformed_unknown_and_outside_names_are_not_there(s3: S3Server) -> None:
    store = S3Store(BUCKET, "inner", max_age_seconds=60)
    name = store.put(b"RIFF", "wav")
    s3.client().put_object(Bucket=BUCKET, Key="secret.wav", Body=b"secret")
    for bad in ("../secret.wav", "secret.wav", "A" * 32 + ".wav", name[:-4] + ".exe", "%2e%2e/" + name, ""):
        assert store.open(bad) is None
    assert S3Store(BUCKET, "other", max_age_seconds=60).open(name) is None  # another prefix sees nothing


def test_expired_objects_are_not_served_and_the_sweep_deletes_them(s3: S3Server) -> None:
    store = S3Store(BUCKET, "sweep", max_age_seconds=1.0, expiry="sweep")
    name = store.put(b"old", "wav")
    assert _read(store, name) == b"old"
    assert poll(lambda: store.open(name) is None, 10)  # expired: not served, though still stored
    keys = [o["Key"] for o in s3.client().list_objects_v2(Bucket=BUCKET, Prefix="sweep/").get("Contents", [])]
    assert keys == [f"sweep/{name}"]
    assert store.sweep() == 1
    assert s3.client().list_objects_v2(Bucket=BUCKET, Prefix="sweep/").get("KeyCount") == 0


def test_lifecycle_rule_is_set_on_the_prefix_and_keeps_other_rules(s3: S3Server) -> None:
    other = {"ID": "keep-me", "Status": "Enabled", "Filter": {"Prefix": "logs/"}, "Expiration": {"Days": 30}}
    s3.client().put_bucket_lifecycle_configuration(Bucket=BUCKET, LifecycleConfiguration={"Rules": [other]})
    store = S3Store(BUCKET, "life", max_age_seconds=3 * 86400 + 1, expiry="lifecycle")
    store.check()
    store.check()  # set once, not appended again
    rules = {r["ID"]: r for r in s3.client().get_bucket_lifecycle_configuration(Bucket=BUCKET)["Rules"]}
    assert set(rules) == {"keep-me", "warmtts-expiry:life/"}
    assert rules["warmtts-expiry:life/"]["Expiration"]["Days"] == 4
    assert rules["warmtts-expiry:life/"]["Filter"]["Prefix"] == "life/"
    assert store.sweep() == 0  # the store deletes, not us


def test_a_missing_bucket_or_a_stopped_store_is_unavailable_not_a_crash(s3: S3Server, tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailableError, match="refused to reach: 404|NoSuchBucket"):
        S3Store("no-such-bucket", "", max_age_seconds=60).check()
    with running_s3(tmp_path) as gone:
        with s3_environment(gone):
            store = S3Store(BUCKET, "", max_age_seconds=60)
        name = store.put(b"x", "wav")
        gone.stop()
        with pytest.raises(StoreUnavailableError, match="cannot be reached to write"):
            store.put(b"x", "wav")
        with pytest.raises(StoreUnavailableError, match="cannot be reached to read"):
            store.open(name)
