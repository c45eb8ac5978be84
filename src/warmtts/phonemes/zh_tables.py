"""The Chinese frontend's big tables, prepared once and read back at each start.

Three tables cost most of the frontend's start: jieba's prefix dictionary (500 000 entries),
its part-of-speech table (350 000) and CC-CEDICT's phrases that hold a polyphone. Built from
their text sources they take about a second of CPU; jieba's own cache only covers the first, and
reads it through `marshal.load` on a file, which is three times slower than `marshal.loads` on
its bytes. `jieba.posseg` also builds the tag table at import, for a default tagger we never use,
and a `POSTokenizer` builds a second copy: 0.35 s and 46 MB each, measured.

So the three are kept in one marshal file in the warmtts cache folder, keyed by every package
version that shapes them and by this module's format; a start reads it (a missing, stale or
unreadable file is rebuilt from the sources and replaced, never downloaded), and the tag table
is shared by our tagger and jieba's default one. Nothing here changes what the tables hold:
`build_tables` is what a start without a cache folder uses, and the tests compare the two.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import logging
import marshal
import os
import sys
import tempfile
import threading
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import jieba

log = logging.getLogger(__name__)
FORMAT = 1  # bump when what the tables hold, or how, changes
PACKAGES = ("jieba", "pypinyin", "pypinyin-dict", "g2pM")
_import_lock = threading.Lock()


@dataclass(frozen=True)
class ZhTables:
    """jieba's word frequencies (with its prefixes at 0) and their total, jieba's tag per word,
    and CC-CEDICT's polyphone phrases (zh_phrase_votes.py). Read-only once built."""

    freq: dict[str, int]
    total: int
    tags: dict[str, str]
    cedict: dict[str, str]


def posseg() -> ModuleType:
    """`jieba.posseg`, imported without the tag table its import builds for its default tagger
    (`jieba.posseg.dt`, which we never use; `share_tags` gives it ours): jieba's default
    tokenizer points at an empty dictionary while the module is imported."""
    with _import_lock:
        if "jieba.posseg" in sys.modules:
            return sys.modules["jieba.posseg"]
        with jieba.dt.lock:  # nobody initialises the default tokenizer from the empty file meanwhile
            saved = jieba.dt.dictionary
            jieba.dt.dictionary = os.devnull
            try:
                return importlib.import_module("jieba.posseg")
            finally:
                jieba.dt.dictionary = saved


def tokenizer(tables: ZhTables) -> jieba.Tokenizer:
    """A jieba tokenizer of the default dictionary, already initialised with `tables`."""
    result = jieba.Tokenizer()
    with result.lock:
        result.FREQ, result.total = tables.freq, tables.total
        result.initialized = True
    return result


def tagger(tokens: jieba.Tokenizer, tables: ZhTables) -> Any:
    """jieba's `POSTokenizer` over `tokens` with the prepared tag table (its constructor would
    parse the dictionary again); jieba's default tagger gets the same table if it has none."""
    module = posseg()
    result = object.__new__(module.POSTokenizer)
    result.tokenizer = tokens
    result.word_tag_tab = tables.tags
    if not module.dt.word_tag_tab:
        module.dt.word_tag_tab = tables.tags
    return result


def build_tables(polyphones: Collection[str]) -> ZhTables:
    """The tables from their sources, as jieba and zh_phrase_votes.py read them."""
    from warmtts.phonemes.zh_phrase_votes import cedict_lines, parse_cedict

    tokenizer = jieba.Tokenizer()
    freq, total = tokenizer.gen_pfdict(tokenizer.get_dict_file())
    tags: dict[str, str] = {}
    with tokenizer.get_dict_file() as lines:  # jieba.posseg's load_word_tag, without a tagger
        for raw in lines:
            line = raw.strip().decode("utf-8")
            if line:
                word, _, tag = line.split(" ")
                tags[word] = tag
    cedict = parse_cedict(cedict_lines(), polyphones)
    if not cedict:
        raise ValueError("no CC-CEDICT phrases found (pip install pypinyin-dict)")
    return ZhTables(freq, total, tags, cedict)


def cache_key(polyphones: Collection[str]) -> str:
    """What the tables depend on: the packages' versions, Python's marshal, our format and the
    polyphone set (g2pM's, which selects CC-CEDICT's phrases)."""
    parts = [f"format={FORMAT}", f"marshal={marshal.version}", f"python={sys.version_info[:2]}"]
    parts += [f"{name}={_version(name)}" for name in PACKAGES]
    parts.append("polyphones=" + "".join(sorted(polyphones)))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:24]


def load_tables(folder: Path | None, polyphones: Collection[str]) -> ZhTables:
    """The tables from `folder` (None: no cache), built and saved there when missing, stale or
    unreadable; an unwritable folder only costs the build, with one warning."""
    if folder is None:
        return build_tables(polyphones)
    path = folder / f"zh-tables-{cache_key(polyphones)}.marshal"
    tables = _read(path)
    if tables is not None:
        return tables
    tables = build_tables(polyphones)
    try:
        _write(path, tables)
        for old in folder.glob("zh-tables-*.marshal"):  # stale keys: an upgrade leaves them behind
            if old != path:
                old.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("text tables not cached folder=%s error=%r; they are built at each start", folder, exc)
    return tables


def _read(path: Path) -> ZhTables | None:
    try:
        data = marshal.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError, EOFError, TypeError) as exc:
        log.warning("text tables cache unreadable, rebuilt path=%s error=%r", path, exc)
        return None
    if not _well_formed(data):
        log.warning("text tables cache malformed, rebuilt path=%s", path)
        return None
    freq, total, tags, cedict = data
    return ZhTables(freq, total, tags, cedict)


def _well_formed(data: object) -> bool:
    """A truncated or foreign file that still unmarshals must not pass for the tables."""
    if not (isinstance(data, tuple) and len(data) == 4):
        return False
    freq, total, tags, cedict = data
    return (
        isinstance(freq, dict) and isinstance(total, int) and isinstance(tags, dict) and isinstance(cedict, dict)
        and total > 0 and bool(freq) and bool(tags) and bool(cedict)
    )


def _write(path: Path, tables: ZhTables) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = marshal.dumps((tables.freq, tables.total, tables.tags, tables.cedict))
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".zh-tables-", delete=False) as handle:
        try:
            handle.write(data)
        except OSError:
            Path(handle.name).unlink(missing_ok=True)
            raise
    os.replace(handle.name, path)


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "none"
