"""Admission by capacity: a request is admitted only while every admitted stream can still be
served faster than real time, and the new one can hear its first audio soon.

A stream played at real time needs `rtf` seconds of one worker per second of wall time, where
`rtf` is its voice's measured real-time factor on a worker (synthesis and encoding). Two rules:

- load: the admitted streams together may need at most `max_load × workers`;
- first audio: streams start one after another, as fast as the spare time of the workers
  (what the playing streams leave) can give each a first piece and one more in hand (see
  scheduler.py), so a request is refused when the ones admitted before it and not yet
  started would keep its first audio past `max_first_audio_seconds`.

The first request is always admitted: alone, a stream gets a whole worker. Speeds start from
the warm-up, which runs on every worker at once, and follow the steps that run while every
worker is busy: admission only binds when the machine is full, and a step then costs more
(the threads contend for memory, the interpreter and the cores) than on an idle machine.

A refusal says when to retry: the time until enough admitted work has finished (or started),
estimated from each stream's remaining text with the workers shared among them.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from warmtts.errors import OverloadedError
from warmtts.voices.params import SynthesisParams

DECAY = 0.9  # per observed step: about the last 10-20 steps of a voice shape its estimate
_EPSILON = 1e-9  # sums of float demands: 16 × 0.1 must fit into 1.6
_MIN_SPARE = 0.05  # a full machine still starts streams, slowly, as playing ones finish


@dataclass
class VoiceSpeed:
    """Decayed sums of what a voice's steps cost, so recent and longer steps count most."""

    compute_seconds: float
    audio_seconds: float
    chars: float  # at speed 1: a character at speed 2 counts half

    @property
    def rtf(self) -> float:
        return self.compute_seconds / self.audio_seconds

    @property
    def audio_per_char(self) -> float:
        """Audio seconds per input character at speed 1."""
        return self.audio_seconds / self.chars

    def observe(self, compute_seconds: float, audio_seconds: float, chars: float) -> None:
        self.compute_seconds = self.compute_seconds * DECAY + compute_seconds
        self.audio_seconds = self.audio_seconds * DECAY + audio_seconds
        self.chars = self.chars * DECAY + chars


# Before a voice has been measured (a voice added without warm-up): a slow, honest guess.
_UNMEASURED = VoiceSpeed(compute_seconds=0.2, audio_seconds=1.0, chars=4.0)


class Reservation:
    """One admitted request's share of the capacity; `release` is idempotent and locked."""

    def __init__(self, capacity: Capacity, voice: str, chars: int, speed: float, held: bool = False) -> None:
        self._capacity = capacity
        self.voice = voice
        self.speed = speed
        # held by a realtime session across its stretches of text: it keeps its place (and its
        # demand, as a stream still playing) between them, until the session releases it
        self.held = held
        # past the models' range the model speaks at its end and the audio is time-stretched:
        # the work is the model's, the audio that plays is `stretch` times shorter
        params = SynthesisParams(speed)
        self.model_speed, self.stretch = params.model_speed, params.stretch
        self.remaining_chars = chars
        self.started = False  # its first audio has been computed
        self.finished = False  # all of it has been computed; what is left is sending it
        self.released = False

    def progress(self, compute_seconds: float, audio_seconds: float, chars: int, contended: bool) -> None:
        """A step finished: what is left to do, and (if every worker was busy) the voice's speed."""
        if contended:  # in the model's audio, which the stretch does not change the cost of
            self._capacity.observe(self.voice, compute_seconds, audio_seconds * self.stretch, chars / self.model_speed)
        self.remaining_chars = max(0, self.remaining_chars - chars)
        self.started = True

    def finish(self) -> None:
        """Synthesis is done: the request still holds its place until its response has been
        sent, but no longer needs worker time (a held one goes on needing it: more text comes)."""
        self.finished = not self.held
        self.remaining_chars = 0

    def renew(self, chars: int) -> None:
        """A held reservation's next stretch of text."""
        self.remaining_chars += chars

    def release(self) -> None:
        self._capacity.release(self)


