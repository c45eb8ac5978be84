"""Our own exception types, in one place so the server can map each to one HTTP status."""

from __future__ import annotations


class WarmttsError(Exception):
    """Base class of every error warmtts raises on purpose."""


class InvalidInputError(WarmttsError, ValueError):
    """The caller asked for something we cannot do; the message says what to change."""


class UnknownVoiceError(InvalidInputError):
    """A voice id that no loaded voice has."""

    def __init__(self, voice: str, available: list[str]) -> None:
        self.voice = voice
        self.available = available
        super().__init__(f"voice {voice!r} not found; available: {', '.join(available) or 'none'}")


class VoiceLoadError(WarmttsError):
    """A voice's files are missing, corrupt or unsupported."""


class PreloadError(WarmttsError):
    """A preload step failed; the message names the step and its cause."""


class OverloadedError(WarmttsError):
    """The server cannot take more work and still serve what it admitted in real time."""

    def __init__(self, message: str, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class NotReadyError(WarmttsError):
    """A synthesis request arrived before preload finished."""


class ShutdownCutError(NotReadyError):
    """A synthesis still running when the server's shutdown grace ran out; it is cut there."""


class StoreUnavailableError(WarmttsError):
    """The audio store cannot be reached or refuses; streaming still works, keeping files does not."""

    def __init__(self, message: str, retry_after: int = 5) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class SynthesisTimeoutError(WarmttsError):
    """A request's synthesis used more worker time than the configured limit."""


class SynthesisFailedError(WarmttsError):
    """Synthesis failed inside the server (already logged with its cause); the client gets a 500."""


class UnauthorizedError(WarmttsError):
    """A missing or wrong API key."""


class LexiconError(WarmttsError):
    """A user lexicon file that cannot be read as word → syllables."""
