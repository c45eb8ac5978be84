"""A cache of prepared ONNX graphs, so a start loads what an earlier start already worked out.

Preparing a graph costs more than loading it: ONNX Runtime's graph optimisation takes about two
thirds of a session's creation, and splitting a Piper graph (onnx load and extraction) a quarter
of a second more. The first start writes each prepared graph, optimised to ONNX Runtime's full
level, with its weights in a file beside it (shared_weights.py: the sessions of one model share
them), under a key made of the source model's SHA-256, the part's name, the ONNX Runtime version
and the CPU (the full level's layouts are made for this CPU's vector width); a later start reads
them back. An unwritable folder or a file that fails to load falls back to preparing the graph
as if there were no cache, with one warning, and a bad file is replaced. Without a folder the
graph is prepared in a temporary one, so the sessions are built the same way.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import platform
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import onnxruntime as ort

from warmtts.atomic_write import write_atomically
from warmtts.voices.shared_weights import move_weights, read_weights

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class PreparedGraph:
    """A graph optimised at the full level (load it with the optimiser off) and its weights,
    which every session of it is given in place."""

    graph: Path
    weights: dict[str, np.ndarray]


@functools.cache
def machine_tag() -> str:
    """A short name for this CPU's instruction set: a graph optimised at the full level holds
    layouts for its vector width (NCHWc blocks of 8 floats with AVX2, 16 with AVX-512)."""
    flags = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            flags = next((line for line in info if line.startswith(("flags", "Features"))), "")
    except OSError:
        flags = platform.processor()
    return hashlib.sha256(f"{platform.machine()} {flags}".encode()).hexdigest()[:8]


def file_digest(path: Path) -> str:
    with path.open("rb") as source:
        return hashlib.file_digest(source, "sha256").hexdigest()


class ModelCache:
    """Prepared graphs by key; `folder=None` disables the cache (every graph is prepared)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self._digests: dict[Path, str] = {}
        self._lock = threading.Lock()  # voices load in parallel

    def digest(self, model: Path) -> str:
        """The file's SHA-256, computed once per start (a voice that verifies its files and
        the cache's keys share it)."""
        if model not in self._digests:
            self._digests[model] = file_digest(model)
        return self._digests[model]

    def key(self, model: Path, part: str) -> str:
        return f"{self.digest(model)[:32]}-{part}-ort{ort.__version__}"

    def graph(self, key: str, prepare: Callable[[], bytes], open_graph: Callable[[PreparedGraph], T]) -> T:
        """`open_graph` of the prepared graph for `key`: the cached files, or `prepare()`'s graph
        optimised (and saved). Cached files that fail to read or to open are replaced."""
        key = f"{key}-{machine_tag()}"
        if self.folder is not None and (self.folder / f"{key}.onnx").is_file():
            try:
                return open_graph(self._read(self.folder, key))
            except Exception as exc:  # noqa: BLE001  # onnxruntime raises its own types for a bad file
                self.discard(key, exc)
        graph = prepare()
        if self.folder is not None:
            try:
                self._save(graph, key)
            except (OSError, RuntimeError, ort.capi.onnxruntime_pybind11_state.Fail) as exc:
                self._give_up(exc)
            else:
                return open_graph(self._read(self.folder, key))
        with tempfile.TemporaryDirectory(prefix="warmtts-graph-", ignore_cleanup_errors=True) as scratch:  # mapped
            self._prepare(graph, Path(scratch), key)
            return open_graph(self._read(Path(scratch), key))

    def meta(self, key: str, prepare: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """Small facts about a prepared graph (tensor names), cached beside it as JSON."""
        if self.folder is None:
            return prepare()
        path = self.folder / f"{key}.json"
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            facts = prepare()
            try:
                write_atomically(path, json.dumps(facts).encode())
            except OSError as exc:
                self._give_up(exc)
            return facts

    def _give_up(self, exc: Exception) -> None:
        """Stop using the cache for the rest of this start, saying so once."""
        with self._lock:
            if self.folder is not None:
                log.warning("model cache unusable folder=%s error=%r; graphs are prepared at each start", self.folder, exc)
            self.folder = None

    def discard(self, key: str, error: Exception) -> None:
        """Forget cached files that failed to load, so they are prepared again."""
        assert self.folder is not None
        log.warning("model cache file unreadable, replaced key=%s error=%r", key, error)
        for suffix in (".onnx", ".weights", ".weights.json"):
            (self.folder / f"{key}{suffix}").unlink(missing_ok=True)

    @staticmethod
    def _read(folder: Path, key: str) -> PreparedGraph:
        index = json.loads((folder / f"{key}.weights.json").read_text(encoding="utf-8"))
        return PreparedGraph(folder / f"{key}.onnx", read_weights(folder / f"{key}.weights", index))

    @staticmethod
    def _prepare(graph: bytes, folder: Path, key: str) -> None:
        """Optimise `graph` at the full level into `folder`, its weights in a file beside it."""
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.optimized_model_filepath = str(folder / f"{key}.onnx")
        options.log_severity_level = 3  # it warns that the full level's graph suits this CPU only
        ort.InferenceSession(graph, sess_options=options, providers=["CPUExecutionProvider"])
        index = move_weights(folder / f"{key}.onnx", folder / f"{key}.weights")
        (folder / f"{key}.weights.json").write_text(json.dumps(index), encoding="utf-8")

    def _save(self, graph: bytes, key: str) -> None:
        """Prepare `graph` once and move its files where the key says, the graph last: a reader
        that finds the graph finds its weights."""
        assert self.folder is not None
        self.folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=self.folder) as scratch:
            self._prepare(graph, Path(scratch), key)
            for suffix in (".weights", ".weights.json", ".onnx"):
                os.replace(Path(scratch) / f"{key}{suffix}", self.folder / f"{key}{suffix}")
