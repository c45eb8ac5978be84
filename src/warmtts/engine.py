"""The engine: text → audio chunks. The one entry point the CLI and the server use.

For each piece of text (a sentence, or part of one too long for a model call) the engine
normalises it, splits it into language runs, lets the voice of each run phonemise it, and yields
its audio window by window as the voice's vocoder computes it. Work happens only as the consumer
pulls chunks, so the first chunk costs one piece's acoustic model and one small window whatever
the text's length, and a consumer that stops pulling (a client that went away) stops the
synthesis.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from warmtts.audio.chunk import Chunk, Clip
from warmtts.audio.join import fade_edges, silence, to_int16
from warmtts.audio.rate import RateConverter
from warmtts.audio.stretch import TimeStretcher
from warmtts.config import Settings
from warmtts.text.clean import clean_text
from warmtts.text.normalize import TextNormalizer
from warmtts.text.segment import Piece, Script, dominant_script, iter_sentences, language_runs, pieces
from warmtts.voices.base import Phonemized, Voice
from warmtts.voices.params import SynthesisParams
from warmtts.voices.registry import VoiceRegistry

log = logging.getLogger(__name__)

PAUSE_SECONDS = {"sentence": 0.25, "clause": 0.12, "none": 0.0}


@dataclass
class AudioStream:
    """The chunks of one request, with what an encoder must know before the first arrives."""

    voice: str
    sample_rate: int
    chunks: Iterator[Chunk]

    def __iter__(self) -> Iterator[Chunk]:
        return self.chunks

    def close(self) -> None:
        """Stop the synthesis; the generator's next piece is never computed."""
        close = getattr(self.chunks, "close", None)
        if close is not None:
            close()


@dataclass(frozen=True)
class RunAnalysis:
    script: Script
    voice: str
    phonemized: Phonemized


@dataclass(frozen=True)
class PieceAnalysis:
    piece: Piece
    normalized: str
    runs: list[RunAnalysis]


