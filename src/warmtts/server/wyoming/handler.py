"""Wyoming beside HTTP: how Home Assistant and other voice assistants use a local TTS.

`warmtts serve --wyoming tcp://HOST:PORT` answers `Describe` with every voice, speaks a
`Synthesize` as `AudioStart`, `AudioChunk`… (as each piece is ready), `AudioStop`, and speaks
streamed text (`SynthesizeStart`, `SynthesizeChunk`…, `SynthesizeStop`, then
`SynthesizeStopped`) sentence by sentence as each one is complete, as an LLM's answer arrives
(text/incoming.py decides when, as for the realtime WebSocket).
Every synthesis goes through the same service as HTTP, so readiness, admission and the time
limit hold here too; what HTTP answers with a 4xx, 429 or 503 comes back as an `Error` event.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from functools import partial

from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.error import Error
from wyoming.event import Event
from wyoming.info import Attribution, Describe, Info, TtsProgram, TtsVoice
from wyoming.server import AsyncEventHandler, AsyncServer
from wyoming.tts import (
    Synthesize,
    SynthesizeChunk,
    SynthesizeStart,
    SynthesizeStop,
    SynthesizeStopped,
    SynthesizeTextFormat,
    SynthesizeVoice,
)

from warmtts import __version__
from warmtts.errors import InvalidInputError, SynthesisFailedError, SynthesisTimeoutError, WarmttsError
from warmtts.server.errors import error_kind
from warmtts.server.synthesis.job import Outcome, SynthesisRequest
from warmtts.server.synthesis.service import SynthesisService, speakable
from warmtts.text.incoming import IncomingText
from warmtts.text.ssml import is_ssml

log = logging.getLogger(__name__)

ROUTE = "wyoming"
SAMPLE_WIDTH, CHANNELS = 2, 1
_ATTRIBUTION = Attribution(name="warmtts", url="https://pypi.org/project/warmtts/")


def _is_ssml_format(text_format: str | SynthesizeTextFormat | None) -> bool:
    return text_format in (SynthesizeTextFormat.SSML, "ssml")


def _checked(text: str, text_format: str | SynthesizeTextFormat | None) -> str:
    """The text to speak: SSML must start as an XML document (the engine then reads it as SSML,
    by the same rule as for any text, and its parser refuses what it must)."""
    if text_format not in (None, SynthesizeTextFormat.TEXT, "text") and not _is_ssml_format(text_format):
        raise InvalidInputError(f"text_format {text_format!r} is not supported; send text or ssml")
    if _is_ssml_format(text_format) and not is_ssml(text):
        raise InvalidInputError("text_format is ssml but the text is not a <speak> document")
    return text


class WyomingHandler(AsyncEventHandler):
    """One client connection; a streamed synthesis lives from SynthesizeStart to its Stop."""

    def __init__(self, service: SynthesisService, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        super().__init__(reader, writer)
        self.service = service
        self._streaming: SynthesizeStart | None = None
        self._incoming = IncomingText(service.settings.realtime_clause_chars)  # streamed text not yet spoken
        self._document: str | None = None  # the stream is SSML, or plain text that starts as SSML: read whole, at Stop
        self._spoken = False  # a stretch of this stream has been spoken
        self._audio_started: int | None = None  # the sample rate of an AudioStart sent, until AudioStop

    async def handle_event(self, event: Event) -> bool:
        try:
            if Describe.is_type(event.type):
                await self.write_event(self._info().event())
            elif SynthesizeStart.is_type(event.type):
                self._streaming = SynthesizeStart.from_event(event)
                self._reset_text()
                if _is_ssml_format(self._streaming.text_format):
                    self._document = ""
            elif SynthesizeChunk.is_type(event.type) and self._streaming is not None:
                text = SynthesizeChunk.from_event(event).text
                # Until a stretch is spoken, the text so far is the stream's start: if it starts
                # as SSML, it is one document (the engine reads it as SSML, or refuses it), not sentences.
                if self._document is None and not self._spoken and is_ssml(self._incoming.pending + text):
                    self._document = self._incoming.pending
                    self._incoming.clear()
                if self._document is not None:
                    self._document += text
                    return True
                ready = self._incoming.append(text)
                if ready is None and self._audio_started is None:  # nothing heard yet: a long first sentence is cut
                    ready = self._incoming.clause()
                if ready is not None and speakable(ready.text):
                    self._spoken = True
                    await self._speak(ready.text, self._streaming.voice)
            elif SynthesizeStop.is_type(event.type) and self._streaming is not None:
                await self._finish_stream()
            elif Synthesize.is_type(event.type) and self._streaming is None:
                # While streaming, a client also sends the whole text as Synthesize for servers
                # that cannot stream: it is spoken already, sentence by sentence.
                synthesize = Synthesize.from_event(event)
                await self._speak(_checked(synthesize.text, synthesize.text_format), synthesize.voice)
                await self._stop_audio()
        except WarmttsError as exc:
            await self._fail(exc)
        except (ConnectionError, asyncio.IncompleteReadError):  # the client went away mid-answer
            return False
        return True

    def _reset_text(self) -> None:
        self._incoming.clear()
        self._document, self._spoken = None, False

    async def _finish_stream(self) -> None:
        streaming, document, rest = self._streaming, self._document, self._incoming.flush()
        voice = streaming.voice if streaming else None
        self._streaming = None
        self._reset_text()
        if streaming is not None and document is not None:
            await self._speak(_checked(document, streaming.text_format), voice)
        elif rest is not None and speakable(rest.text):
            await self._speak(rest.text, voice)
        await self._stop_audio()
        await self.write_event(SynthesizeStopped().event())

    async def _speak(self, text: str, voice: SynthesizeVoice | None) -> None:
        """Send `text`'s audio as it is synthesised, after one AudioStart per utterance."""
        request = SynthesisRequest(route=ROUTE, text=text, voice=_voice_id(voice), format="pcm", framing="audio")
        async with self.service.open(request) as job:
            if self._audio_started is None:
                self._audio_started = job.sample_rate
                await self.write_event(AudioStart(rate=job.sample_rate, width=SAMPLE_WIDTH, channels=CHANNELS).event())
            if job.sample_rate != self._audio_started:
                raise InvalidInputError(
                    f"voice {job.voice} speaks at {job.sample_rate} Hz, but this utterance started at "
                    f"{self._audio_started} Hz; use one voice per utterance"
                )
            async for data in job.body():
                await self.write_event(
                    AudioChunk(rate=job.sample_rate, width=SAMPLE_WIDTH, channels=CHANNELS, audio=data).event()
                )
            if job.failed:
                failure = SynthesisTimeoutError if job.outcome is Outcome.TIMEOUT else SynthesisFailedError
                raise failure(job.error or "synthesis failed")

    async def _stop_audio(self) -> None:
        if self._audio_started is not None:
            self._audio_started = None
            await self.write_event(AudioStop().event())

    async def _fail(self, exc: WarmttsError) -> None:
        self._streaming = None
        self._reset_text()
        await self._stop_audio()
        await self.write_event(Error(text=str(exc), code=error_kind(exc)[1]).event())

    def _info(self) -> Info:
        voices = [
            TtsVoice(
                name=voice.info.id,
                description=voice.info.description,
                attribution=Attribution(name=voice.info.license or "warmtts", url=""),
                installed=True,
                version=None,
                languages=[voice.info.language],
            )
            for voice in self.service.engine().voices.all()
        ]
        program = TtsProgram(
            name="warmtts",
            description="Chinese and English text to speech on the CPU",
            attribution=_ATTRIBUTION,
            installed=True,
            version=__version__,
            voices=voices,
            supports_synthesize_streaming=True,
        )
        return Info(tts=[program])


def _voice_id(voice: SynthesizeVoice | None) -> str:
    return voice.name if voice is not None and voice.name else "auto"


def handler_factory(service: SynthesisService) -> Callable[[asyncio.StreamReader, asyncio.StreamWriter], WyomingHandler]:
    return partial(WyomingHandler, service)


async def start(uri: str, service: SynthesisService) -> AsyncServer:
    """Listen on `uri` (tcp://HOST:PORT or unix://PATH) without blocking; stop() ends it."""
    server = AsyncServer.from_uri(uri)
    await server.start(handler_factory(service))  # type: ignore[attr-defined]
    log.info("wyoming listening uri=%s", uri)
    return server
