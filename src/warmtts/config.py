"""All configuration in one place: environment variables with a WARMTTS_ prefix, validated at start."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_threads() -> int:
    return max(1, min(os.cpu_count() or 1, 4))


class Settings(BaseSettings):
    """Start-up settings; CLI flags override the environment by passing keyword arguments."""

    model_config = SettingsConfigDict(env_prefix="WARMTTS_", extra="forbid")

    voices_dir: Path | None = Field(
        default=None, description="Directory of extra Piper voices (*.onnx + *.onnx.json)."
    )
    default_zh_voice: str = "zh-baker"
    default_en_voice: str = "en-joe"
    onnx_threads: int = Field(default_factory=_default_threads, ge=1, le=64)
    max_segment_chars: int = Field(
        default=120, ge=20, le=1000, description="Longest text fed to a model in one call."
    )
    log_level: str = "INFO"
    lexicon_path: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("lexicon_path", "WARMTTS_LEXICON"),
        description="UTF-8 file of word → pinyin lines (行长 hang2 zhang3) that override every other reading.",
    )

    @field_validator("lexicon_path")
    @classmethod
    def _lexicon_exists(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"lexicon_path {str(value)!r} is not a file")
        return value

    @field_validator("voices_dir")
    @classmethod
    def _voices_dir_exists(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_dir():
            raise ValueError(f"voices_dir {str(value)!r} is not a directory")
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("log_level must be DEBUG, INFO, WARNING or ERROR")
        return level
