"""When admitted streams will have finished their synthesis: what a Retry-After is made of.

The scheduler gives a free worker to the stream whose listener runs dry first (scheduler.py),
so with every worker busy the streams' dry times rise together, as a water level: the level
reaches `ℓ` once every stream has been computed up to `ℓ` (or to its end), and a stream is done
when the level reaches its end. A stream's steps run one at a time, so it is never done sooner
than its own work takes on one worker. Sharing the workers equally instead counted a stream
with a long lead as if it still had to catch up, and one far behind as if it were served no
sooner than the rest.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Pending:
    """What an admitted stream has still to compute."""

    start: float  # when its listener runs dry now (clock seconds), or now if it has not started
    audio: float  # seconds of audio, as played, still to compute
    demand: float  # worker seconds per second of that audio

    @property
    def end(self) -> float:
        return self.start + self.audio


def finish_times(pending: list[Pending], workers: int, now: float) -> list[tuple[float, Pending]]:
    """(clock seconds when it is done, stream) for each, soonest first; no start is before `now`."""
    done = []
    for item in pending:
        level = item.end
        work = sum(p.demand * min(max(level - p.start, 0.0), p.audio) for p in pending)
        done.append((now + max(work / workers, item.audio * item.demand), item))
    return sorted(done, key=lambda pair: pair[0])
