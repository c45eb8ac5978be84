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
from warmtts.text.marks import Heard, Mark, input_tokens, marks_for
from warmtts.text.normalize import TextNormalizer
from warmtts.text.segment import Piece, Script, dominant_script, language_runs
from warmtts.text.source import SourceText, Span
from warmtts.text.ssml import is_ssml, parse_ssml
from warmtts.text.utterances import Silence, Utterance, plain_utterances, ssml_utterances
from warmtts.voices.base import Given, Phonemized, Timing, Voice
from warmtts.voices.params import SPEED_RANGE, SynthesisParams
from warmtts.voices.registry import VoiceRegistry

log = logging.getLogger(__name__)

PAUSE_SECONDS = {"sentence": 0.25, "clause": 0.12, "none": 0.0}


@dataclass
class AudioStream:
    """The chunks of one request, with what an encoder must know before the first arrives;
    `ssml` says the input was read as SSML, `ignored_tags` names the SSML tags whose text was
    spoken without their meaning."""

    voice: str
    sample_rate: int
    chunks: Iterator[Chunk]
    ignored_tags: tuple[str, ...] = ()
    ssml: bool = False

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
    offset: int  # where the run starts in the piece's normalised text


@dataclass(frozen=True)
class PieceAnalysis:
    piece: Piece
    normalized: str
    source: SourceText  # the normalised text, each character with the input it stands for
    runs: list[RunAnalysis]
    tokens: list[Span]  # what marks may cover (marks.input_tokens)


