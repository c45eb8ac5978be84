"""The Chinese frontend's prepared tables: the cache gives what the sources give, and a missing,
stale, corrupt or malformed cache file is rebuilt rather than trusted."""

from __future__ import annotations

import pickle
from pathlib import Path

import jieba
import pytest

from warmtts.phonemes import zh_tables
from warmtts.phonemes.zh_pinyin import ZhG2P
from warmtts.phonemes.zh_polyphone import PolyphoneModel
from warmtts.phonemes.zh_tables import ZhTables, build_tables, cache_key, load_tables

SENTENCES = ["银行行长说我们长大了。", "他还没还钱，我得走了。", "重庆的重量级选手都会来。", "一切都会好的。"]


@pytest.fixture(scope="module")
def polyphones() -> frozenset[str]:
    return PolyphoneModel().polyphones


@pytest.fixture(scope="module")
def built(polyphones: frozenset[str]) -> ZhTables:
    return build_tables(polyphones)


def cached_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("zh-tables-*.pickle"))


def test_missing_cache_is_built_then_read_back_equal(tmp_path: Path, polyphones: frozenset[str], built: ZhTables) -> None:
    first = load_tables(tmp_path, polyphones)
    assert [p.name for p in cached_files(tmp_path)] == [f"zh-tables-{cache_key(polyphones)}.pickle"]
    second = load_tables(tmp_path, polyphones)
    assert first == built and second == built
    assert len(built.freq) > 300_000 and len(built.tags) > 300_000 and len(built.cedict) > 1000


@pytest.mark.parametrize("content", [b"", b"\x00garbage\xff" * 10, pickle.dumps(({}, 0, {}, {})), pickle.dumps([1, 2])])
def test_corrupt_or_malformed_cache_is_rebuilt(
    tmp_path: Path, polyphones: frozenset[str], built: ZhTables, content: bytes
) -> None:
    path = tmp_path / f"zh-tables-{cache_key(polyphones)}.pickle"
    path.write_bytes(content)
    assert load_tables(tmp_path, polyphones) == built
    assert path.read_bytes() != content  # replaced by good tables
    assert load_tables(tmp_path, polyphones) == built


def test_stale_cache_is_rebuilt_under_a_new_key_and_the_old_removed(
    tmp_path: Path, polyphones: frozenset[str], built: ZhTables, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_tables(tmp_path, polyphones)
    old = cached_files(tmp_path)
    monkeypatch.setattr(zh_tables, "_version", lambda package: "99.0" if package == "jieba" else "1")
    assert cache_key(polyphones) not in old[0].name
    assert load_tables(tmp_path, polyphones) == built
    new = cached_files(tmp_path)
    assert len(new) == 1 and new != old


def test_the_tag_table_shares_the_prefix_tables_words(tmp_path: Path, polyphones: frozenset[str]) -> None:
    """The memory saving: one string object per word, also after a round trip through the file."""
    load_tables(tmp_path, polyphones)
    for tables in (build_tables(polyphones), load_tables(tmp_path, polyphones)):
        words = {id(word) for word in tables.freq}
        assert all(id(word) in words for word in tables.tags)


def test_the_key_follows_the_polyphone_set(polyphones: frozenset[str]) -> None:
    assert cache_key(polyphones) != cache_key(polyphones - {next(iter(polyphones))})


def test_unwritable_folder_still_gives_the_tables(tmp_path: Path, polyphones: frozenset[str], built: ZhTables) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert load_tables(blocker / "text", polyphones) == built


def test_cached_g2p_reads_like_an_uncached_one(tmp_path: Path) -> None:
    ZhG2P(cache_dir=tmp_path)  # writes the cache
    cached, uncached = ZhG2P(cache_dir=tmp_path), ZhG2P()
    assert cached_files(tmp_path)
    for sentence in SENTENCES:
        assert cached.words(sentence) == uncached.words(sentence)
        assert cached.evidence(sentence) == uncached.evidence(sentence)


def test_jieba_default_tokenizer_and_tagger_are_left_whole() -> None:
    """posseg is imported with jieba's default tokenizer pointed at an empty file: it must point
    back, and the default tagger must hold the full tag table, not the empty one."""
    ZhG2P()
    posseg = zh_tables.posseg()
    assert jieba.dt.dictionary == jieba.DEFAULT_DICT
    assert len(posseg.dt.word_tag_tab) > 300_000
    reference = posseg.POSTokenizer(jieba.Tokenizer())  # jieba's own way: parses its dictionary
    for sentence in SENTENCES:
        assert [tuple(p) for p in posseg.cut(sentence)] == [tuple(p) for p in reference.cut(sentence)]


READ_SENTENCES = """
import sys
from pathlib import Path
from warmtts.phonemes import zh_tables
if sys.argv[1] == "compact":
    zh_tables.import_pypinyin()
from pypinyin.constants import PHRASES_DICT
from pypinyin.seg.mmseg import seg
from warmtts.phonemes.zh_pinyin import ZhG2P
g2p = ZhG2P(cache_dir=Path(sys.argv[2]))
print(len(PHRASES_DICT), "重庆" in seg._prefix_set, "重庆" in seg._prefix_set and "重" in seg._prefix_set)
for sentence in sys.argv[3:]:
    print(g2p.words(sentence), g2p.evidence(sentence))
"""


def test_pypinyin_with_the_prepared_phrases_reads_as_with_its_own(tmp_path: Path) -> None:
    """The preload imports pypinyin without its JSON phrase table and fills in the prepared one;
    every reading must be the same as with pypinyin's own table (each in a fresh process)."""
    import subprocess
    import sys

    def run(mode: str) -> str:
        command = [sys.executable, "-c", READ_SENTENCES, mode, str(tmp_path), *SENTENCES, "他们在长江边看见了银行行长"]
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout

    own, compact = run("own"), run("compact")
    assert int(own.split()[0]) > 40_000
    assert compact == own
