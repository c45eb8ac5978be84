"""One realtime session: text in as it is written, audio out as soon as a stretch is ready.

Two tasks share the socket. The receiving loop reads messages, cuts the text into stretches
ready to speak (text/incoming.py) and queues them; the speaker takes the queue in order and
speaks each stretch as one Job. A generation is the text up to a flush: it is admitted as a
request is when its first stretch is ready, and its later stretches go in the same place in
the capacity, which the session gives back as soon as it has nothing to speak. Its stretches'
audio, timestamps and usage count from its start; a flush's `speech.audio.done` ends it.

Barge-in (`input_text.clear`) cancels the speaker task: its job's queued step is dropped, a
step running on a worker is discarded when it ends, nothing more is sent; only then does
`input_text.cleared` go out, so no audio of the old text can follow it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Union

from starlette.websockets import WebSocket, WebSocketDisconnect

from warmtts.errors import OverloadedError, WarmttsError
from warmtts.server.errors import error_kind
from warmtts.server.synthesis.job import Job, Outcome
from warmtts.server.realtime.options import SessionOptions
from warmtts.server.realtime.protocol import (
    Append,
    AudioDelta,
    AudioDone,
    Clear,
    Cleared,
    End,
    ErrorEvent,
    Flush,
    ProtocolError,
    ServerEvent,
    SessionCreated,
    SessionUpdate,
    SessionUpdated,
    Timestamps,
    parse,
)
from warmtts.server.synthesis.service import speakable
from warmtts.text.incoming import IncomingText, Ready

if TYPE_CHECKING:
    from warmtts.config import Settings
    from warmtts.server.synthesis.capacity import Reservation
    from warmtts.server.realtime.metrics import RealtimeMetrics
    from warmtts.server.synthesis.service import SynthesisService

log = logging.getLogger(__name__)

# A long sentence is cut at a clause only while the listener has less audio than this ahead and
# nothing else queued: about a first chunk's synthesis, with room to spare (text/incoming.py).
CLAUSE_AHEAD_SECONDS = 1.5
# A generation's next stretch that the server cannot admit yet (its place was given back while
# it had nothing to speak) is retried this often, for this long, before the rest of the
# generation is dropped: its listener is still hearing the last.
RETRY_SECONDS, CONTINUE_WAIT_SECONDS = 0.1, 10.0


@dataclass(eq=False)
class _Generation:
    """The text up to one flush, as the speaker goes through it."""

    seconds: float = 0.0  # audio sent so far
    dropped: str | None = None  # why the rest of its text is not spoken (refused, failed)


@dataclass(frozen=True)
class _Speak:
    generation: _Generation
    ready: Ready


@dataclass(frozen=True)
class _Done:
    generation: _Generation
    chars: int
    last: bool  # input_text.end: the session closes after it


_Work = Union[_Speak, _Done]


class _Finished:
    """The speaker has sent the last generation's done: the session may close."""


class _Binary:
    """A binary frame arrived."""


@dataclass
class _Tally:
    generations: int = 0
    clears: int = 0
    opened: float = field(default_factory=time.monotonic)


