"""OpenAI's `instructions` read for the two things our voices can do: speed and pitch.

Plain words only ("speak slowly", "a bit faster", "in a deep voice", "说慢一点"); anything else
("sound cheerful") is ignored, and the X-Instructions response header says which it was, so a
client is never left guessing. A cue after a negation ("not too fast") is not taken.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from warmtts.voices.params import PARAM_RANGE, SPEED_RANGE

_NEGATION = re.compile(r"((\bnot|n't|\bnever|\bno|\bwithout)\s+(\w+\s+){0,2}|(不要|别|不)\S{0,3})$", re.IGNORECASE)
_INTENSITY = re.compile(r"(\bvery|\bmuch|\bextremely|\breally|\bsuper|非常|很|特别)\s*$", re.IGNORECASE)

# (pattern, what it changes, factor); a preceding "very"/"much" takes the factor further.
_CUES: tuple[tuple[re.Pattern[str], str, float], ...] = (
    (re.compile(r"\b(slow(ly|er)?|unhurried|leisurely)\b|慢", re.IGNORECASE), "speed", 0.8),
    (re.compile(r"\b(fast(er)?|quick(ly|er)?|rapid(ly)?|brisk(ly)?|hurried(ly)?)\b|快", re.IGNORECASE), "speed", 1.25),
    (re.compile(r"\b(high(er)?[- ]pitch(ed)?|high(er)? voice|squeaky)\b|音调高|高音", re.IGNORECASE), "pitch", 1.15),
    (re.compile(r"\b(low(er)?[- ]pitch(ed)?|low(er)? voice|deep(er)?( voice)?)\b|音调低|低沉", re.IGNORECASE), "pitch", 0.87),
)


@dataclass(frozen=True)
class Reading:
    """What the instructions asked of speed and pitch, as factors on the request's own."""

    speed: float = 1.0
    pitch: float = 1.0
    heard: tuple[str, ...] = ()  # the words taken, for the header

    def header(self) -> str:
        """The X-Instructions value: ASCII, one line."""
        if not self.heard:
            return "ignored: names no speed or pitch in plain words"
        parts = [f"{name}*{value:.2f}" for name, value in (("speed", self.speed), ("pitch", self.pitch)) if value != 1.0]
        note = "; pitch applies only to voices whose model takes it" if self.pitch != 1.0 else ""
        return "honoured: " + ", ".join(parts) + note if parts else "ignored: its speed or pitch cues cancel out"

    def speed_for(self, requested: float) -> float:
        """The request's speed times the instructions', kept within the range."""
        return _within(requested * self.speed, SPEED_RANGE)

    def pitch_for(self, requested: float = 1.0) -> float:
        return _within(requested * self.pitch, PARAM_RANGE)


def read_instructions(text: str | None) -> Reading:
    """The speed and pitch factors `text` names; opposite cues for one control cancel out."""
    if not text:
        return Reading()
    factors = {"speed": 1.0, "pitch": 1.0}
    heard: list[str] = []
    for pattern, control, factor in _CUES:
        for match in pattern.finditer(text):
            before = text[: match.start()]
            if _NEGATION.search(before):
                continue
            taken = factor ** 2 if _INTENSITY.search(before) else factor
            factors[control] *= taken
            heard.append(match.group(0))
            break  # one cue per direction: "slow, slowly" is not slower still
    return Reading(factors["speed"], factors["pitch"], tuple(heard))


def _within(value: float, bounds: tuple[float, float]) -> float:
    low, high = bounds
    return min(high, max(low, value))
