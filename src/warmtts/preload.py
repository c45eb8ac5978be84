"""The preload manager: load and warm everything a request touches before we say ready.

Steps run in phases — the imports every step needs; then text resources (each importing its
own heavy modules) and every voice's ONNX sessions in parallel (they are independent, and
session builds release the GIL while the text side runs Python); then each voice's loudness
calibration (read from the model cache after a model's first
start); then, for the server, a real warm-up synthesis per voice through every output encoder
on every synthesis thread (the server passes how: `warm_voice`). Each step logs one
machine-parsable line (`preload step=voice:zh-baker seconds=0.213`) and its
timing is kept for /ready. The CLI runs it in the foreground, the server in a thread while
its port is already open.
"""

from __future__ import annotations

import enum
import gc
import importlib
import logging
import threading
import time
from collections.abc import Callable, Collection, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from warmtts.config import Settings
from warmtts.cpus import budget as cpu_budget
from warmtts.errors import PreloadError
from warmtts.memory import release_free_memory

if TYPE_CHECKING:
    from warmtts.engine import Engine
    from warmtts.phonemes.zh_pinyin import ZhG2P
    from warmtts.text.normalize import TextNormalizer

log = logging.getLogger("warmtts.preload")
T = TypeVar("T")

FIRST_MODULES = ("numpy", "onnxruntime", "soxr", "soundfile")  # what every later step needs: imported first
# The other heavy imports happen inside the steps that need them, on the pool's threads, so that
# their Python work overlaps the voices' ONNX session builds (which release the GIL): wetext (its
# FSTs) in `normalizer`, piper in `espeak`, jieba and pypinyin in `g2p`, av in `encoders`.
WARM_UP_TEXT = {  # short: each covers the text stages (numbers, polyphones, the other language)
    "zh": "2026年，行长说：GPU很快。",
    "en": "Hello, it is 3:45 pm. 你好。",
}
# A wide session's first run is what wants warming, not the text stages: the warm-up text run
# wide cost 0.21-0.24 s a voice (0.45 s more to ready), a word 0.06-0.07 s.
WIDE_WARM_UP_TEXT = {"zh": "你好。", "en": "Hello."}


def warm_up_text(language: str) -> str:
    """A sentence in `language` (English for any other) that runs every text stage."""
    return WARM_UP_TEXT.get(language, WARM_UP_TEXT["en"])


@dataclass(frozen=True)
class WarmUp:
    """What one warm-up synthesis cost: the capacity's first estimate of a voice's speed."""

    compute_seconds: float
    audio_seconds: float
    chars: int


def warm_up_voice(engine: Engine, voice_id: str) -> WarmUp:
    """One real request's every code path on this thread: normalise, phonemes, acoustic model,
    vocoder, and every output encoder. Returns what a request's steps cost: the synthesis and
    its encoding to mp3 (OpenAI's default format; pcm costs nothing, opus and aac about as much)."""
    from warmtts.audio.encode import make_encoder
    from warmtts.audio.formats import FORMATS

    text = warm_up_text(engine.voices.get(voice_id).info.language)
    started = time.perf_counter()
    stream = engine.synthesize_stream(text, voice_id)
    chunks = list(stream)
    compute = time.perf_counter() - started
    audio = sum(c.seconds for c in chunks)
    if not audio:
        raise PreloadError(f"warm-up of {voice_id} produced no audio")
    for fmt in FORMATS:
        # mp3 encodes it all (its cost is part of a request's); the others encode the first two
        # chunks: every code path (set-up on this thread, feed, finish) without the steady work
        # of the whole sentence, which cost 0.2 s per voice and thread (opus, aac, flac).
        sample = chunks if fmt == "mp3" else chunks[:2]
        started = time.perf_counter()
        encoder = make_encoder(fmt, stream.sample_rate)
        if not b"".join(encoder.feed(c.pcm) for c in sample) + encoder.finish():
            raise PreloadError(f"warm-up of {voice_id}: {fmt} encoder produced nothing")
        if fmt == "mp3":
            compute += time.perf_counter() - started
    return WarmUp(compute, audio, len(text))


class PreloadState(str, enum.Enum):
    LOADING = "loading"
    READY = "ready"
    FAILED = "failed"


