"""Reading OpenAI's `instructions` for a speed or pitch in plain words."""

from __future__ import annotations

import pytest

from warmtts.server.http.instructions import read_instructions


@pytest.mark.parametrize(
    ("text", "speed", "pitch", "header"),
    [
        ("Speak slowly and calmly.", 0.8, 1.0, "honoured: speed*0.80"),
        ("Talk very fast!", 1.5625, 1.0, "honoured: speed*1.56"),
        ("说慢一点", 0.8, 1.0, "honoured: speed*0.80"),
        ("In a deep voice, a bit slower", 0.8, 0.87, "honoured: speed*0.80, pitch*0.87"),
        ("Don't speak too fast.", 1.0, 1.0, "ignored: names no speed or pitch in plain words"),
        ("别说太快", 1.0, 1.0, "ignored: names no speed or pitch in plain words"),
        ("Sound cheerful and warm.", 1.0, 1.0, "ignored: names no speed or pitch in plain words"),
        ("Start slowly, end fast", 1.0, 1.0, "ignored: its speed or pitch cues cancel out"),
    ],
)
def test_plain_words_for_speed_and_pitch(text: str, speed: float, pitch: float, header: str) -> None:
    reading = read_instructions(text)
    assert (reading.speed, reading.pitch) == pytest.approx((speed, pitch))
    assert reading.header().startswith(header)
    assert reading.header().isascii()


def test_a_named_speed_stays_within_openais_range() -> None:
    assert read_instructions("very fast").speed_for(4.0) == 4.0
    assert read_instructions("very slowly").speed_for(0.25) == 0.25
    assert read_instructions("deeper").pitch_for() == pytest.approx(0.87)