class Capacity:
    def __init__(
        self, workers: int, max_load: float, max_requests: int, max_first_audio_seconds: float, step_seconds: float
    ) -> None:
        self.workers = workers
        self.max_load = max_load
        self.max_requests = max_requests
        self.max_first_audio_seconds = max_first_audio_seconds
        self.step_seconds = step_seconds  # audio of one step at most: a vocoder window
        self._speeds: dict[str, VoiceSpeed] = {}
        self._admitted: list[Reservation] = []
        self._lock = threading.Lock()

    # --- estimates ----------------------------------------------------------------------

    def seed(self, voice: str, compute_seconds: float, audio_seconds: float, chars: int) -> None:
        """A voice's first measurement (the warm-up), replacing any earlier estimate."""
        with self._lock:
            self._speeds[voice] = VoiceSpeed(compute_seconds, max(audio_seconds, 1e-3), max(chars, 1))

    def observe(self, voice: str, compute_seconds: float, audio_seconds: float, chars: float) -> None:
        if audio_seconds <= 0 or chars <= 0:
            return
        with self._lock:
            speed = self._speeds.setdefault(voice, VoiceSpeed(**vars(_UNMEASURED)))
            speed.observe(compute_seconds, audio_seconds, chars)

    def rtf(self, voice: str) -> float:
        return self._speeds.get(voice, _UNMEASURED).rtf

    def work(self, voice: str, chars: float, model_speed: float) -> float:
        """Worker seconds to speak `chars` characters with `voice`, its model at `model_speed`."""
        measured = self._speeds.get(voice, _UNMEASURED)
        return chars * measured.audio_per_char / model_speed * measured.rtf

    def demand(self, reservation: Reservation) -> float:
        """Worker seconds per second the request needs to play in real time: its voice's rtf,
        times its stretch (speed 4 plays the model's audio twice as fast)."""
        return 0.0 if reservation.finished else self.rtf(reservation.voice) * reservation.stretch

    def step_work(self, reservation: Reservation, steps: int = 1) -> float:
        """Worker seconds of the request's next `steps` steps, at most a window of audio each
        (a first window is smaller, but also runs its sentence's acoustic model); a short text
        is all done in less."""
        measured = self._speeds.get(reservation.voice, _UNMEASURED)
        left = reservation.remaining_chars * measured.audio_per_char / reservation.model_speed
        return min(steps * self.step_seconds, left) * measured.rtf

    def remaining_work(self, reservation: Reservation) -> float:
        """Worker seconds the request still needs, from its text left and its voice's speed."""
        return self.work(reservation.voice, reservation.remaining_chars, reservation.model_speed)

    # --- admission ----------------------------------------------------------------------

    @property
    def admitted(self) -> int:
        return len(self._admitted)

    @property
    def load(self) -> float:
        """Share of the workers' time the admitted streams need to play in real time."""
        with self._lock:
            return self._demand() / self.workers

    def _demand(self) -> float:
        """Worker seconds per second the streams still being synthesised need."""
        return sum(self.demand(r) for r in self._admitted)

    def first_audio_seconds(self, request: Reservation) -> float:
        """When `request`, admitted now, would expect its first audio: after the requests
        admitted before it have started (a first piece and one more each), in the workers'
        spare time."""
        started_load = sum(self.demand(r) for r in self._admitted if r.started) / self.workers
        spare = max(_MIN_SPARE, 1.0 - started_load) * self.workers
        waiting = sum(self.step_work(r, steps=2) for r in self._admitted if not r.started)
        return (waiting + self.step_work(request)) / spare

    def reserve(self, voice: str, chars: int, speed: float, held: bool = False) -> Reservation:
        """Admit a request or raise OverloadedError with the seconds until one would fit."""
        reservation = Reservation(self, voice, chars, speed, held)
        with self._lock:
            if self._admitted:
                self._check(reservation)
            self._admitted.append(reservation)
        return reservation

    def _check(self, request: Reservation) -> None:
        count = len(self._admitted)
        if count >= self.max_requests:
            retry = self._retry_after(demand_to_free=0.0, count_to_free=1)
            raise OverloadedError(f"server busy: {count} requests in progress (the limit); retry in {retry} s", retry)
        needed = self._demand() + self.demand(request) - self.max_load * self.workers
        if needed > _EPSILON:
            retry = self._retry_after(demand_to_free=needed, count_to_free=0)
            raise OverloadedError(
                f"server at capacity: the {count} streams in progress need its synthesis to play in real time; "
                f"retry in {retry} s",
                retry,
            )
        first_audio = self.first_audio_seconds(request)
        if first_audio > self.max_first_audio_seconds:
            retry = max(1, math.ceil(first_audio - self.max_first_audio_seconds))
            raise OverloadedError(
                f"server busy starting {sum(not r.started for r in self._admitted)} streams: first audio would take "
                f"about {first_audio:.1f} s; retry in {retry} s",
                retry,
            )

    def release(self, reservation: Reservation) -> None:
        with self._lock:
            if reservation.released:
                return
            reservation.released = True
            self._admitted.remove(reservation)

    def _retry_after(self, demand_to_free: float, count_to_free: int) -> int:
        """Whole seconds until admitted streams that free `demand_to_free` of worker demand and
        `count_to_free` places have finished, the workers shared equally among those left."""
        streams = sorted((self.remaining_work(r), self.demand(r)) for r in self._admitted)
        elapsed, done_work, freed_demand = 0.0, 0.0, 0.0
        for finished, (work, demand) in enumerate(streams, start=1):
            active = len(streams) - finished + 1
            elapsed += (work - done_work) * active / min(self.workers, active)
            done_work = work
            freed_demand += demand
            if freed_demand >= demand_to_free - _EPSILON and finished >= count_to_free:
                break
        return max(1, math.ceil(elapsed))
