"""ONNX Runtime sessions with deliberate options, shared by every request of a voice."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort

from warmtts.voices.model_cache import ModelCache
from warmtts.voices.windows import WindowSizes


def make_session(model: Path | bytes, threads: int) -> ort.InferenceSession:
    """A CPU session for a model file or a serialised graph; `run` on it is safe from many
    threads at once.

    One intra-op pool of `threads` per session and no inter-op parallelism: our graphs are
    chains, and concurrent requests already use the other cores. Idle pool threads sleep rather
    than spin, so a wide session does not steal the core of another worker's call. No memory
    arena: it keeps the largest activations ever seen (a long sentence) for good, which grew RSS
    by a third under load; plain allocation costs little next to the convolutions. No memory
    pattern: it is cached per input shape, so a text of a length seen before ran ~25 ms faster
    than a new one — a service meets new texts, and the first request should cost what the
    hundredth does.
    """
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.enable_cpu_mem_arena = False
    options.enable_mem_pattern = False
    options.log_severity_level = 3
    if threads > 1:
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    source = model if isinstance(model, bytes) else str(model)
    return ort.InferenceSession(source, sess_options=options, providers=["CPUExecutionProvider"])


def _never() -> bool:
    return False


@dataclass(frozen=True)
class Runtime:
    """How voices run their models: threads per call, window sizes, when a call may use
    `wide_threads` instead (the server widens a call while no other synthesis needs a core),
    and where prepared graphs are cached."""

    threads: int = 1
    windows: WindowSizes = field(default_factory=WindowSizes)
    wide_threads: int = 0  # 0: never widen
    may_widen: Callable[[], bool] = _never
    cache: ModelCache = field(default_factory=lambda: ModelCache(None))

    def load(
        self, model: Path, part: str | None = None, prepare: Callable[[], bytes] | None = None, wide: bool = False
    ) -> Model:
        """Sessions for `model`, or for the `part` of it that `prepare` derives, through the cache;
        `wide` adds a session with `wide_threads` (a second copy of the weights: vocoders only,
        which are small and do most of the work)."""
        build = prepare or model.read_bytes
        source = self.cache.graph(self.cache.key(model, part or model.stem), build)
        try:
            return self._sessions(source, wide)
        except Exception:
            if not isinstance(source, Path):
                raise
            self.cache.discard(source)
            return self._sessions(build(), wide)

    def facts(self, model: Path, part: str, prepare: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """Small facts about `model` that cost a graph analysis to learn, through the cache."""
        return self.cache.meta(self.cache.key(model, part), prepare)

    def _sessions(self, source: Path | bytes, wide: bool) -> Model:
        widened = make_session(source, self.wide_threads) if wide and self.wide_threads > self.threads else None
        return Model(make_session(source, self.threads), widened, self.may_widen)


class Model:
    """One model with a narrow session and, optionally, a wide one for an idle machine."""

    def __init__(self, narrow: ort.InferenceSession, wide: ort.InferenceSession | None, may_widen: Callable[[], bool]) -> None:
        self._narrow = narrow
        self._wide = wide
        self._may_widen = may_widen

    def run(self, outputs: list[str] | None, feeds: dict[str, np.ndarray]) -> list[Any]:
        session = self._wide if self._wide is not None and self._may_widen() else self._narrow
        return session.run(outputs, feeds)

    def get_inputs(self) -> list[Any]:
        return self._narrow.get_inputs()
