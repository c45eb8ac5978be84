"""ONNX Runtime sessions with deliberate options, shared by every request of a voice."""

from __future__ import annotations

from pathlib import Path

import onnxruntime as ort


def make_session(path: Path, threads: int) -> ort.InferenceSession:
    """A CPU session; `run` on it is safe from many threads at once.

    One intra-op pool of `threads` per session and no inter-op parallelism: our graphs are
    chains, and concurrent requests already use the other cores. No memory arena: it keeps the
    largest activations ever seen (a long sentence) for good, which grew RSS by a third under
    load; plain allocation costs little next to the convolutions. No memory pattern: it is
    cached per input shape, so a text of a length seen before ran ~25 ms faster than a new one
    — a service meets new texts, and the first request should cost what the hundredth does.
    """
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.enable_cpu_mem_arena = False
    options.enable_mem_pattern = False
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