class Session:
    def __init__(
        self, socket: WebSocket, service: SynthesisService, settings: Settings, metrics: RealtimeMetrics
    ) -> None:
        self.socket = socket
        self.service = service
        self.settings = settings
        self.metrics = metrics
        self.options = SessionOptions()
        self._incoming = IncomingText(settings.realtime_clause_chars)
        self._current = _Generation()  # the one whose text is arriving
        self._work: asyncio.Queue[_Work] = asyncio.Queue()
        self._queued_chars = 0  # text handed to the speaker and not yet spoken
        self._inbox: asyncio.Queue[str | _Binary | _Finished | None] = asyncio.Queue()
        self._speaker: asyncio.Task[None] | None = None
        self._speaking = False
        self._send_lock = asyncio.Lock()
        self._ending = False
        self._last_text = time.monotonic()
        self._idle_spoken = False  # the text's idle time has passed since the last append (what it could say, said)
        self._last_activity = time.monotonic()
        self._audio_until = 0.0  # when the audio sent so far ends, played from its arrival on
        self._held: Reservation | None = None  # the generation's place in the capacity, while it has text
        self._tally = _Tally()

    # --- the receiving loop -------------------------------------------------------------

    async def run(self) -> None:
        reader = asyncio.create_task(self._read())
        self._speaker = asyncio.create_task(self._speak_all())
        reason = "client closed"
        try:
            await self._send(SessionCreated(self._described()))
            while True:
                try:
                    message = await asyncio.wait_for(self._inbox.get(), self._wait_seconds())
                except TimeoutError:
                    if self._timed_out():
                        reason = "idle timeout"
                        await self._send(ErrorEvent(
                            "idle_timeout",
                            f"nothing sent or spoken for {self.settings.realtime_idle_timeout_seconds:g} s; closing",
                        ))
                        await self.socket.close(1000, "idle timeout")
                        return
                    continue
                if message is None:
                    return
                if isinstance(message, _Finished):
                    reason = "end"
                    await self.socket.close(1000, "end")
                    return
                self._last_activity = time.monotonic()
                await self._handle(message)
        except (WebSocketDisconnect, RuntimeError, ConnectionError, TimeoutError):  # the client went away or stalled
            reason = "client gone"
        finally:
            reader.cancel()
            await self._stop_speaker()
            self._release()
            if self._incoming.generation_chars or not self._work.empty():
                self.metrics.generations.labels("closed").inc()
            log.info(
                "realtime session closed reason=%s seconds=%.1f generations=%d clears=%d",
                reason, time.monotonic() - self._tally.opened, self._tally.generations, self._tally.clears,
            )

    async def _read(self) -> None:
        """Every frame into the inbox; None when the client has gone."""
        try:
            while True:
                message = await self.socket.receive()
                if message["type"] == "websocket.disconnect":
                    break
                text = message.get("text")
                self._inbox.put_nowait(text if text is not None else _Binary())
        except (WebSocketDisconnect, RuntimeError):
            pass
        self._inbox.put_nowait(None)

    def _wait_seconds(self) -> float:
        """Until the unfinished text is due to be spoken, or the idle timeout is next checked."""
        now = time.monotonic()
        wait = self._last_activity + self.settings.realtime_idle_timeout_seconds - now
        if self._incoming.pending and not self._ending and not self._idle_spoken:
            wait = min(wait, self._last_text + self.settings.realtime_idle_flush_ms / 1000 - now)
        return max(0.01, wait)

    def _timed_out(self) -> bool:
        """Speak text that waited its idle time; whether the whole session has been idle too long."""
        now = time.monotonic()
        waited = now - self._last_text >= self.settings.realtime_idle_flush_ms / 1000
        if self._incoming.pending and not self._idle_spoken and waited:
            self._idle_spoken = True  # a word still being written waits for more text, not for another timer
            self._queue_ready(self._incoming.idle())
        if self._speaking or not self._work.empty():
            self._last_activity = now
        return now - self._last_activity >= self.settings.realtime_idle_timeout_seconds

    async def _handle(self, raw: str | _Binary) -> None:
        try:
            if isinstance(raw, _Binary):
                raise ProtocolError("invalid_message", "binary frames are not read; send JSON text frames")
            event = parse(raw)
            if isinstance(event, Clear):
                await self._clear()
            elif self._ending:
                raise ProtocolError("session_ending", "input_text.end was sent; the session closes after its audio")
            elif isinstance(event, Append):
                self._append(event.text)
            elif isinstance(event, Flush):
                self._flush(last=False)
            elif isinstance(event, End):
                self._ending = True
                self._flush(last=True)
            elif isinstance(event, SessionUpdate):
                self.options = self.options.updated(event.session, self.service)
                await self._send(SessionUpdated(self._described()))
        except ProtocolError as exc:
            await self._send(ErrorEvent(exc.code, str(exc)))

    def _described(self) -> dict[str, object]:
        return self.options.to_dict()

    def _append(self, text: str) -> None:
        limit = min(self.settings.realtime_max_buffer_chars, self.settings.max_input_chars)
        unspoken = len(self._incoming.pending) + self._queued_chars
        if unspoken + len(text) > limit:
            raise ProtocolError(
                "buffer_full",
                f"{unspoken} characters are waiting to be spoken and this append has {len(text)}; the limit is "
                f"{limit}. The text was dropped: send it again after some has been spoken, or input_text.clear.",
            )
        self._last_text, self._idle_spoken = time.monotonic(), False
        self._queue_ready(self._incoming.append(text))
        if self._short_of_audio():
            self._queue_ready(self._incoming.clause())

    def _short_of_audio(self) -> bool:
        """Whether the listener would soon run dry: nothing is being or waiting to be spoken,
        and little audio is left to play."""
        ahead = self._audio_until - time.monotonic()
        return self._work.empty() and not self._speaking and ahead < CLAUSE_AHEAD_SECONDS

    def _flush(self, last: bool) -> None:
        chars = self._incoming.generation_chars
        self._queue_ready(self._incoming.flush())
        self._put(_Done(self._current, chars, last))
        self._current = _Generation()

    def _queue_ready(self, ready: Ready | None) -> None:
        if ready is not None:
            self._queued_chars += len(ready.text)
            self._put(_Speak(self._current, ready))

    def _put(self, work: _Work) -> None:
        self._work.put_nowait(work)

    async def _clear(self) -> None:
        """Barge-in: stop the speaker, drop its queue and the buffered text, then say so."""
        self.metrics.clears.inc()
        self._tally.clears += 1
        await self._stop_speaker()
        self._release()
        dropped = {id(w.generation) for w in self._drain()}
        if self._incoming.generation_chars:
            dropped.add(id(self._current))
        for _ in dropped:
            self.metrics.generations.labels("cleared").inc()
        self._incoming.clear()
        self._current = _Generation()
        self._audio_until = 0.0
        self._speaker = asyncio.create_task(self._speak_all())
        await self._send(Cleared())
        if self._ending:  # the end's done was dropped with the rest: nothing more will come
            self._inbox.put_nowait(_Finished())

    def _drain(self) -> list[_Work]:
        drained = []
        while not self._work.empty():
            drained.append(self._work.get_nowait())
        self._queued_chars = 0
        return drained

    async def _stop_speaker(self) -> None:
        if self._speaker is not None:
            self._speaker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._speaker
            self._speaker = None
            self._speaking = False

    async def _send(self, event: ServerEvent) -> None:
        """One message; a client that takes none of it for send_timeout_seconds is dropped."""
        async with self._send_lock:
            async with asyncio.timeout(self.settings.send_timeout_seconds):
                await self.socket.send_text(event.to_json())

    # --- the speaker --------------------------------------------------------------------

    async def _speak_all(self) -> None:
        while True:
            work = await self._work.get()
            self._speaking = True
            try:
                if isinstance(work, _Speak):
                    if work.generation.dropped is None and speakable(work.ready.text):
                        await self._speak(work.generation, work.ready)
                else:
                    await self._finish(work)
            except (WebSocketDisconnect, RuntimeError, ConnectionError, TimeoutError):
                self._inbox.put_nowait(None)  # the client is gone or stalled: end the session
                return
            finally:
                if isinstance(work, _Speak):
                    self._queued_chars = max(0, self._queued_chars - len(work.ready.text))
                if self._work.empty() and not self._incoming.pending:  # nothing left to speak
                    self._release()
                self._speaking = False
                self._last_activity = time.monotonic()

    def _release(self) -> None:
        """Give the generation's place in the capacity back: it has nothing to speak now."""
        if self._held is not None:
            self._held.release()
            self._held = None

    async def _finish(self, done: _Done) -> None:
        outcome = "done" if done.generation.dropped is None else done.generation.dropped
        self.metrics.generations.labels(outcome).inc()
        self._tally.generations += 1
        self._release()
        await self._send(AudioDone(done.chars, done.generation.seconds, self.options.sample_rate))
        if done.last:
            self._inbox.put_nowait(_Finished())

    async def _speak(self, generation: _Generation, ready: Ready) -> None:
        """One stretch as one admitted request; a refusal drops the rest of its generation."""
        try:
            job = await self._admit(generation, ready)
        except WarmttsError as exc:
            self._release()
            generation.dropped = "refused"
            _, kind, headers = error_kind(exc)
            retry = (headers or {}).get("Retry-After")
            message = f"{exc}; the rest of this generation's text is dropped up to its flush"
            await self._send(ErrorEvent(kind, message, int(retry) if retry else None))
            return
        async with job:
            await self._stream(job, generation, ready)
        if job.failed:
            self._release()
            generation.dropped = "failed"
            kind = "timeout" if job.outcome is Outcome.TIMEOUT else "synthesis_failed"
            await self._send(ErrorEvent(kind, job.error or "synthesis failed"))

    async def _admit(self, generation: _Generation, ready: Ready) -> Job:
        """A generation is admitted as an HTTP request is, or refused at once, and holds its
        place while it has text to speak: its later stretches go in the same place, and their
        steps are due when the listener runs out of the audio before them. A later stretch
        whose place was given back meanwhile waits for one, up to CONTINUE_WAIT_SECONDS."""
        continuing = generation.seconds > 0
        waited_until = time.monotonic() + CONTINUE_WAIT_SECONDS
        while True:
            plays_at = time.perf_counter() + (self._audio_until - time.monotonic()) if continuing else None
            try:
                job = self.service.open(self.options.request(ready.text, plays_at), self._held, hold=True)
                self._held = job.reservation
                return job
            except OverloadedError:
                if not continuing or time.monotonic() >= waited_until:
                    raise
            await asyncio.sleep(RETRY_SECONDS)

    async def _stream(self, job: Job, generation: _Generation, ready: Ready) -> None:
        """The job's audio, each chunk after the marks it brought, in the generation's time and
        text (a mark may run ahead of the audio, never behind it)."""
        start, marked = generation.seconds, 0
        async with contextlib.aclosing(job.body()) as body:
            async for data in body:
                marked = await self._send_marks(job, marked, start, ready)
                await self._send(AudioDelta(data))
                seconds = len(data) / 2 / job.sample_rate
                generation.seconds += seconds
                self._audio_until = max(self._audio_until, time.monotonic()) + seconds
        await self._send_marks(job, marked, start, ready)

    async def _send_marks(self, job: Job, marked: int, start: float, ready: Ready) -> int:
        marks = job.marks[marked:]
        if marks:
            shifted = []
            for mark in marks:
                item = mark.to_dict(ready.text)
                item["start"] = round(mark.start + start, 3)
                item["end"] = round(mark.end + start, 3)
                item["offset"] = mark.offset + ready.offset
                shifted.append(item)
            await self._send(Timestamps(shifted))
        return marked + len(marks)
