"""The narrow and the wide session of one model read one copy of its weights: the buffer the
model cache read from its weights file, in place."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from warmtts.voices.baker import DATA_DIR, MEL_CHANNELS
from warmtts.voices.model_cache import ModelCache, PreparedGraph, machine_tag
from warmtts.voices.onnx_session import Model, Runtime
from warmtts.voices.shared_weights import ALIGN

VOCODER = DATA_DIR / "mb_melgan.onnx"


def _load(tmp_path: Path, allowed: list[bool]) -> tuple[PreparedGraph, Model]:
    runtime = Runtime(threads=1, wide_threads=2, may_widen=lambda: allowed[0], cache=ModelCache(tmp_path))
    key = runtime.cache.key(VOCODER, VOCODER.stem)
    return runtime.cache.graph(key, VOCODER.read_bytes, lambda prepared: (prepared, runtime._sessions(prepared, True)))


def test_both_sessions_read_the_weights_in_place(tmp_path: Path) -> None:
    """Scaling the shared buffer changes what both sessions say: neither holds a copy."""
    allowed = [False]
    prepared, model = _load(tmp_path, allowed)
    assert model._wide is not None
    mel = np.random.default_rng(0).standard_normal((1, 40, MEL_CHANNELS)).astype(np.float32)

    def both() -> tuple[np.ndarray, np.ndarray]:
        allowed[0] = False
        narrow = model.run(None, {"mels": mel})[0]
        allowed[0] = True
        return narrow, model.run(None, {"mels": mel})[0]

    narrow, wide = both()
    np.testing.assert_allclose(wide, narrow, atol=1e-4)
    for name, array in prepared.weights.items():
        assert model.weights[name].data_ptr() == array.ctypes.data
        array *= 0.5  # in place: a session holding a copy would not see it
    halved_narrow, halved_wide = both()
    assert not np.allclose(halved_narrow, narrow, atol=1e-3)
    assert not np.allclose(halved_wide, wide, atol=1e-3)
    np.testing.assert_allclose(halved_wide, halved_narrow, atol=1e-4)


def test_the_weights_leave_the_graph_file(tmp_path: Path) -> None:
    """The cached graph holds the structure only; the weights file holds the weights once."""
    prepared, _ = _load(tmp_path, [False])
    assert prepared.graph.name.endswith(f"-{machine_tag()}.onnx")  # full-level layouts suit this CPU only
    weights = prepared.graph.with_suffix(".weights")
    stored = sum(a.nbytes for a in prepared.weights.values())
    assert stored > 0.9 * VOCODER.stat().st_size
    assert weights.stat().st_size < stored + ALIGN * len(prepared.weights)  # once, and padding
    assert prepared.graph.stat().st_size < 0.1 * VOCODER.stat().st_size
