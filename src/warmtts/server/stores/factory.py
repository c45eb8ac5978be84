"""Opens the store that WARMTTS_AUDIO_STORE_URL names; the only module that knows every backend.
Each backend is imported only when chosen: the S3 one brings boto3, which a folder never needs."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from warmtts.config import Settings
from warmtts.server.stores.base import AudioStore


def open_store(settings: Settings) -> AudioStore:
    """The backend that WARMTTS_AUDIO_STORE_URL names (a temporary directory when unset)."""
    url = settings.audio_store_url
    if url is None or url.startswith("file://"):
        from warmtts.server.stores.file_store import FileStore

        folder = Path(urlsplit(url).path) if url is not None else settings.audio_store_dir
        return FileStore(folder, settings.audio_store_max_bytes, settings.audio_store_max_age_seconds)
    from warmtts.server.stores.s3_store import S3Store

    parts = urlsplit(url)
    return S3Store(parts.netloc, parts.path.strip("/"), settings.audio_store_max_age_seconds, settings.audio_store_expiry)
