"""Admission by capacity: a request is admitted only while every admitted stream can still be
served faster than real time.

A stream played at real time needs `rtf` seconds of one worker per second of wall time, where
`rtf` is its voice's measured real-time factor on a worker (synthesis and encoding, under the
contention of the other workers). The admitted streams together may need at most
`max_load × workers`. The first request is always admitted: alone, a stream gets a whole
worker. Speeds start from the warm-up's measurements and follow every real step, so the
estimate tracks the machine as it is, not as it was assumed to be.

A refusal says when to retry: the time until enough admitted work has finished, estimated from
each stream's remaining text under processor sharing.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from warmtts.errors import OverloadedError

DECAY = 0.9  # per observed step: about the last 10-20 steps of a voice shape its estimate
_EPSILON = 1e-9  # sums of float demands: 16 × 0.1 must fit into 1.6


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

    def __init__(self, capacity: Capacity, voice: str, chars: int, speed: float) -> None:
        self._capacity = capacity
        self.voice = voice
        self.speed = speed
        self.remaining_chars = chars
        self.released = False

    def progress(self, compute_seconds: float, audio_seconds: float, chars: int) -> None:
        """A step of this request finished: update the voice's speed and what is left to do."""
        self._capacity.observe(self.voice, compute_seconds, audio_seconds, chars / self.speed)
        self.remaining_chars = max(0, self.remaining_chars - chars)

    def release(self) -> None:
        self._capacity.release(self)


class Capacity:
    def __init__(self, workers: int, max_load: float, max_requests: int) -> None:
        self.workers = workers
        self.max_load = max_load
        self.max_requests = max_requests
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

    def remaining_work(self, reservation: Reservation) -> float:
        """Worker seconds the request still needs, from its text left and its voice's speed."""
        speed = self._speeds.get(reservation.voice, _UNMEASURED)
        return reservation.remaining_chars * speed.audio_per_char / reservation.speed * speed.rtf

    # --- admission ----------------------------------------------------------------------

    @property
    def admitted(self) -> int:
        return len(self._admitted)

    @property
    def load(self) -> float:
        """Share of the workers' time the admitted streams need to play in real time."""
        with self._lock:
            return sum(self.rtf(r.voice) for r in self._admitted) / self.workers

    def reserve(self, voice: str, chars: int, speed: float) -> Reservation:
        """Admit a request or raise OverloadedError with the seconds until one would fit."""
        with self._lock:
            demand = self.rtf(voice)
            needed = sum(self.rtf(r.voice) for r in self._admitted) + demand - self.max_load * self.workers
            if self._admitted and len(self._admitted) >= self.max_requests:
                raise OverloadedError(
                    f"server busy: {len(self._admitted)} requests in progress (the limit); "
                    f"retry in {self._retry_after(demand_to_free=0.0, count_to_free=1)} s",
                    retry_after=self._retry_after(demand_to_free=0.0, count_to_free=1),
                )
            if self._admitted and needed > _EPSILON:
                retry = self._retry_after(demand_to_free=needed, count_to_free=0)
                raise OverloadedError(
                    f"server at capacity: the {len(self._admitted)} streams in progress need its synthesis "
                    f"to play in real time; retry in {retry} s",
                    retry_after=retry,
                )
            reservation = Reservation(self, voice, chars, speed)
            self._admitted.append(reservation)
            return reservation

    def release(self, reservation: Reservation) -> None:
        with self._lock:
            if reservation.released:
                return
            reservation.released = True
            self._admitted.remove(reservation)

    def _retry_after(self, demand_to_free: float, count_to_free: int) -> int:
        """Whole seconds until admitted streams that free `demand_to_free` of worker demand and
        `count_to_free` places have finished, the workers shared equally among those left."""
        streams = sorted((self.remaining_work(r), self.rtf(r.voice)) for r in self._admitted)
        elapsed, done_work, freed_demand = 0.0, 0.0, 0.0
        for finished, (work, demand) in enumerate(streams, start=1):
            active = len(streams) - finished + 1
            elapsed += (work - done_work) * active / min(self.workers, active)
            done_work = work
            freed_demand += demand
            if freed_demand >= demand_to_free - _EPSILON and finished >= count_to_free:
                break
        return max(1, math.ceil(elapsed))
