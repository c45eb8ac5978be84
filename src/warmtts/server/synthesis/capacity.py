"""Admission by capacity: a request is admitted only while every admitted stream can still be
served faster than real time, and the new one can hear its first audio soon.

A stream played at real time needs `rtf` seconds of one worker per second of wall time, where
`rtf` is its voice's cost per second of audio on a busy worker: its windows (vocoder and
encoding) and the acoustic model of its sentences, learned apart (step_costs.py). Two rules:

- load: the admitted streams together may need at most `max_load × workers`;
- first audio: a first step goes ahead of playing streams only once each has `guard_seconds`
  of audio in hand beyond the steps queued before it (scheduler.py), so a request waits for the
  leads that are short of that to be built, and for the streams admitted before it to start
  and build theirs, in the workers' spare time; it is refused when that would keep its first
  audio past `max_first_audio_seconds`.

The first request is always admitted: alone, a stream gets a whole worker. Costs start from
the warm-up, which runs on every worker at once, and follow the steps that run while every
worker is busy: admission only binds when the machine is full, and a step then costs more
(the threads contend for memory, the interpreter and the cores) than on an idle machine.

A refusal says when to retry (drain.py): when the streams ahead will have finished their
synthesis, the workers serving them earliest-dry first as the scheduler does; or, for first
audio, when the backlog of starts and leads will have drained to the budget. Each refusal is
priced with the costs learned so far: the first ones of a burst come before any of its steps
has been timed, from the warm-up (a short text on fresh threads, about 1.8x a long stream's cost
per second of audio), so they are pessimistic; the later ones follow the burst's own steps.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable

from warmtts.errors import OverloadedError
from warmtts.server.synthesis.drain import Pending, finish_times
from warmtts.server.synthesis.step_costs import UNMEASURED, VoiceCosts
from warmtts.voices.params import SynthesisParams

log = logging.getLogger(__name__)

_EPSILON = 1e-9  # sums of float demands: 16 × 0.1 must fit into 1.6
_MIN_SPARE = 0.05  # a full machine still starts streams, slowly, as playing ones finish


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
        self.first_audio_at: float | None = None  # capacity clock
        self.audio_sent = 0.0  # seconds of audio, as played

    @property
    def dry_at(self) -> float | None:
        """When its listener, playing from the first audio on, runs out of what has been computed."""
        return None if self.first_audio_at is None else self.first_audio_at + self.audio_sent

    def progress(
        self, compute_seconds: float, audio_seconds: float, chars: int, contended: bool, opens: float = 0.0
    ) -> None:
        """A step finished: what is left to do, and (if every worker was busy) the voice's costs;
        `opens` > 0: the step also ran the acoustic model of a run of that much model audio."""
        if contended:  # in the model's audio, which the stretch does not change the cost of
            self._capacity.observe(
                self.voice, compute_seconds, audio_seconds * self.stretch, chars / self.model_speed, opens
            )
        self.remaining_chars = max(0, self.remaining_chars - chars)
        if audio_seconds > 0:
            if self.first_audio_at is None:
                self.first_audio_at = self._capacity.clock()
            self.audio_sent += audio_seconds
        self.started = True

    def finish(self) -> None:
        """Synthesis is done: the request still holds its place until its response has been
        sent, but no longer needs worker time (a held one goes on needing it: more text comes)."""
        self.finished = not self.held
        self.remaining_chars = 0
        if self.finished:
            self._capacity.freed()

    def renew(self, chars: int) -> None:
        """A held reservation's next stretch of text."""
        self.remaining_chars += chars

    def release(self) -> None:
        self._capacity.release(self)


