"""Admission by capacity, on made-up speeds: who is admitted, who is refused and when to retry."""

from __future__ import annotations

import math

import pytest

from warmtts.errors import OverloadedError
from warmtts.server.synthesis.capacity import Capacity, Reservation

# A voice that needs 0.1 s of a worker per second of audio and speaks 0.25 s per character.
ZH = dict(compute_seconds=1.0, audio_seconds=10.0, chars=40)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def capacity(
    workers: int = 2, max_load: float = 0.8, max_requests: int = 100, max_first_audio: float = 1000.0,
    clock: Clock | None = None,
) -> Capacity:
    cap = Capacity(  # a later step: 10 s of audio, 1 s of work; a guard of 1 s, as the scheduler's
        workers, max_load, max_requests, max_first_audio, step_seconds=10.0, first_step_seconds=0.25,
        guard_seconds=1.0, clock=clock or Clock(),
    )
    cap.seed("zh", **ZH)  # split by the profile's share: windows 0.072, the acoustic model 0.028
    return cap


def started(cap: Capacity, chars: int = 400) -> Reservation:
    reservation = cap.reserve("zh", chars, 1.0)
    reservation.progress(compute_seconds=0.0, audio_seconds=0.0, chars=0, contended=False)
    return reservation


def test_admits_while_the_streams_can_all_play_in_real_time() -> None:
    cap = capacity()  # 2 workers × 0.8 = 1.6 worker-seconds per second; each stream needs 0.1
    reservations = [started(cap) for _ in range(16)]
    assert cap.load == pytest.approx(0.8)
    with pytest.raises(OverloadedError, match="server at capacity"):
        cap.reserve("zh", 400, 1.0)
    reservations[0].release()
    reservations[0].release()  # idempotent: gives back one place, once
    started(cap)
    with pytest.raises(OverloadedError):
        cap.reserve("zh", 400, 1.0)


def test_a_stream_whose_synthesis_is_done_needs_no_worker_time() -> None:
    cap = capacity(workers=1, max_load=0.15)  # room for one stream
    sending = cap.reserve("zh", 400, 1.0)
    with pytest.raises(OverloadedError):
        cap.reserve("zh", 400, 1.0)
    sending.finish()  # all computed; the response is still being sent
    assert cap.load == 0.0 and cap.admitted == 1
    cap.reserve("zh", 400, 1.0)


def test_the_first_request_is_always_admitted() -> None:
    cap = capacity(max_load=0.01)
    cap.reserve("zh", 10_000, 1.0)
    with pytest.raises(OverloadedError):
        cap.reserve("zh", 1, 1.0)


def test_retry_after_is_when_enough_admitted_work_has_finished() -> None:
    cap = capacity(workers=1, max_load=0.15)  # room for one stream of 0.1
    cap.reserve("zh", 400, 1.0)  # 400 chars → 100 s of audio → 10 s of work on the only worker
    with pytest.raises(OverloadedError) as refused:
        cap.reserve("zh", 4, 1.0)
    assert refused.value.retry_after == 10


def test_retry_after_shares_the_workers_and_counts_what_is_left() -> None:
    cap = capacity(workers=2, max_load=0.1)  # room for two streams
    short = cap.reserve("zh", 40, 1.0)  # 1 s of work
    cap.reserve("zh", 400, 1.0)  # 10 s of work
    with pytest.raises(OverloadedError) as refused:
        cap.reserve("zh", 4, 1.0)
    assert refused.value.retry_after == 1  # the short one, on its own worker, frees a place first
    short.progress(compute_seconds=1.0, audio_seconds=10.0, chars=40, contended=False)  # done, not released
    with pytest.raises(OverloadedError) as refused:
        cap.reserve("zh", 4, 1.0)
    assert refused.value.retry_after == 1  # nothing left to do: the place frees at once


def test_the_count_limit_stays() -> None:
    cap = capacity(max_requests=2)
    cap.reserve("zh", 4, 1.0)
    cap.reserve("zh", 4, 1.0)
    with pytest.raises(OverloadedError, match="2 requests in progress"):
        cap.reserve("zh", 4, 1.0)


def test_estimates_follow_real_steps() -> None:
    cap = capacity()
    reservation = cap.reserve("zh", 400, 1.0)
    for _ in range(60):  # on an idle machine a step is cheaper: that says nothing of a full one
        reservation.progress(compute_seconds=0.01, audio_seconds=1.0, chars=4, contended=False)
    assert cap.rtf("zh") == pytest.approx(0.1)
    for _ in range(200):  # with every worker busy, windows three times dearer than the warm-up said
        reservation.progress(compute_seconds=0.3, audio_seconds=1.0, chars=4, contended=True)
    assert cap.costs("zh").window_rtf == pytest.approx(0.3, rel=0.01)
    for _ in range(200):  # and sentences: 1 s of the acoustic model for each of 5 s
        reservation.progress(compute_seconds=1.3, audio_seconds=1.0, chars=4, contended=True, opens=5.0)
        for _ in range(4):
            reservation.progress(compute_seconds=0.3, audio_seconds=1.0, chars=4, contended=True)
    assert cap.rtf("zh") == pytest.approx(0.5, rel=0.01)
    assert cap.load == pytest.approx(0.25, rel=0.01)


