"""Per-request voice controls and their one valid range each; import-light, so the HTTP edge,
the CLI and the web page validate with the same numbers before the engine is loaded."""

from __future__ import annotations

from dataclasses import dataclass

from warmtts.errors import InvalidInputError

SPEED_RANGE = (0.25, 4.0)  # OpenAI's range, as a multiple of the voice's own rate
MODEL_SPEED_RANGE = (0.5, 2.0)  # what the models' duration scales do well; past it, time-stretching
PARAM_RANGE = (0.5, 2.0)  # pitch and energy, as multiples of the voice's own


@dataclass(frozen=True)
class SynthesisParams:
    """Per-request controls; pitch and energy apply only to voices whose model takes them.

    A speed outside MODEL_SPEED_RANGE is split in two: the model speaks at the nearest end of
    that range (`model_speed`) and the audio is time-stretched by the rest (`stretch`), since
    duration scales past it garble or drawl the speech.
    """

    speed: float = 1.0
    pitch: float = 1.0
    energy: float = 1.0

    def __post_init__(self) -> None:
        for name, (low, high) in (("speed", SPEED_RANGE), ("pitch", PARAM_RANGE), ("energy", PARAM_RANGE)):
            value = getattr(self, name)
            if not low <= value <= high:
                raise InvalidInputError(f"{name} must be between {low} and {high}, got {value}")

    @property
    def model_speed(self) -> float:
        low, high = MODEL_SPEED_RANGE
        return min(high, max(low, self.speed))

    @property
    def stretch(self) -> float:
        """How much faster than the model's output the audio is played (1: not stretched)."""
        return self.speed / self.model_speed