class Engine:
    def __init__(self, voices: VoiceRegistry, normalizer: TextNormalizer, settings: Settings) -> None:
        self.voices = voices
        self.normalizer = normalizer
        self.settings = settings

    # --- voices -------------------------------------------------------------------------

    def voice_for(self, voice_id: str, text: str) -> Voice:
        """The request's main voice; `auto` takes the default voice of the text's language."""
        voice_id = self._named(voice_id)
        if voice_id != "auto":
            return self.voices.get(voice_id)
        return self._default_voice(dominant_script(text)) or self.voices.all()[0]

    def _named(self, voice_id: str) -> str:
        """An OpenAI voice name (alloy, marin…) as the voice it maps to, often `auto`."""
        return self.settings.openai_voice_map.get(voice_id.lower(), voice_id)

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

    def _utterance_voice(self, utterance: Utterance, main: Voice) -> Voice:
        """SSML's <voice> wins; then a <lang> that only another installed voice speaks."""
        if utterance.voice is not None:
            return self.voice_for(utterance.voice, utterance.piece.text)
        lang = utterance.lang
        if lang is not None and lang != main.info.language and lang not in ("zh", "en"):
            return self.voices.first_for_language(lang, None) or main
        return main

    # --- text stages --------------------------------------------------------------------

    def analyze_piece(self, utterance: Utterance, main: Voice) -> PieceAnalysis:
        piece = utterance.piece
        lang: Script = utterance.lang if utterance.lang in ("zh", "en") else dominant_script(piece.text)  # type: ignore[assignment]
        normalized = self.normalizer.normalize(piece.text, lang) if piece.text.strip() else ""
        source = utterance.source.rewrite(normalized)
        runs = []
        at = 0
        for run in language_runs(normalized):
            offset = normalized.find(run.text, at)
            at = offset + len(run.text)
            voice = self._voice_for_run(run.script, main)
            given = _given(utterance, source, offset, len(run.text))
            phonemized = voice.phonemize(run.text, given) if given else voice.phonemize(run.text)
            runs.append(RunAnalysis(run.script, voice.info.id, phonemized, offset))
        return PieceAnalysis(piece, normalized, source, runs, input_tokens(utterance.source))

    def analyze(self, text: str, voice: str = "auto") -> list[PieceAnalysis]:
        """Every stage for every piece of `text`, for `warmtts phonemes` and debugging."""
        main = self.voice_for(voice, text[:1000])
        limit = self.settings.max_segment_chars
        return [self.analyze_piece(u, main) for u in plain_utterances([text], limit)]

    # --- synthesis ----------------------------------------------------------------------

    def _piece_chunks(
        self, analysis: PieceAnalysis, main: Voice, params: SynthesisParams, rate: int, at: float
    ) -> Iterator[Chunk]:
        """The piece's audio window by window, each sent as soon as it is computed: each run's
        windows in turn, faded at the run's edges and resampled to the stream's `rate`, with the
        pause after the piece joined to its last window. `at` is the stream's time (seconds)
        at the piece's first sample."""
        pause = to_int16(silence(PAUSE_SECONDS[analysis.piece.end] / params.speed, rate))
        shares = _shares(len(analysis.piece.text), [len(run.phonemized.text) for run in analysis.runs])
        spoke = paused = False
        samples = 0
        marked = [0]  # the input marked so far ends here: a later run marks only what follows
        for index, (run, chars) in enumerate(zip(analysis.runs, shares)):
            tail = pause if index == len(analysis.runs) - 1 else None
            for chunk in self._run_chunks(run, analysis, chars, rate, params, tail, at + samples / rate, marked):
                spoke, paused = True, tail is not None
                samples += len(chunk.pcm)
                yield chunk
        if spoke and not paused:  # the last run had nothing to say
            yield Chunk(pause, rate)

    def _run_chunks(
        self, run: RunAnalysis, analysis: PieceAnalysis, chars: int, rate: int, params: SynthesisParams,
        tail: np.ndarray | None, at: float, marked: list[int],
    ) -> Iterator[Chunk]:
        """One language run's windows, `tail` (int16 at `rate`) after the last; `chars` of the
        input are shared out by audio length, and the first window carries the run's marks.
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
            marks: tuple[Mark, ...] = ()
            opens = 0.0
            if speech.timing is not None:
                total = speech.timing.lead + sum(speech.timing.phonemes)
                opens = total
                marks = tuple(m for m in _run_marks(run, analysis, speech.timing, at, params.stretch) if m.offset >= marked[0])
                marked[0] = max([marked[0], *(m.offset + m.length for m in marks)])
            done += len(speech.audio) / own_rate
            if converter is not None:
                audio = converter.feed(audio)
                if speech.final:
                    audio = np.concatenate([audio, converter.finish()])
            share = chars if speech.final or not total else min(chars, round(chars * done / total))
            pcm = to_int16(audio)
            if speech.final and tail is not None:
                pcm = np.concatenate([pcm, tail])
            if index == 0 and not opens:  # a model without timing: one call, the run's only window
                opens = len(speech.audio) / own_rate
            yield Chunk(pcm, rate, run.phonemized.text, share - given, marks, opens)
            given = share

    def synthesize_stream(
        self,
        text: str | Iterable[str],
        voice: str = "auto",
        speed: float = 1.0,
        pitch: float = 1.0,
        energy: float = 1.0,
        ssml: bool | None = None,
    ) -> AudioStream:
        """Audio chunks at the main voice's sample rate, window by window.

        `text` may be an iterable of strings (the lines of a file), read only as needed; `auto`
        then looks at its first sentences. `ssml` None reads a text that starts as SSML
        (is_ssml: <speak, or an XML prolog before it) as SSML; True requires SSML (an iterable
        is then read whole). Raises InvalidInputError for an unknown voice, a parameter out of
        range or invalid SSML at once; pieces with nothing to say yield no chunk.
        """
        params = SynthesisParams(speed, pitch, energy)
        limit = self.settings.max_segment_chars
        voice = self._named(voice)
        if ssml or (ssml is None and isinstance(text, str) and is_ssml(text)):
            document = parse_ssml(text if isinstance(text, str) else "".join(text), self.settings.max_input_chars)
            items: Iterable[Utterance | Silence] = list(ssml_utterances(document, limit))
            spoken = " ".join(i.piece.text for i in items if isinstance(i, Utterance))
            main = self.voice_for(voice, spoken[:1000])
            for item in items:  # an unknown <voice name> is a 400 now, not a cut stream later
                if isinstance(item, Utterance):
                    self._utterance_voice(item, main)
            audio = self._chunks(items, main, params)
            return AudioStream(main.info.id, main.info.sample_rate, audio, document.ignored, ssml=True)
        chunks = [text] if isinstance(text, str) else text
        utterances = plain_utterances(chunks, limit)
        if voice != "auto" or isinstance(text, str):
            main = self.voice_for(voice, text[:1000] if isinstance(text, str) else "")
        else:
            head = list(itertools.islice(utterances, 3))
            main = self.voice_for("auto", " ".join(u.piece.text for u in head))
            utterances = itertools.chain(head, utterances)
        return AudioStream(main.info.id, main.info.sample_rate, self._chunks(utterances, main, params))

    def _chunks(self, items: Iterable[Utterance | Silence], main: Voice, params: SynthesisParams) -> Iterator[Chunk]:
        rate = main.info.sample_rate
        samples = 0
        for item in items:
            if isinstance(item, Silence):
                chunk = Chunk(to_int16(silence(item.seconds, rate)), rate)
                samples += len(chunk.pcm)
                yield chunk
                continue
            voice = self._utterance_voice(item, main)
            own = params if item.rate == 1.0 else _at_rate(params, item.rate)
            for chunk in self._piece_chunks(self.analyze_piece(item, voice), voice, own, rate, samples / rate):
                samples += len(chunk.pcm)
                yield chunk

    def synthesize(
        self, text: str, voice: str = "auto", speed: float = 1.0, pitch: float = 1.0, energy: float = 1.0
    ) -> Clip:
        stream = self.synthesize_stream(text, voice, speed, pitch, energy)
        chunks = [c.pcm for c in stream]
        return Clip(np.concatenate(chunks) if chunks else np.zeros(0, np.int16), stream.sample_rate)


def _at_rate(params: SynthesisParams, rate: float) -> SynthesisParams:
    """The request's params with SSML's prosody rate applied, held inside the speed range."""
    low, high = SPEED_RANGE
    return SynthesisParams(min(high, max(low, params.speed * rate)), params.pitch, params.energy)


def _given(utterance: Utterance, source: SourceText, offset: int, length: int) -> tuple[Given, ...]:
    """The piece's fixed pronunciations that fall in the run at `offset` of the normalised
    text, in the run's coordinates: the characters that stand for the <phoneme>'s content."""
    result = []
    for item in utterance.pronunciations:
        inside = [
            i for i in range(offset, offset + length)
            if source.spans[i][1] > source.spans[i][0] and item.span[0] <= source.spans[i][0] and source.spans[i][1] <= item.span[1]
        ]
        if inside:
            result.append(Given(inside[0] - offset, inside[-1] + 1 - offset, item.alphabet, item.ph))
    return tuple(result)


def _run_marks(run: RunAnalysis, analysis: PieceAnalysis, timing: Timing, at: float, stretch: float) -> tuple[Mark, ...]:
    """The run's marks in stream seconds: consecutive phonemes of one unit (a Han character, a
    word) are heard as one stretch, which stands for the input its characters came from; words
    the normaliser added (the input had no characters for them) are heard as part of the next
    word, so the marks cover all that is spoken."""
    stretches: list[list] = []  # [unit, start, end]
    clock = timing.lead
    units = run.phonemized.units
    for index, seconds in enumerate(timing.phonemes):
        unit = units[index] if index < len(units) else None
        if unit is not None:
            start, end = at + clock / stretch, at + (clock + seconds) / stretch
            if stretches and stretches[-1][0] == unit and abs(stretches[-1][2] - start) < 1e-9:
                stretches[-1][2] = end
            else:
                stretches.append([unit, start, end])
        clock += seconds
    heard: list[Heard] = []
    waiting: float | None = None  # the start of words the normaliser added ("the … of")
    for unit, start, end in stretches:
        span = analysis.source.span(run.offset + unit[0], run.offset + unit[1])
        if span is None:
            waiting = start if waiting is None else waiting
        else:
            heard.append(Heard(span, start if waiting is None else waiting, end))
            waiting = None
    if waiting is not None and heard:  # added at the end: they belong to the word before
        heard[-1] = Heard(heard[-1].span, heard[-1].start, stretches[-1][2])
    return tuple(marks_for(heard, analysis.tokens))


def _shares(total: int, weights: list[int]) -> list[int]:
    """`total` split in proportion to `weights`, in whole numbers that add up to it."""
    whole = sum(weights) or 1
    bounds = [round(total * sum(weights[: i + 1]) / whole) for i in range(len(weights))]
    return [b - a for a, b in zip([0, *bounds], bounds)]
