"""The /tts file store: unguessable names, no traversal, eviction by size and by age."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from warmtts.server.stores.file_store import FileStore


def test_names_are_unguessable_and_nothing_outside_is_reachable(tmp_path: Path) -> None:
    store = FileStore(tmp_path, max_bytes=10_000, max_age_seconds=60)
    name = store.put(b"RIFF", "wav")
    assert len(name) == len("x" * 32 + ".wav") and store.path(name) == tmp_path / name
    (tmp_path / "secret.wav").write_bytes(b"x")
    for bad in ("secret.wav", "../" + name, name.replace(".wav", ".exe"), name[:-4] + ".wav/..", ""):
        assert store.path(bad) is None
    subtitles = store.put(b"WEBVTT\n\n", "vtt")
    assert store.path(subtitles) == tmp_path / subtitles and store.path(subtitles[:-4] + ".txt") is None


def test_evicts_the_oldest_files_to_stay_under_its_size(tmp_path: Path) -> None:
    store = FileStore(tmp_path, max_bytes=2_500, max_age_seconds=60)
    names = []
    for age in (30, 20, 10):
        name = store.put(b"x" * 1000, "mp3")
        past = time.time() - age
        os.utime(tmp_path / name, (past, past))
        names.append(name)
    newest = store.put(b"x" * 1000, "mp3")  # 4,000 bytes would be too many: the two oldest go
    assert [store.path(n) is not None for n in names] == [False, False, True]
    assert store.path(newest) is not None
    assert sum(p.stat().st_size for p in tmp_path.iterdir()) <= 2_500


def test_expired_files_are_not_served_and_are_removed(tmp_path: Path) -> None:
    store = FileStore(tmp_path, max_bytes=1_000_000, max_age_seconds=5)
    old = store.put(b"old", "wav")
    past = time.time() - 10
    os.utime(tmp_path / old, (past, past))
    assert store.path(old) is None  # expired: 404 even before it is removed
    fresh = store.put(b"new", "wav")  # the next write sweeps it
    assert not (tmp_path / old).exists()
    assert store.path(fresh) is not None


def test_the_url_chooses_the_backend_and_bad_settings_stop_the_start(tmp_path: Path) -> None:
    from pydantic import ValidationError

    from warmtts.config import Settings
    from warmtts.server.stores.factory import open_store
    from warmtts.server.stores.s3_store import S3Store

    chosen = open_store(Settings(audio_store_url=f"file://{tmp_path}/clips"))
    assert isinstance(chosen, FileStore) and chosen.folder == tmp_path / "clips"
    assert isinstance(open_store(Settings(audio_store_dir=tmp_path)), FileStore)
    s3 = open_store(Settings(audio_store_url="s3://audio-bucket/a/b", audio_store_expiry="sweep"))
    assert isinstance(s3, S3Store) and (s3.bucket, s3.prefix, s3.expiry) == ("audio-bucket", "a/b/", "sweep")
    for bad, message in (
        ({"audio_store_url": "http://example.com/x"}, "should match pattern"),
        ({"audio_store_url": "file:///x", "audio_store_dir": tmp_path}, "not both"),
        ({"audio_url_mode": "presigned"}, "needs an s3:// audio_store_url"),
        ({"audio_store_expiry": "never"}, "'lifecycle' or 'sweep'"),
    ):
        with pytest.raises(ValidationError, match=message):
            Settings(**bad)
