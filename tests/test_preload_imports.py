"""What the preload imports, and how: pypinyin without its JSON phrase table (the prepared tables
bring a compact one), jieba without pkg_resources, and nothing a request never needs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PRELOAD = """
import json, sys
from warmtts.config import Settings
from warmtts.preload import Preloader

preloader = Preloader(Settings(cache_dir=sys.argv[1]), voices={"zh-baker", "en-joe"})
engine = preloader.run()
from pypinyin.constants import PHRASES_DICT
from pypinyin.seg.mmseg import seg
words = preloader.g2p.words("重庆的银行行长说我们长大了。")
print(json.dumps({
    "modules": sorted(m for m in sys.modules if m.split(".")[0] in
                      ("pkg_resources", "onnx", "scipy", "pyloudnorm", "matplotlib", "boto3", "pypinyin")),
    "phrases": len(PHRASES_DICT),
    "prefixes": len(seg._prefix_set._set),
    "pinyin": [list(w.pinyin) for w in words],
}))
"""


def run_preload(cache: Path) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", PRELOAD, str(cache)], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def test_preload_imports_pypinyin_without_its_json_table_and_fills_the_prepared_one(tmp_path: Path) -> None:
    first, second = run_preload(tmp_path), run_preload(tmp_path)  # builds the caches, then reads them
    for result in (first, second):
        assert "pypinyin.phrases_dict" not in result["modules"]  # the 35 MB JSON table was never read
        assert result["phrases"] > 40_000 and result["prefixes"] > 40_000
    # a start from the caches imports nothing it does not use (the first prepares graphs with onnx)
    assert not [m for m in second["modules"] if m.split(".")[0] in ("pkg_resources", "onnx", "scipy", "matplotlib")]
    assert first["pinyin"] == second["pinyin"]
    assert ["chong2", "qing4"] in first["pinyin"]
