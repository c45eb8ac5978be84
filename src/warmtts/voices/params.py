"""Per-request voice controls and their one valid range; import-light, so the HTTP edge can
validate with the same numbers before the engine is loaded."""

from __future__ import annotations

from dataclasses import dataclass

from warmtts.errors import InvalidInputError

PARAM_RANGE = (0.5, 2.0)  # speed, pitch and energy, as multiples of the voice's own


@dataclass(frozen=True)
class SynthesisParams:
    """Per-request controls; pitch and energy apply only to voices whose model takes them."""

    speed: float = 1.0
    pitch: float = 1.0
    energy: float = 1.0

    def __post_init__(self) -> None:
        low, high = PARAM_RANGE
        for name in ("speed", "pitch", "energy"):
            value = getattr(self, name)
            if not low <= value <= high:
                raise InvalidInputError(f"{name} must be between {low} and {high}, got {value}")