class Engine:
    def __init__(self, voices: VoiceRegistry, normalizer: TextNormalizer, settings: Settings) -> None:
        self.voices = voices
        self.normalizer = normalizer
        self.settings = settings

    # --- voices -------------------------------------------------------------------------

    def voice_for(self, voice_id: str, text: str) -> Voice:
        """The request's main voice; `auto` takes the default voice of the text's language."""
        if voice_id != "auto":
            return self.voices.get(voice_id)
        return self._default_voice(dominant_script(text)) or self.voices.all()[0]

    def _voice_for_run(self, script: Script, main: Voice) -> Voice:
        """Han runs go to a Chinese voice and other runs to a non-Chinese one, so a Latin word
        inside Chinese text is spoken in English rather than dropped (and the reverse)."""
        if (script == "zh") == (main.info.language == "zh"):
            return main
        return self._default_voice(script) or main

    def _default_voice(self, script: Script) -> Voice | None:
        if script == "zh":
            return self.voices.first_for_language("zh", self.settings.default_zh_voice)
        return self.voices.first_for_language("en", self.settings.default_en_voice)

    # --- text stages --------------------------------------------------------------------

    def _pieces(self, sentences: Iterable[str]) -> Iterator[Piece]:
        for sentence in sentences:
            yield from pieces(sentence, self.settings.max_segment_chars)

    def analyze_piece(self, piece: Piece, main: Voice) -> PieceAnalysis:
        lang = dominant_script(piece.text)
        normalized = self.normalizer.normalize(piece.text, lang) if piece.text.strip() else ""
        runs = []
        for run in language_runs(normalized):
            voice = self._voice_for_run(run.script, main)
            runs.append(RunAnalysis(run.script, voice.info.id, voice.phonemize(run.text)))
        return PieceAnalysis(piece, normalized, runs)

    def analyze(self, text: str, voice: str = "auto") -> list[PieceAnalysis]:
        """Every stage for every piece of `text`, for `warmtts phonemes` and debugging."""
        main = self.voice_for(voice, text[:1000])
        return [self.analyze_piece(p, main) for p in self._pieces(iter_sentences([clean_text(text)]))]

    # --- synthesis ----------------------------------------------------------------------

    def _piece_chunks(self, analysis: PieceAnalysis, main: Voice, params: SynthesisParams) -> Iterator[Chunk]:
        """The piece's audio window by window, each sent as soon as it is computed: each run's
        windows in turn, faded at the run's edges and resampled to the stream's rate, with the
        pause after the piece joined to its last window."""
        rate = main.info.sample_rate
        pause = to_int16(silence(PAUSE_SECONDS[analysis.piece.end] / params.speed, rate))
        shares = _shares(len(analysis.piece.text), [len(run.phonemized.text) for run in analysis.runs])
        spoke = paused = False
        for index, (run, chars) in enumerate(zip(analysis.runs, shares)):
            tail = pause if index == len(analysis.runs) - 1 else None
            for chunk in self._run_chunks(run, chars, rate, params, tail):
                spoke, paused = True, tail is not None
                yield chunk
        if spoke and not paused:  # the last run had nothing to say
            yield Chunk(pause, rate)

    def _run_chunks(
        self, run: RunAnalysis, chars: int, rate: int, params: SynthesisParams, tail: np.ndarray | None
    ) -> Iterator[Chunk]:
        """One language run's windows, `tail` (int16 at `rate`) after the last; `chars` of the
        input are shared out by audio length.
        A speed past the model's good range is time-stretched here, window by window, before
        the run's edges are faded (params.py says how a speed is split)."""
        voice = self.voices.get(run.voice)
        own_rate = voice.info.sample_rate
        converter = RateConverter(own_rate, rate, "float32") if own_rate != rate else None
        stretcher = TimeStretcher(params.stretch) if params.stretch != 1.0 else None
        total = done = 0.0
        given = 0
        for index, speech in enumerate(voice.synthesize(run.phonemized, params)):
            audio = speech.audio
            if stretcher is not None:
                audio = stretcher.feed(audio)
                if speech.final:
                    audio = np.concatenate([audio, stretcher.finish()])
            audio = fade_edges(audio, own_rate, start=index == 0, end=speech.final)
            if index == 0:
                total = sum(seconds for _, seconds in speech.durations)
            done += len(speech.audio) / own_rate
            if converter is not None:
                audio = converter.feed(audio)
                if speech.final:
                    audio = np.concatenate([audio, converter.finish()])
            share = chars if speech.final or not total else min(chars, round(chars * done / total))
            pcm = to_int16(audio)
            if speech.final and tail is not None:
                pcm = np.concatenate([pcm, tail])
            yield Chunk(pcm, rate, run.phonemized.text, share - given)
            given = share

    def synthesize_stream(
        self,
        text: str | Iterable[str],
        voice: str = "auto",
        speed: float = 1.0,
        pitch: float = 1.0,
        energy: float = 1.0,
    ) -> AudioStream:
        """Audio chunks at the main voice's sample rate, one per piece of text.

        `text` may be an iterable of strings (the lines of a file), read only as needed; `auto`
        then looks at its first sentences. Raises InvalidInputError for an unknown voice or a
        parameter out of range at once; pieces with nothing to say yield no chunk.
        """
        params = SynthesisParams(speed, pitch, energy)
        sentences = iter_sentences(map(clean_text, [text] if isinstance(text, str) else text))
        if voice != "auto":
            main = self.voices.get(voice)
        elif isinstance(text, str):
            main = self.voice_for("auto", text[:1000])
        else:
            head = list(itertools.islice(sentences, 3))
            main = self.voice_for("auto", " ".join(head))
            sentences = itertools.chain(head, sentences)
        return AudioStream(main.info.id, main.info.sample_rate, self._chunks(sentences, main, params))

    def _chunks(self, sentences: Iterable[str], main: Voice, params: SynthesisParams) -> Iterator[Chunk]:
        for piece in self._pieces(sentences):
            yield from self._piece_chunks(self.analyze_piece(piece, main), main, params)

    def synthesize(
        self, text: str, voice: str = "auto", speed: float = 1.0, pitch: float = 1.0, energy: float = 1.0
    ) -> Clip:
        stream = self.synthesize_stream(text, voice, speed, pitch, energy)
        chunks = [c.pcm for c in stream]
        return Clip(np.concatenate(chunks) if chunks else np.zeros(0, np.int16), stream.sample_rate)


def _shares(total: int, weights: list[int]) -> list[int]:
    """`total` split in proportion to `weights`, in whole numbers that add up to it."""
    whole = sum(weights) or 1
    bounds = [round(total * sum(weights[: i + 1]) / whole) for i in range(len(weights))]
    return [b - a for a, b in zip([0, *bounds], bounds)]
