"""The Chinese frontend's big tables, prepared once and read back at each start.

Four tables cost most of the frontend's start and memory: jieba's prefix dictionary (500 000
entries), its part-of-speech table (350 000), CC-CEDICT's phrases that hold a polyphone and
pypinyin's phrases (47 000). Built from their text sources they take about a second of CPU;
jieba's own cache only covers the first, and reads it through `marshal.load` on a file, which is three times slower than `marshal.loads` on
its bytes. `jieba.posseg` also builds the tag table at import, for a default tagger we never use,
and a `POSTokenizer` builds a second copy: 0.35 s and 46 MB each, measured. pypinyin reads its
phrases from JSON at import, one list and one string object per syllable (35 MB); its readings
are 1 500 distinct lists, shared here (pypinyin copies a phrase's lists before it changes them).

So the four are kept in one pickle in the warmtts cache folder, keyed by every package version
that shapes them and by this module's format; a start reads it (a missing, stale or unreadable
file is rebuilt from the sources and replaced, never downloaded), and the tag table is shared by
our tagger and jieba's default one. The tag table's words are the prefix table's own string
objects, and pickle keeps them shared: 85 MB of tables instead of 116 (marshal, which does not
share them, loaded 0.2 s slower). The file is ours, in the user's own cache folder, like the
ONNX graphs beside it; pickle is no riskier there than marshal. Nothing here changes what the
tables hold: `build_tables` is what a start without a cache folder uses, and the tests compare
the two.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import importlib.util
import json
import logging
import os
import pickle
import sys
import threading
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from warmtts.atomic_write import write_atomically

log = logging.getLogger(__name__)
FORMAT = 3  # bump when what the tables hold, or how, changes
PACKAGES = ("jieba", "pypinyin", "pypinyin-dict", "g2pM")
NO_PHRASES = "PYPINYIN_NO_PHRASES"  # pypinyin's switch: import without reading its phrase table
_import_lock = threading.Lock()


def _import_jieba() -> ModuleType:
    """jieba, imported without pkg_resources when nothing imported that yet: jieba then opens its
    files with `open` (the same files) instead of importing pkg_resources, which cost 0.6 s and
    9 MB of a start, measured."""
    with _import_lock:
        if "jieba" in sys.modules or "pkg_resources" in sys.modules:
            return importlib.import_module("jieba")
        sys.modules["pkg_resources"] = None  # type: ignore[assignment]  # an ImportError for jieba
        try:
            return importlib.import_module("jieba")
        finally:
            del sys.modules["pkg_resources"]


jieba = _import_jieba()


@dataclass(frozen=True)
class ZhTables:
    """jieba's word frequencies (with its prefixes at 0) and their total, jieba's tag per word,
    CC-CEDICT's polyphone phrases (zh_phrase_votes.py) and pypinyin's phrases (its own shape:
    one list of readings per syllable). Read-only once built."""

    freq: dict[str, int]
    total: int
    tags: dict[str, str]
    cedict: dict[str, str]
    phrases: dict[str, list[list[str]]]


def import_pypinyin() -> ModuleType:
    """pypinyin, imported without its phrase table when nothing imported it yet: `use_phrases`
    gives it the prepared one. Only the preload imports it this way (then builds a `ZhG2P`
    before any text is read); elsewhere pypinyin reads its own table, and `use_phrases` keeps it."""
    with _import_lock:
        if "pypinyin" in sys.modules:
            return sys.modules["pypinyin"]
        saved = os.environ.get(NO_PHRASES)
        os.environ[NO_PHRASES] = "1"
        try:
            return importlib.import_module("pypinyin")
        finally:
            if saved is None:
                del os.environ[NO_PHRASES]
            else:
                os.environ[NO_PHRASES] = saved


def use_phrases(tables: ZhTables) -> None:
    """Fill pypinyin's phrase table, and the prefixes its phrase segmenter learned from it, if
    `import_pypinyin` left them empty."""
    from pypinyin.constants import PHRASES_DICT
    from pypinyin.seg import mmseg

    with _import_lock:
        if not PHRASES_DICT:
            PHRASES_DICT.update(tables.phrases)
            mmseg.retrain(mmseg.seg)


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
    same = {word: word for word in freq}  # the tag table keys on these very strings
    tags: dict[str, str] = {}
    with tokenizer.get_dict_file() as lines:  # jieba.posseg's load_word_tag, without a tagger
        for raw in lines:
            line = raw.strip().decode("utf-8")
            if line:
                word, _, tag = line.split(" ")
                tags[same.get(word, word)] = sys.intern(tag)
    cedict = parse_cedict(cedict_lines(), polyphones)
    if not cedict:
        raise ValueError("no CC-CEDICT phrases found (pip install pypinyin-dict)")
    return ZhTables(freq, total, tags, cedict, _pypinyin_phrases())


def _pypinyin_phrases() -> dict[str, list[list[str]]]:
    """pypinyin's phrase table as its JSON file holds it, each distinct reading list shared."""
    path = Path(importlib.util.find_spec("pypinyin").origin).parent / "phrases_dict.json"  # type: ignore[arg-type,union-attr]
    shared: dict[tuple[str, ...], list[str]] = {}
    return {
        phrase: [shared.setdefault(tuple(reading), reading) for reading in readings]
        for phrase, readings in json.loads(path.read_text(encoding="utf-8")).items()
    }


def cache_key(polyphones: Collection[str]) -> str:
    """What the tables depend on: the packages' versions, Python's pickle, our format and the
    polyphone set (g2pM's, which selects CC-CEDICT's phrases)."""
    parts = [f"format={FORMAT}", f"pickle={pickle.HIGHEST_PROTOCOL}", f"python={sys.version_info[:2]}"]
    parts += [f"{name}={_version(name)}" for name in PACKAGES]
    parts.append("polyphones=" + "".join(sorted(polyphones)))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:24]


def load_tables(folder: Path | None, polyphones: Collection[str]) -> ZhTables:
    """The tables from `folder` (None: no cache), built and saved there when missing, stale or
    unreadable; an unwritable folder only costs the build, with one warning."""
    if folder is None:
        return build_tables(polyphones)
    path = folder / f"zh-tables-{cache_key(polyphones)}.pickle"
    tables = _read(path)
    if tables is not None:
        return tables
    tables = build_tables(polyphones)
    try:
        _write(path, tables)
        for old in folder.glob("zh-tables-*"):  # stale keys: an upgrade leaves them behind
            if old != path:
                old.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("text tables not cached folder=%s error=%r; they are built at each start", folder, exc)
    return tables


def _read(path: Path) -> ZhTables | None:
    try:
        data = pickle.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except Exception as exc:  # a damaged pickle fails in many ways (EOFError, UnpicklingError, ...)
        log.warning("text tables cache unreadable, rebuilt path=%s error=%r", path, exc)
        return None
    if not _well_formed(data):
        log.warning("text tables cache malformed, rebuilt path=%s", path)
        return None
    return ZhTables(*data)


def _well_formed(data: object) -> bool:
    """A foreign file that still unpickles must not pass for the tables."""
    if not (isinstance(data, tuple) and len(data) == 5):
        return False
    freq, total, *tables = data
    return isinstance(total, int) and total > 0 and bool(freq) and all(isinstance(t, dict) and t for t in [freq, *tables])


def _write(path: Path, tables: ZhTables) -> None:
    fields = (tables.freq, tables.total, tables.tags, tables.cedict, tables.phrases)
    write_atomically(path, pickle.dumps(fields, protocol=pickle.HIGHEST_PROTOCOL))


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "none"