class Capacity:
    def __init__(
        self,
        workers: int,
        max_load: float,
        max_requests: int,
        max_first_audio_seconds: float,
        step_seconds: float,
        first_step_seconds: float = 0.25,
        guard_seconds: float = 1.0,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.workers = workers
        self.max_load = max_load
        self.max_requests = max_requests
        self.max_first_audio_seconds = max_first_audio_seconds
        self.step_seconds = step_seconds  # audio of one step at most: a vocoder window
        self.first_step_seconds = first_step_seconds  # audio of a stream's first window
        self.guard_seconds = guard_seconds  # the scheduler's: audio in hand before a first step goes
        self.clock = clock
        self._costs: dict[str, VoiceCosts] = {}
        self._admitted: list[Reservation] = []
        self._lock = threading.Lock()
        # After a refusal for load, nothing is admitted until a stream has finished its synthesis
        # or the time the latest refusal gave has passed: the estimate moves with each sentence's
        # cost, and admitting on a dip broke the Retry-After just given (and overloaded the
        # workers when the estimate rose again).
        self._closed_until = float("-inf")

    # --- estimates ----------------------------------------------------------------------

    def seed(self, voice: str, compute_seconds: float, audio_seconds: float, chars: int, runs: int = 1) -> None:
        """A voice's first measurement (the warm-up), replacing any earlier estimate."""
        with self._lock:
            self._costs[voice] = VoiceCosts.from_warm_up(compute_seconds, audio_seconds, chars, runs)

    def observe(
        self, voice: str, compute_seconds: float, audio_seconds: float, chars: float, opens: float = 0.0
    ) -> None:
        if audio_seconds <= 0 or chars <= 0:
            return
        with self._lock:
            costs = self._costs.setdefault(voice, VoiceCosts(**vars(UNMEASURED)))
            costs.observe(compute_seconds, audio_seconds, chars, opens)
            if log.isEnabledFor(logging.DEBUG):
                log.debug(
                    "capacity step voice=%s compute_seconds=%.4f audio_seconds=%.3f chars=%.1f opens=%.3f "
                    "window_rtf=%.4f acoustic_rtf=%.4f audio_per_char=%.4f",
                    voice, compute_seconds, audio_seconds, chars, opens,
                    costs.window_rtf, costs.acoustic_rtf, costs.audio_per_char,
                )

    def costs(self, voice: str) -> VoiceCosts:
        return self._costs.get(voice, UNMEASURED)

    def rtf(self, voice: str) -> float:
        return self.costs(voice).rtf

    def demand(self, reservation: Reservation) -> float:
        """Worker seconds per second the request needs to play in real time: its voice's rtf,
        times its stretch (speed 4 plays the model's audio twice as fast)."""
        return 0.0 if reservation.finished else self.rtf(reservation.voice) * reservation.stretch

    def model_audio_left(self, reservation: Reservation) -> float:
        """Seconds of model audio its text left will make, from its voice's audio per character."""
        return reservation.remaining_chars * self.costs(reservation.voice).audio_per_char / reservation.model_speed

    def remaining_work(self, reservation: Reservation) -> float:
        """Worker seconds the request still needs: windows and the acoustic model of every
        sentence it has still to start."""
        return self.model_audio_left(reservation) * self.rtf(reservation.voice)

    def step_work(self, reservation: Reservation) -> float:
        """Worker seconds of the request's next step. A first step is a small window and its
        sentence's acoustic model; a later one is at most a window of audio, with its share of
        the acoustic model of the sentences still to come; a short text is all done in less."""
        costs = self.costs(reservation.voice)
        left = self.model_audio_left(reservation)
        if not reservation.started:
            return min(self.first_step_seconds, left) * costs.window_rtf + min(costs.run_audio, left) * costs.acoustic_rtf
        return min(self.step_seconds, left) * costs.rtf

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
        """When `request`, admitted now, would expect its first audio.

        The scheduler lets a first step go only when each playing stream, taken earliest-dry
        first, has `guard_seconds` of audio in hand beyond the work queued before it; the
        first steps admitted before this one go first, and each of those streams then needs
        the same lead before the next start. Leads are built, and first steps run, in the
        workers' spare time: what the playing streams leave of them.
        """
        now = self.clock()
        playing = [r for r in self._admitted if r.started and not r.finished]
        waiting = [r for r in self._admitted if not r.started]
        spare = max(_MIN_SPARE * self.workers, self.workers - sum(self.demand(r) for r in playing))
        first = self.step_work(request)
        backlog = queued = first
        slowest = 0.0  # a stream's steps run one at a time: its lead builds on one worker at most
        for r in sorted(playing, key=lambda r: r.dry_at if r.dry_at is not None else now):
            queued += self.step_work(r)
            lead = (r.dry_at if r.dry_at is not None else now) - now
            short = max(0.0, self.guard_seconds + queued / self.workers - lead)
            short = min(short, self.model_audio_left(r) / r.stretch)  # past its last step it needs no lead
            backlog += short * self.demand(r)
            slowest = max(slowest, _building(short, self.demand(r)))
        for r in waiting:
            work = self.step_work(r)
            lead = min(self.first_step_seconds, self.model_audio_left(r)) / r.stretch
            short = max(0.0, self.guard_seconds + (first + work) / self.workers - lead)
            backlog += work + short * self.demand(r)
            slowest = max(slowest, work + _building(short, self.demand(r)))
        return max(backlog / spare, slowest + first)

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
        now = self.clock()
        needed = self._demand() + self.demand(request) - self.max_load * self.workers
        if needed > _EPSILON or now < self._closed_until:
            # the newest estimate, not the longest given: the first refusals of a burst are priced
            # before any of its steps has been timed, and holding to them told a request 2 s into
            # the burst 220 s for streams that ended 113 s later
            seconds = self._retry_seconds(demand_to_free=max(needed, 0.0), count_to_free=0)
            self._closed_until = now + seconds
            retry = max(1, math.ceil(seconds))
            if log.isEnabledFor(logging.DEBUG):
                costs = self.costs(request.voice)
                log.debug(
                    "capacity refused reason=load admitted=%d needed=%.3f retry_seconds=%.1f audio_left=%.1f "
                    "window_rtf=%.4f acoustic_rtf=%.4f audio_per_char=%.4f chars_left=%d",
                    count, needed, seconds, sum(self.model_audio_left(r) for r in self._admitted),
                    costs.window_rtf, costs.acoustic_rtf, costs.audio_per_char,
                    sum(r.remaining_chars for r in self._admitted),
                )
            raise OverloadedError(
                f"server at capacity: the {count} streams in progress need its synthesis to play in real time; "
                f"retry in {retry} s",
                retry,
            )
        first_audio = self.first_audio_seconds(request)
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "capacity check admitted=%d load=%.3f first_audio_seconds=%.2f rtf=%.4f",
                count, self._demand() / self.workers, first_audio, self.rtf(request.voice),
            )
        if first_audio > self.max_first_audio_seconds:
            # the backlog drains at the rate the estimate divides by: a second a second
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
            self._closed_until = float("-inf")

    def freed(self) -> None:
        """A stream has finished its synthesis: the demand it held is free."""
        self._closed_until = float("-inf")

    def _retry_after(self, demand_to_free: float, count_to_free: int) -> int:
        return max(1, math.ceil(self._retry_seconds(demand_to_free, count_to_free)))

    def _retry_seconds(self, demand_to_free: float, count_to_free: int) -> float:
        """Seconds until admitted streams that free `demand_to_free` of worker demand and
        `count_to_free` places have finished their synthesis."""
        now = self.clock()
        pending = [
            Pending(
                start=max(now, r.dry_at) if r.dry_at is not None else now,
                audio=self.model_audio_left(r) / r.stretch,
                demand=self.demand(r),
            )
            for r in self._admitted
        ]
        elapsed, freed = 0.0, 0.0
        for count, (seconds, item) in enumerate(finish_times(pending, self.workers, now), start=1):
            elapsed, freed = seconds - now, freed + item.demand
            if freed >= demand_to_free - _EPSILON and count >= count_to_free:
                break
        return elapsed


def _building(seconds: float, demand: float) -> float:
    """Wall seconds for a stream to gain `seconds` of audio in hand on one worker, playing meanwhile."""
    if seconds <= 0:
        return 0.0
    return seconds * demand / max(1.0 - demand, _MIN_SPARE)
