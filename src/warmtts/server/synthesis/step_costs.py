"""What a voice's steps cost on a busy worker, learned from the steps themselves.

A step is one vocoder window, synthesised and encoded; a run's first step (a sentence, or a
language run inside one) also runs the acoustic model over the whole run. Counted as one ratio,
a burst of first steps (a 0.25 s window plus a whole sentence's acoustic model each) made a voice
look several times slower than it is: admission then refused load the workers could carry and
Retry-After said 166-305 s when the streams ahead ended within 78 s. So the two costs are learned
apart: the windows' cost per second of their audio, and the acoustic model's per second of the
audio of the runs it was run for. A stream's demand counts both, so the acoustic cost of the
sentences it has still to start is part of what it is admitted with.
"""

from __future__ import annotations

from dataclasses import dataclass

# Older steps weigh half as much per this many worker seconds of newer steps: on two busy workers
# the last few seconds shape the estimate. A decay per step (0.9) remembered a fraction of a second
# in a burst of 48 streams, and the estimate swung with each batch of first steps, so a refused
# request was admitted seconds later when the estimate dipped, not when its Retry-After said.
HALF_LIFE_WORKER_SECONDS = 10.0
# The warm-up is a short text on threads running the models for the first time, 2x dearer per
# second of audio than a long stream's steps were on one worker; it counts as this much worker
# time of steps, so a few real steps outweigh it.
SEED_WORKER_SECONDS = 0.5
# Before a voice's runs have been timed, the share of its cost that is the acoustic model: the
# profile in issue 19 (en-joe, one core) found 18 % of samples in the whole-sentence latent and
# 46 % in the windowed decoder. A start only; the first timed runs replace it.
ACOUSTIC_SHARE = 0.28


@dataclass
class VoiceCosts:
    """Decayed sums, in model audio seconds (a stretch past the model's range does not change
    what the model computes) and input characters at speed 1."""

    window_seconds: float  # worker seconds of windows: the vocoder and the encoding
    window_audio: float
    chars: float
    acoustic_seconds: float  # worker seconds of acoustic-model calls
    acoustic_audio: float  # the audio of the runs they were for
    runs: float  # how many runs that was

    @classmethod
    def from_warm_up(cls, compute_seconds: float, audio_seconds: float, chars: float, runs: int = 1) -> VoiceCosts:
        """A voice's first estimate: one whole synthesis, split by ACOUSTIC_SHARE, weighed as
        SEED_WORKER_SECONDS of steps."""
        weight = min(1.0, SEED_WORKER_SECONDS / compute_seconds) if compute_seconds > 0 else 1.0
        compute, audio = compute_seconds * weight, max(audio_seconds, 1e-3) * weight
        return cls(
            window_seconds=compute * (1 - ACOUSTIC_SHARE), window_audio=audio, chars=max(chars, 1.0) * weight,
            acoustic_seconds=compute * ACOUSTIC_SHARE, acoustic_audio=audio, runs=max(runs, 1) * weight,
        )

    @property
    def window_rtf(self) -> float:
        """Worker seconds of windows per second of audio."""
        return self.window_seconds / self.window_audio

    @property
    def acoustic_rtf(self) -> float:
        """Worker seconds of the acoustic model per second of the runs' audio."""
        return self.acoustic_seconds / self.acoustic_audio

    @property
    def rtf(self) -> float:
        """Worker seconds per second of audio, the acoustic model of every sentence counted."""
        return self.window_rtf + self.acoustic_rtf

    @property
    def audio_per_char(self) -> float:
        """Audio seconds per input character at speed 1."""
        return self.window_audio / self.chars

    @property
    def run_audio(self) -> float:
        """Audio of a typical run (what one acoustic-model call is spent on)."""
        return self.acoustic_audio / self.runs

    def observe(self, compute_seconds: float, audio_seconds: float, chars: float, opens: float = 0.0) -> None:
        """One step of `audio_seconds`; `opens` > 0: it also ran the acoustic model of a run of
        that much audio, and what it cost beyond a window of its size is that model's."""
        decay = 0.5 ** (compute_seconds / HALF_LIFE_WORKER_SECONDS)
        self.acoustic_seconds *= decay
        self.acoustic_audio *= decay
        self.runs *= decay
        if opens > 0:
            window = min(compute_seconds, self.window_rtf * audio_seconds)
            self.acoustic_seconds += compute_seconds - window
            self.acoustic_audio += opens
            self.runs += 1
            compute_seconds = window
        self.window_seconds = self.window_seconds * decay + compute_seconds
        self.window_audio = self.window_audio * decay + audio_seconds
        self.chars = self.chars * decay + chars


# Before a voice has been measured (a voice added without warm-up): a slow, honest guess.
UNMEASURED = VoiceCosts.from_warm_up(compute_seconds=0.2, audio_seconds=1.0, chars=4.0)
