"""The bounded on-disk store behind POST /tts: unguessable names, eviction by age and size.

Names are 32 random URL-safe characters plus the format's extension and must match that shape
exactly, so no request can name a path outside the store.
"""

from __future__ import annotations

import re
import secrets
import tempfile
import threading
import time
from pathlib import Path

from warmtts.audio.formats import FORMATS

_NAME = re.compile(r"^[A-Za-z0-9_-]{32}\.(%s)$" % "|".join(FORMATS))


class AudioStore:
    def __init__(self, folder: Path | None, max_bytes: int, max_age_seconds: float) -> None:
        if folder is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="warmtts-audio-")
            folder = Path(self._tmp.name)
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.max_bytes = max_bytes
        self.max_age = max_age_seconds
        self._lock = threading.Lock()

    def put(self, data: bytes, extension: str) -> str:
        name = f"{secrets.token_urlsafe(24)}.{extension}"
        with self._lock:
            self._evict(incoming=len(data))
            partial = self.folder / f".{name}.part"
            partial.write_bytes(data)
            partial.rename(self.folder / name)
        return name

    def path(self, name: str) -> Path | None:
        """The file for `name`, or None if the name is malformed, unknown or expired."""
        if not _NAME.match(name):
            return None
        path = self.folder / name
        try:
            age = time.time() - path.stat().st_mtime
        except FileNotFoundError:
            return None
        return path if age <= self.max_age else None

    def _files(self) -> list[tuple[float, int, Path]]:
        entries = []
        for path in self.folder.iterdir():
            if _NAME.match(path.name):
                try:
                    stat = path.stat()
                except FileNotFoundError:
                    continue
                entries.append((stat.st_mtime, stat.st_size, path))
        return sorted(entries)

    def _evict(self, incoming: int) -> None:
        now = time.time()
        files = self._files()
        total = sum(size for _, size, _ in files)
        for mtime, size, path in files:
            if now - mtime <= self.max_age and total + incoming <= self.max_bytes:
                break
            path.unlink(missing_ok=True)
            total -= size
