"""Admission by capacity, on made-up speeds: who is admitted, who is refused and when to retry."""

from __future__ import annotations

import pytest

from warmtts.errors import OverloadedError
from warmtts.server.capacity import Capacity, Reservation

# A voice that needs 0.1 s of a worker per second of audio and speaks 0.25 s per character.
ZH = dict(compute_seconds=1.0, audio_seconds=10.0, chars=40)


def capacity(
    workers: int = 2, max_load: float = 0.8, max_requests: int = 100, max_first_audio: float = 1000.0
) -> Capacity:
    cap = Capacity(workers, max_load, max_requests, max_first_audio, step_seconds=10.0)  # a step: 1 s of work
    cap.seed("zh", **ZH)
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
    for _ in range(60):  # with every worker busy, three times dearer than the warm-up said
        reservation.progress(compute_seconds=0.3, audio_seconds=1.0, chars=4, contended=True)
    assert cap.rtf("zh") == pytest.approx(0.3, rel=0.01)
    assert cap.load == pytest.approx(0.15, rel=0.01)


def test_speed_changes_audio_per_character_not_the_voice_estimate() -> None:
    cap = capacity()
    fast = cap.reserve("zh", 400, 2.0)
    for _ in range(60):  # at speed 2 a character lasts half as long
        fast.progress(compute_seconds=0.0125, audio_seconds=0.125, chars=1, contended=True)
    assert cap.rtf("zh") == pytest.approx(0.1)
    assert cap.remaining_work(fast) == pytest.approx(340 * 0.25 / 2 * 0.1)


def test_first_audio_waits_for_the_streams_admitted_before_it_to_start() -> None:
    # A step is 1 s of work; each waiting stream needs two (a first piece and one in hand).
    cap = capacity(workers=2, max_first_audio=3.0)
    new = Reservation(cap, "zh", 400, 1.0)
    cap.reserve("zh", 400, 1.0)  # waiting: (2 + 1) / 2 workers = 1.5 s for the next one
    assert cap.first_audio_seconds(new) == pytest.approx(1.5)
    assert cap.first_audio_seconds(Reservation(cap, "zh", 4, 1.0)) == pytest.approx(1.05)  # a short text: 0.1 s
    cap.reserve("zh", 400, 1.0)  # (4 + 1) / 2 = 2.5 s
    cap.reserve("zh", 400, 1.0)  # (6 + 1) / 2 = 3.5 s: too long
    with pytest.raises(OverloadedError, match="server busy starting 3 streams") as refused:
        cap.reserve("zh", 400, 1.0)
    assert refused.value.retry_after == 1


def test_playing_streams_leave_less_time_for_new_starts() -> None:
    cap = capacity(workers=2, max_first_audio=2.5)
    for _ in range(10):  # ten playing streams need 10 × 0.1 of the 2 workers: half is spare
        started(cap)
    new = Reservation(cap, "zh", 400, 1.0)
    assert cap.first_audio_seconds(new) == pytest.approx(1 / (0.5 * 2))
    cap.reserve("zh", 10, 1.0)  # a short one waiting: a quarter step, all of its text
    assert cap.first_audio_seconds(new) == pytest.approx((0.25 + 1) / (0.5 * 2))
    cap.reserve("zh", 400, 1.0)
    assert cap.first_audio_seconds(new) == pytest.approx((0.25 + 2 + 1) / (0.5 * 2))
    with pytest.raises(OverloadedError, match="first audio would take about 3.2 s"):
        cap.reserve("zh", 400, 1.0)


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
