"""Writing a cache file so that a reader sees the old file or the whole new one, never a part.

A start may be killed mid-write, and two processes may fill one cache folder at once: the data
goes to a temporary file beside the target, which then replaces it in one rename.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomically(path: Path, data: bytes) -> None:
    """`data` at `path`, its folder made if missing; on failure no temporary file is left."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".tmp-", delete=False) as handle:
        try:
            handle.write(data)
        except OSError:
            Path(handle.name).unlink(missing_ok=True)
            raise
    os.replace(handle.name, path)
