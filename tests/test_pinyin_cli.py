"""`warmtts pinyin` as a user runs it: a real process, lines in, lines out."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CLI = [sys.executable, "-m", "warmtts.cli", "pinyin"]


def run(*args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args], input=stdin, capture_output=True, text=True, encoding="utf-8",
        env=os.environ | {"WARMTTS_LOG_LEVEL": "WARNING"} | (env or {}), timeout=120,
    )


def test_one_text_citation_tones() -> None:
    result = run("银行行长说：我们长大了。一个女孩儿。")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "yin2 hang2 hang2 zhang3 shuo1 wo3 men5 zhang3 da4 le5 yi2 ge4 nv3 hai2 er2\n"


def test_stdin_one_line_out_per_line_in() -> None:
    lines = ["你好，世界！", "", "Hello GPU 123", "我也很好", "2026年绿色"]
    result = run("-", stdin="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n") == ["ni3 hao3 shi4 jie4", "", "", "wo3 ye3 hen3 hao3", "nian2 lv4 se4", ""]


def test_sandhi_prints_spoken_tones() -> None:
    result = run("--sandhi", "-", stdin="我也很好\n一个花儿\n")
    assert result.stdout == "wo2 ye3 hen2 hao3\nyi2 ge4 huar1\n"


def test_streams_each_line_before_the_next_arrives() -> None:
    env = os.environ | {"WARMTTS_LOG_LEVEL": "WARNING"}
    with subprocess.Popen(
        [*CLI, "-"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8", env=env
    ) as proc:
        assert proc.stdin and proc.stdout
        proc.stdin.write("长大\n")
        proc.stdin.flush()
        assert proc.stdout.readline() == "zhang3 da4\n"  # answered while stdin is still open
        proc.stdin.write("很长\n")
        proc.stdin.close()
        assert proc.stdout.readline() == "hen3 chang2\n"
        assert proc.wait(timeout=30) == 0


def test_lexicon_from_the_environment(tmp_path: Path) -> None:
    lexicon = tmp_path / "lexicon.txt"
    lexicon.write_text("银行 yin2 xing2\n", encoding="utf-8")
    result = run("银行", env={"WARMTTS_LEXICON": str(lexicon)})
    assert result.stdout == "yin2 xing2\n"
