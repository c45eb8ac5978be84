"""All configuration in one place: environment variables with a WARMTTS_ prefix, validated at start."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, DirectoryPath, Field, FilePath, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from warmtts.cpus import usable_cpus

OPENAI_VOICES = (
    "alloy", "ash", "ballad", "coral", "echo", "fable", "onyx", "nova", "sage", "shimmer", "verse", "marin", "cedar",
)


def _default_threads() -> int:
    """The CPUs this process may use (affinity and cgroup quota, not the host's count), at most 4."""
    return max(1, min(usable_cpus(), 4))


class Settings(BaseSettings):
    """Start-up settings; CLI flags override the environment by passing keyword arguments."""

    model_config = SettingsConfigDict(env_prefix="WARMTTS_", extra="forbid")

    # voices and models
    voices_dir: DirectoryPath | None = Field(default=None, description="Folder of extra Piper voices (*.onnx + *.onnx.json).")
    default_zh_voice: str = "zh-baker"
    default_en_voice: str = "en-joe"
    openai_voice_map: dict[str, str] = Field(
        default_factory=lambda: {name: "auto" for name in OPENAI_VOICES},
        description="OpenAI voice names → our voice ids ('auto' chooses by the text's language).",
    )
    onnx_threads: int = Field(
        default=1, ge=1, le=64,
        description="ONNX Runtime threads per model call. One per call and one worker per core serves "
        "concurrent requests best (measured: 1.2-2x the throughput of two threads per call); "
        "`warmtts say`, a single stream, uses every core it may (affinity, CPU quota) unless this is set.",
    )
    wide_threads: int = Field(
        default_factory=_default_threads, ge=0, le=64,
        description="Threads a model call may use while no other synthesis needs a core (one stream on an "
        "idle server); 0 or `onnx_threads` never widens.",
    )
    loudness_lufs: float = Field(
        default=-20.0, ge=-40.0, le=-10.0,
        description="Integrated loudness (ITU-R BS.1770, LUFS) every voice is calibrated to, so voices "
        "match when text switches language; a soft limiter keeps peaks below -0.5 dBFS.",
    )
    cache: bool = Field(
        default=True,
        description="Keep prepared ONNX graphs (split and optimised) and the Chinese frontend's tables "
        "(jieba's, CC-CEDICT's, pypinyin's) between starts, so a start loads them instead of preparing them again.",
    )
    cache_dir: Path | None = Field(default=None, description="Where they are kept; default $XDG_CACHE_HOME/warmtts.")
    max_segment_chars: int = Field(
        default=200, ge=20, le=1000,
        description="Longest text fed to the acoustic model in one call, in Latin letters (a Han character "
        "counts three, about as much speech); whole sentences up to this length keep their prosody, longer "
        "ones are cut at clauses.",
    )
    first_window_seconds: float = Field(
        default=0.25, gt=0, le=10,
        description="Audio in an utterance's first vocoder window: its first sound waits for the acoustic "
        "model plus this much vocoding.",
    )
    max_window_seconds: float = Field(
        default=3.0, gt=0, le=30,
        description="Windows double from the first up to this much audio; larger ones waste less on context.",
    )

    # service
    host: str = "127.0.0.1"
    wyoming_uri: str | None = Field(
        default=None, pattern=r"^(tcp://[^/]+:\d+|unix://.+)$",
        description="Also serve the Wyoming protocol (Home Assistant) here, e.g. tcp://0.0.0.0:10200.",
    )
    port: int = Field(default=8080, ge=0, le=65535)
    workers: int = Field(default_factory=_default_threads, ge=1, le=64, description="Synthesis worker threads.")
    max_queue: int = Field(
        default=64, ge=0, le=10_000,
        description="Requests admitted beyond the workers, at most, whatever the capacity; past it, 429 at once.",
    )
    max_load: float = Field(
        default=0.8, gt=0, le=1.0,
        description="Requests are admitted while the streams in progress, played in real time, need at most "
        "this share of the workers' time (measured per voice); past it, 429 with Retry-After at once. "
        "The rest is headroom for first audio and uneven steps.",
    )
    max_first_audio_seconds: float = Field(
        default=2.0, gt=0, le=60,
        description="A request is admitted only if its first audio is expected within this time, after the "
        "streams admitted before it have started; past it, 429 with Retry-After at once.",
    )
    max_input_chars: int = Field(default=10_000, ge=1, le=1_000_000)
    request_timeout_seconds: float = Field(
        default=300.0, gt=0, description="Most synthesis time (worker seconds, not waiting) one request may use."
    )
    shutdown_grace_seconds: float = Field(default=30.0, ge=0, description="How long SIGTERM waits for streams.")
    send_timeout_seconds: float = Field(
        default=120.0, gt=0,
        description="A streamed response whose client takes none of a piece for this long is dropped, so a "
        "stalled client cannot hold its place. Keep it above the longest piece's audio: a client that plays "
        "as it reads (and has full buffers) takes a piece as slowly as it plays.",
    )
    api_key: SecretStr | None = Field(default=None, description="Bearer key for synthesis and audio endpoints.")
    auth_ops_endpoints: bool = Field(default=False, description="Also require the key on /health, /ready, /metrics.")
    cors_origins: list[str] = Field(default_factory=list, description="Origins allowed by CORS; none by default.")
    audio_store_url: str | None = Field(
        default=None, pattern=r"^(file:///.*|s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/[A-Za-z0-9!_.*'()/-]*)?)$",
        description="Where POST /tts keeps files: file:///path (one replica; default: a temp dir) or "
        "s3://bucket/prefix, any S3-compatible store, shared by every replica (AWS_ENDPOINT_URL, "
        "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION).",
    )
    audio_store_dir: Path | None = Field(default=None, description="Older spelling of file:///path; not with a URL.")
    audio_store_max_bytes: int = Field(default=512 * 1024 * 1024, ge=1024, description="The file store's size bound.")
    audio_store_max_age_seconds: float = Field(default=3600.0, gt=0, description="Older files are not served.")
    audio_store_expiry: Literal["lifecycle", "sweep"] = Field(
        default="lifecycle",
        description="How S3 objects past their age are deleted: a lifecycle rule on the prefix (whole days; "
        "a store that refuses it falls back to the sweep) or a sweep by every replica.",
    )
    audio_store_sweep_interval_seconds: float = Field(default=300.0, gt=0, description="Between two sweeps.")
    audio_store_check_interval_seconds: float = Field(
        default=5.0, gt=0, le=300, description="Between two checks that the store can be written; also the Retry-After."
    )
    audio_url_mode: Literal["stream", "presigned"] = Field(
        default="stream",
        description="stream: audio_url is /audio/<name>, streamed from the store by whichever replica gets it "
        "(behind the API key); presigned: a URL signed for the S3 store itself, for stores the clients can reach.",
    )
    # the realtime WebSocket (/v1/audio/speech/realtime)
    realtime_max_sessions: int = Field(
        default=32, ge=1, le=10_000,
        description="Open realtime sessions at most; past it, a new one is refused with 429. A session holds "
        "synthesis capacity only while it has text to speak, so this bounds sockets, not synthesis.",
    )
    realtime_idle_timeout_seconds: float = Field(
        default=60.0, gt=0, le=3600,
        description="A realtime session that sends nothing and has nothing to speak for this long is closed.",
    )
    realtime_max_buffer_chars: int = Field(
        default=10_000, ge=100,
        description="Text a realtime session may hold unspoken; an append past it gets an error event and is "
        "dropped. max_input_chars, the longest text one synthesis takes, bounds it too.",
    )
    realtime_clause_chars: int = Field(
        default=60, ge=10, le=1000,
        description="Streamed text (realtime and Wyoming) with no sentence end is spoken at its last clause mark "
        "once it is this long (spoken length: a Han character counts three; twice as long, at a space), while "
        "the listener has little audio ahead (a first sentence); else it waits for the sentence's end.",
    )
    realtime_idle_flush_ms: int = Field(
        default=800, ge=50, le=60_000,
        description="A realtime session speaks its unfinished text when no text has come for this long "
        "(a word still being written waits).",
    )
    exit_on_preload_failure: bool = True
    preload_delay_seconds: float = Field(default=0.0, ge=0, le=600, description="Test only: slow preload down.")

    log_level: str = "INFO"
    lexicon_path: FilePath | None = Field(
        default=None,
        validation_alias=AliasChoices("lexicon_path", "WARMTTS_LEXICON"),
        description="UTF-8 file of word → pinyin lines (行长 hang2 zhang3) that override every other reading; "
        "re-read on SIGHUP and POST /admin/lexicon/reload.",
    )

    def cache_folder(self, part: str) -> Path | None:
        """Where `part` of the cache lives (`onnx`: prepared graphs, `text`: the Chinese tables);
        None when the cache is off."""
        if not self.cache:
            return None
        base = self.cache_dir or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "warmtts"
        return base / part

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("log_level must be DEBUG, INFO, WARNING or ERROR")
        return level

    @model_validator(mode="after")
    def _one_store(self) -> Settings:
        if self.audio_store_url is not None and self.audio_store_dir is not None:
            raise ValueError("set audio_store_url or audio_store_dir, not both")
        if self.audio_url_mode == "presigned" and not (self.audio_store_url or "").startswith("s3://"):
            raise ValueError("audio_url_mode 'presigned' needs an s3:// audio_store_url")
        return self
