"""A cache of prepared ONNX graphs, so a start loads what an earlier start already worked out.

Preparing a graph costs more than loading it: ONNX Runtime's graph optimisation takes about two
thirds of a session's creation, and splitting a Piper graph (onnx load and extraction) a quarter
of a second more. The first start writes each prepared graph, optimised to ONNX Runtime's
extended level (portable between CPUs; the hardware-specific layout passes still run at load),
under a key made of the source model's SHA-256, the part's name and the ONNX Runtime version; a
later start reads it back. An unwritable folder or a file that fails to load falls back to
preparing the graph as if there were no cache, with one warning, and a bad file is replaced.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import onnxruntime as ort

from warmtts.atomic_write import write_atomically

log = logging.getLogger(__name__)


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

    def graph(self, key: str, prepare: Callable[[], bytes]) -> Path | bytes:
        """The optimised graph for `key`: a cached file, or `prepare()`'s graph (then saved)."""
        if self.folder is None:
            return prepare()
        path = self.folder / f"{key}.onnx"
        if path.is_file():
            return path
        graph = prepare()
        try:
            self._save(graph, path)
        except (OSError, RuntimeError, ort.capi.onnxruntime_pybind11_state.Fail) as exc:
            self._give_up(exc)
            return graph
        return path

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

    def discard(self, path: Path) -> None:
        """Forget a cached file that failed to load, so the next start prepares it again."""
        log.warning("model cache file unreadable, replaced path=%s", path)
        path.unlink(missing_ok=True)

    def _save(self, graph: bytes, path: Path) -> None:
        """Optimise `graph` once and write it where the key says, atomically."""
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=path.parent) as scratch:
            options = ort.SessionOptions()
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
            options.optimized_model_filepath = str(Path(scratch) / path.name)
            options.log_severity_level = 3
            ort.InferenceSession(graph, sess_options=options, providers=["CPUExecutionProvider"])
            os.replace(Path(scratch) / path.name, path)