class Preloader:
    def __init__(
        self, settings: Settings, may_widen: Callable[[], bool] | None = None, voices: Collection[str] | None = None
    ) -> None:
        """`may_widen` says when a model call may use `wide_threads` (the server's scheduler
        knows); without it a call always may, as for the CLI's one stream. `voices` loads only
        those (the CLI's, for one text); None loads every voice, as the server must."""
        self.settings = settings
        self.voices = None if voices is None else frozenset(voices)
        allowed = may_widen or (lambda: True)
        self._widening = threading.local()  # set on the thread that warms the wide sessions
        self.may_widen: Callable[[], bool] = lambda: getattr(self._widening, "on", False) or allowed()
        self.state = PreloadState.LOADING
        self.steps: dict[str, float] = {}
        self.error: str | None = None
        self.engine: Engine | None = None
        self.g2p: ZhG2P | None = None  # the one Chinese g2p, for reloading its lexicon
        self.total_seconds: float | None = None
        self._lock = threading.Lock()

    # --- bookkeeping --------------------------------------------------------------------

    def _step(self, name: str, action: Callable[[], T]) -> T:
        start = time.perf_counter()
        try:
            result = action()
        except Exception as exc:
            seconds = time.perf_counter() - start
            log.error("preload step=%s failed seconds=%.3f error=%r", name, seconds, exc, exc_info=True)
            raise PreloadError(f"preload step {name} failed: {exc}") from exc
        seconds = time.perf_counter() - start
        with self._lock:
            self.steps[name] = round(seconds, 4)
        log.info("preload step=%s seconds=%.3f", name, seconds)
        return result

    def report(self) -> dict[str, Any]:
        with self._lock:
            steps = dict(self.steps)
        return {"state": self.state.value, "total_seconds": self.total_seconds, "steps": steps, "error": self.error}

    # --- the steps ----------------------------------------------------------------------

    def _import_first(self, needs_zh: bool) -> None:
        for module in FIRST_MODULES:
            importlib.import_module(module)
        if needs_zh:  # before zh-baker's step and the g2p's both import it, each on its thread
            from warmtts.phonemes import zh_tables

            zh_tables.import_pypinyin()

    def _zh_frontend(self, lexicon: Mapping[str, tuple[str, ...]], cache: Path | None) -> ZhG2P:
        """The Chinese g2p, built (`g2p`: its tables from the cache) and warmed (`jieba+pypinyin`).
        pypinyin was imported without its JSON phrase table (`_import_first`): the tables bring
        theirs (zh_tables.py)."""

        def build() -> ZhG2P:
            from warmtts.phonemes.zh_pinyin import ZhG2P

            return ZhG2P(lexicon, cache_dir=cache)

        g2p = self._step("g2p", build)
        return self._step("jieba+pypinyin", lambda: _warmed(g2p))

    def run(self, warm_voice: Callable[[Engine, str], None] | None = None) -> Engine:
        """Load everything, then warm each voice with `warm_voice` (the server's: on every
        synthesis thread); returns the engine or raises PreloadError (state says which)."""
        start = time.perf_counter()
        try:
            engine = self._load(encoders=warm_voice is not None)
            if warm_voice is not None:
                for voice_id in engine.voices.ids():  # one at a time: each warm-up holds every worker
                    self._step(f"warmup:{voice_id}", lambda v=voice_id: self._warm(warm_voice, engine, v))
        except PreloadError as exc:
            self.state, self.error = PreloadState.FAILED, str(exc)
            log.error("preload state=failed error=%r", str(exc))
            raise
        except Exception as exc:  # a bug outside any step: still report it as a failed preload
            self.state, self.error = PreloadState.FAILED, f"preload failed: {exc!r}"
            log.exception("preload state=failed")
            raise PreloadError(self.error) from exc
        release_free_memory()  # what loading left free: about 50 MB of RSS after ready
        gc.freeze()  # what preload built lives for good: later collections need not walk it
        self.total_seconds = round(time.perf_counter() - start, 4)
        self.engine = engine
        self.state = PreloadState.READY
        log.info("preload state=ready steps=%d seconds=%.3f", len(self.steps), self.total_seconds)
        return engine

    def _warm(self, warm_voice: Callable[[Engine, str], None], engine: Engine, voice_id: str) -> None:
        """`warm_voice`, then the wide sessions a lone stream uses: `warm_voice` keeps every call
        narrow (it holds every worker, as under load), so their first run came with a request,
        and first audio of a fresh server's first request took 1.5 x a warm one's for en-joe."""
        warm_voice(engine, voice_id)
        if self.settings.wide_threads <= self.settings.onnx_threads:  # no wide session (Runtime.load)
            return
        language = engine.voices.get(voice_id).info.language
        self._widening.on = True
        try:
            for _ in engine.synthesize_stream(WIDE_WARM_UP_TEXT.get(language, WIDE_WARM_UP_TEXT["en"]), voice_id):
                pass
        finally:
            self._widening.on = False

    def _load(self, encoders: bool) -> Engine:
        if self.settings.preload_delay_seconds:
            self._step("delay", lambda: time.sleep(self.settings.preload_delay_seconds))
        needs_zh = self.voices is None or "zh-baker" in self.voices
        self._step("imports", lambda: self._import_first(needs_zh))

        from warmtts.phonemes.zh_lexicon import load_lexicon
        from warmtts.voices.loudness import calibrate
        from warmtts.voices.model_cache import ModelCache
        from warmtts.voices.onnx_session import Runtime
        from warmtts.voices.registry import VoiceRegistry, builtin_loaders, user_voice_loaders
        from warmtts.voices.windows import WindowSizes

        settings = self.settings
        log.info("%s workers=%d onnx_threads=%d wide_threads=%d", cpu_budget().log_line(), settings.workers,
                 settings.onnx_threads, settings.wide_threads)
        runtime = Runtime(
            settings.onnx_threads,
            WindowSizes(settings.first_window_seconds, settings.max_window_seconds),
            settings.wide_threads,
            self.may_widen,
            ModelCache(settings.cache_folder("onnx")),
        )
        with ThreadPoolExecutor(max_workers=4, thread_name_prefix="preload") as pool:
            g2p_loading = None
            if needs_zh:
                lexicon = self._step("lexicon", lambda: load_lexicon(settings.lexicon_path))
                # submitted first: zh-baker's sessions build meanwhile and take it only at the end
                g2p_loading = pool.submit(self._zh_frontend, lexicon, settings.cache_folder("text"))
            loaders = builtin_loaders(g2p_loading.result if g2p_loading else _no_g2p, runtime)
            if settings.voices_dir is not None:
                loaders |= user_voice_loaders(settings.voices_dir, runtime)
            if self.voices is not None:
                loaders = {vid: load for vid, load in loaders.items() if vid in self.voices}
            voices = {vid: pool.submit(self._step, f"voice:{vid}", load) for vid, load in loaders.items()}
            normalizer = pool.submit(self._step, "normalizer", _normalizer)
            espeak = pool.submit(self._step, "espeak", _espeak)
            encoding = pool.submit(self._step, "encoders", lambda: importlib.import_module("av")) if encoders else None
            registry = VoiceRegistry()
            for future in voices.values():
                registry.add(future.result())
            from warmtts.engine import Engine  # imports wetext: after the normalizer step has

            engine = Engine(registry, normalizer.result(), self.settings)
            self.g2p = g2p_loading.result() if g2p_loading is not None else None
            espeak.result()
            if encoding is not None:
                encoding.result()
        for voice in registry.all():  # after the text resources: a first start speaks a sentence
            self._step(f"loudness:{voice.info.id}", lambda v=voice: calibrate(v, runtime, settings.loudness_lufs))
        return engine


def _normalizer() -> TextNormalizer:
    from warmtts.text.normalize import TextNormalizer  # imports wetext, which reads its FSTs

    return _warmed(TextNormalizer())


def _espeak() -> None:
    from warmtts.phonemes.en_espeak import phonemize  # imports piper's espeak-ng bridge

    phonemize("warm up", "en-us")


def _no_g2p() -> ZhG2P:
    raise PreloadError("zh-baker was not asked for, so the Chinese frontend was not loaded")


def _warmed(resource: T) -> T:
    resource.warm_up()  # type: ignore[attr-defined]
    return resource


def build_engine(settings: Settings, voices: Collection[str] | None = None) -> Engine:
    """Load in the foreground without warm-up (the CLI's way), only `voices` if given; raises
    PreloadError on failure."""
    return Preloader(settings, voices=voices).run()