def test_a_burst_of_first_steps_does_not_inflate_the_estimate() -> None:
    """A first step is a small window plus its whole sentence's acoustic model: 18 of them in a
    row (a burst starting) cost 0.525 s per 0.25 s of audio, yet the voice, run to the end,
    costs the windows' 0.1 per second plus the acoustic model's 0.5 s per 5 s sentence."""
    cap = capacity()
    reservation = cap.reserve("zh", 4000, 1.0)
    for _ in range(60):  # windows alone first, so the split starts from what they cost
        reservation.progress(compute_seconds=0.3, audio_seconds=3.0, chars=12, contended=True)
    for _ in range(18):
        reservation.progress(compute_seconds=0.525, audio_seconds=0.25, chars=1, contended=True, opens=5.0)
    assert cap.rtf("zh") == pytest.approx(0.2, rel=0.05)  # one ratio over the steps would say 2.1
    for _ in range(60):  # then the windows: the vocoder alone
        reservation.progress(compute_seconds=0.3, audio_seconds=3.0, chars=12, contended=True)
    assert cap.rtf("zh") == pytest.approx(0.2, rel=0.05)


def test_speed_changes_audio_per_character_not_the_voice_estimate() -> None:
    cap = capacity()
    fast = cap.reserve("zh", 10_000, 2.0)
    for _ in range(120):  # at speed 2 a character lasts half as long
        fast.progress(compute_seconds=0.5, audio_seconds=5.0, chars=40, contended=True)
    assert cap.costs("zh").window_rtf == pytest.approx(0.1, rel=0.01)
    assert cap.costs("zh").audio_per_char == pytest.approx(0.25, rel=0.01)
    assert cap.remaining_work(fast) == pytest.approx(5200 * 0.25 / 2 * cap.rtf("zh"), rel=0.01)


def playing(cap: Capacity, clock: Clock, lead: float, chars: int = 400) -> Reservation:
    """A stream admitted now whose listener has `lead` seconds of audio in hand."""
    reservation = cap.reserve("zh", chars, 1.0)
    reservation.progress(compute_seconds=0.0, audio_seconds=lead, chars=0, contended=False)
    assert reservation.dry_at == pytest.approx(clock.now + lead)
    return reservation


def test_first_audio_waits_for_the_leads_the_scheduler_guards() -> None:
    """A first step goes ahead of a playing stream only once it has the guard (1 s) in hand beyond
    the work queued before it. That lead is built on one worker at a time (a stream's steps run
    one after another) while the stream plays: at rtf 0.1, 0.1 / 0.9 s a second of it."""
    clock = Clock()
    cap = capacity(workers=2, clock=clock)  # started steps: 1 s of work; rtf 0.1
    new = Reservation(cap, "zh", 400, 1.0)
    first = 0.25 * 0.072 + 10 * 0.028  # a first window and its sentence's acoustic model
    assert cap.step_work(new) == pytest.approx(first)
    playing(cap, clock, lead=5.0)
    assert cap.first_audio_seconds(new) == pytest.approx(first)  # 5 s in hand: only its own step
    clock.now = 4.0  # 1 s left in hand, short of 1 s + (first + 1 s) / 2 workers
    short_of = 1.0 + (first + 1.0) / 2 - 1.0
    assert cap.first_audio_seconds(new) == pytest.approx(short_of * 0.1 / 0.9 + first)
    playing(cap, clock, lead=0.05, chars=1)  # 0.25 s left to compute: no lead to build past that
    queued = first + 0.25 * 0.1  # it runs dry first: its last step is queued first
    later_short = 1.0 + (queued + 1.0) / 2 - 1.0
    backlog = first + 0.25 * 0.1 + later_short * 0.1  # not 1 s + queued / 2 - 0.05 of lead for it
    assert cap.first_audio_seconds(new) == pytest.approx(max(backlog / (2 - 0.2), later_short * 0.1 / 0.9 + first))


def test_first_audio_counts_every_stream_short_of_the_guard_in_the_spare_time() -> None:
    clock = Clock()
    cap = capacity(workers=2, clock=clock)
    new = Reservation(cap, "zh", 400, 1.0)
    first = cap.step_work(new)
    for _ in range(10):  # ten streams that have just started, 0.25 s in hand each
        playing(cap, clock, lead=0.25)
    backlog, queued = first, first
    for _ in range(10):
        queued += 1.0
        backlog += (1.0 + queued / 2 - 0.25) * 0.1
    assert cap.first_audio_seconds(new) == pytest.approx(backlog / (2 - 10 * 0.1))


