"""ONNX Runtime sessions with deliberate options, shared by every request of a voice."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort

from warmtts.voices.model_cache import ModelCache, PreparedGraph
from warmtts.voices.windows import WindowSizes


def make_session(
    model: Path | bytes, threads: int, weights: Mapping[str, ort.OrtValue] | None = None
) -> ort.InferenceSession:
    """A CPU session for a model file or a serialised graph; `run` on it is safe from many
    threads at once. With `weights` the graph is one already optimised (model_cache.py), loaded
    with the optimiser off, and its initializers of those names are `weights`, used in place:
    every session given the same values shares one copy.

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
    options.graph_optimization_level = (
        ort.GraphOptimizationLevel.ORT_ENABLE_ALL if weights is None else ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    )
    for name, value in (weights or {}).items():
        options.add_initializer(name, value)
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
        `wide` adds a session with `wide_threads`, which shares the narrow one's weights."""
        wide = wide and self.wide_threads > self.threads
        key = self.cache.key(model, part or model.stem)
        return self.cache.graph(key, prepare or model.read_bytes, lambda prepared: self._sessions(prepared, wide))

    def facts(self, model: Path, part: str, prepare: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """Small facts about `model` that cost a graph analysis to learn, through the cache."""
        return self.cache.meta(self.cache.key(model, part), prepare)

    def _sessions(self, prepared: PreparedGraph, wide: bool) -> Model:
        weights = {name: ort.OrtValue.ortvalue_from_numpy(array) for name, array in prepared.weights.items()}
        narrow = make_session(prepared.graph, self.threads, weights)
        widened = make_session(prepared.graph, self.wide_threads, weights) if wide else None
        return Model(narrow, widened, self.may_widen, weights)


class Model:
    """One model with a narrow session and, optionally, a wide one for an idle machine; both
    read the one copy of its weights this object keeps alive."""

    def __init__(
        self,
        narrow: ort.InferenceSession,
        wide: ort.InferenceSession | None,
        may_widen: Callable[[], bool],
        weights: Mapping[str, ort.OrtValue] | None = None,
    ) -> None:
        self._narrow = narrow
        self._wide = wide
        self._may_widen = may_widen
        self.ran_wide = False  # the wide session has run (the preload warms it)
        self.weights = dict(weights or {})  # ONNX Runtime reads these buffers; they must outlive the sessions

    @property
    def widens(self) -> bool:
        return self._wide is not None

    def run(self, outputs: list[str] | None, feeds: dict[str, np.ndarray]) -> list[Any]:
        if self._wide is not None and self._may_widen():
            self.ran_wide = True
            return self._wide.run(outputs, feeds)
        return self._narrow.run(outputs, feeds)

    def get_inputs(self) -> list[Any]:
        return self._narrow.get_inputs()
