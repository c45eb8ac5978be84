"""The embedded backend: files in one folder, evicted by age and by a size bound.

Only one process can use it: behind a load balancer, use the S3 backend instead.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from warmtts.errors import StoreUnavailableError
from warmtts.server.stores.base import StoredAudio, new_name, valid_name

log = logging.getLogger(__name__)
_CHUNK_BYTES = 64 * 1024


class FileStore:
    def __init__(self, folder: Path | None, max_bytes: int, max_age_seconds: float) -> None:
        if folder is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="warmtts-audio-")
            folder = Path(self._tmp.name)
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.description = f"file://{folder}"
        self.max_bytes = max_bytes
        self.max_age = max_age_seconds
        self._lock = threading.Lock()

    def put(self, data: bytes, extension: str) -> str:
        name = new_name(extension)
        try:
            with self._lock:
                self._evict(incoming=len(data))
                partial = self.folder / f".{name}.part"
                partial.write_bytes(data)
                partial.rename(self.folder / name)
        except OSError as exc:
            raise StoreUnavailableError(f"the audio store cannot write: {exc.strerror or exc}") from exc
        return name

    def path(self, name: str) -> Path | None:
        """The file for `name`, or None if the name is malformed, unknown or expired."""
        if not valid_name(name):
            return None
        path = self.folder / name
        try:
            age = time.time() - path.stat().st_mtime
        except FileNotFoundError:
            return None
        return path if age <= self.max_age else None

    def open(self, name: str) -> StoredAudio | None:
        path = self.path(name)
        if path is None:
            return None
        try:
            file = path.open("rb")
        except FileNotFoundError:  # evicted since
            return None
        return StoredAudio(os.fstat(file.fileno()).st_size, _read(file), file.close)

    def presigned_url(self, name: str) -> str:
        raise NotImplementedError("a file store has no presigned URLs")  # refused by Settings at start

    def check(self) -> None:
        if not (self.folder.is_dir() and os.access(self.folder, os.W_OK | os.X_OK)):
            raise StoreUnavailableError(f"the audio store folder {self.folder} is missing or not writable")

    def sweep(self) -> int:
        with self._lock:
            return self._evict(incoming=0)

    def _files(self) -> list[tuple[float, int, Path]]:
        entries = []
        for path in self.folder.iterdir():
            if valid_name(path.name):
                try:
                    stat = path.stat()
                except FileNotFoundError:
                    continue
                entries.append((stat.st_mtime, stat.st_size, path))
        return sorted(entries)

    def _evict(self, incoming: int) -> int:
        now = time.time()
        files = self._files()
        total = sum(size for _, size, _ in files)
        removed = 0
        for mtime, size, path in files:
            if now - mtime <= self.max_age and total + incoming <= self.max_bytes:
                break
            path.unlink(missing_ok=True)
            total -= size
            removed += 1
        return removed


def _read(file: BinaryIO) -> Iterator[bytes]:
    with file:
        while chunk := file.read(_CHUNK_BYTES):
            yield chunk