def test_first_audio_waits_for_the_streams_admitted_before_it_to_start() -> None:
    clock = Clock()
    cap = capacity(workers=2, max_first_audio=1.0, clock=clock)
    new = Reservation(cap, "zh", 400, 1.0)
    first = cap.step_work(new)
    assert cap.first_audio_seconds(new) == pytest.approx(first)
    cap.reserve("zh", 400, 1.0)  # not started: its first step, then a lead of its own to build
    short_of = 1.0 + (first + first) / 2 - 0.25
    assert cap.first_audio_seconds(new) == pytest.approx(first + short_of * 0.1 / 0.9 + first)
    waiting = 1
    with pytest.raises(OverloadedError, match="server busy starting") as refused:
        while True:  # each one waiting adds its first step and its lead to the spare time's work
            estimate = cap.first_audio_seconds(Reservation(cap, "zh", 400, 1.0))
            cap.reserve("zh", 400, 1.0)
            waiting += 1
    assert estimate > 1.0 and waiting > 1
    assert f"starting {waiting} streams" in str(refused.value)
    assert refused.value.retry_after == max(1, math.ceil(estimate - 1.0))


def test_a_refusal_for_load_holds_until_a_stream_finishes() -> None:
    """The estimate moves with every sentence; a dip must not admit before a stream finishes.
    The refusal meanwhile says the newest estimate, not what is left of the first: the first
    refusals of a burst are priced before any of its steps has been timed."""
    clock = Clock()
    cap = capacity(workers=1, max_load=0.15, clock=clock)  # room for one stream of 0.1
    running = cap.reserve("zh", 4000, 1.0)
    with pytest.raises(OverloadedError) as refused:
        cap.reserve("zh", 4, 1.0)
    assert refused.value.retry_after == 100  # 1000 s of audio at 0.1
    for _ in range(200):  # the windows now look cheap: two streams would fit
        running.progress(compute_seconds=0.01, audio_seconds=1.0, chars=4, contended=True)
    assert cap.load < 0.15 / 2
    clock.now = 5.0
    with pytest.raises(OverloadedError) as again:
        cap.reserve("zh", 4, 1.0)
    # 800 s of audio left at the new cost (0.039): 32 s, not the 95 s left of the first answer
    assert again.value.retry_after == 32
    running.finish()
    cap.reserve("zh", 4, 1.0)


def test_retry_after_counts_leads_the_workers_need_not_compute_now() -> None:
    """Streams served earliest-dry first: one with 50 s in hand is computed after the other
    has caught up to it, so the one behind finishes first."""
    clock = Clock()
    cap = capacity(workers=1, max_load=0.15, clock=clock)
    ahead = playing(cap, clock, lead=50.0, chars=200)  # 50 s of audio left: 5 s of work
    ahead.remaining_chars = 200
    with pytest.raises(OverloadedError) as refused:
        cap.reserve("zh", 4, 1.0)
    # alone it is done in 5 s of work, whatever its lead
    assert refused.value.retry_after == 5


def test_an_unmeasured_voice_gets_a_cautious_estimate() -> None:
    cap = capacity()
    assert cap.rtf("user-voice") > cap.rtf("zh")


@pytest.mark.parametrize(("speed", "streams"), [(1.0, 16), (2.0, 16), (4.0, 8), (0.25, 32)])
def test_a_time_stretched_speed_costs_what_its_model_does(speed: float, streams: int) -> None:
    """Past the models' range (0.5-2) the model speaks at the range's end and the audio is
    stretched: speed 4 needs the worker time of speed 2 for half the audio, so half as many
    streams fit; speed 0.25 needs that of 0.5 for twice the audio."""
    cap = capacity()  # 2 workers × 0.8; a zh stream needs 0.1 at speeds the model does itself
    admitted = []
    for _ in range(streams):
        admitted.append(cap.reserve("zh", 400, speed))
        admitted[-1].progress(compute_seconds=0.0, audio_seconds=0.0, chars=0, contended=False)
    with pytest.raises(OverloadedError, match="server at capacity"):
        cap.reserve("zh", 400, speed)
    assert cap.load == pytest.approx(0.8)


def test_a_held_reservation_keeps_its_place_between_stretches() -> None:
    """A realtime generation: its stretch done, it still needs its share until it is released."""
    cap = capacity()
    held = cap.reserve("zh", 40, 1.0, held=True)
    others = [started(cap) for _ in range(15)]
    held.finish()  # one stretch synthesised; more text is coming
    assert cap.load == pytest.approx(0.8) and held.remaining_chars == 0
    with pytest.raises(OverloadedError, match="server at capacity"):
        cap.reserve("zh", 400, 1.0)
    held.renew(80)
    assert held.remaining_chars == 80 and not held.finished
    plain = others[0]
    plain.finish()  # a request's synthesis done: no more worker time
    assert cap.load == pytest.approx(0.75)
    held.release()
    assert cap.load == pytest.approx(0.7)
