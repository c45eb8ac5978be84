"""bench/efficiency.py's pure parts: the slope, the summaries, the paired ratios, the Markdown,
and one real (untimed) child run whose WAV length and rusage are read back."""

from __future__ import annotations

import sys
import wave
from pathlib import Path

import pytest

from bench.efficiency import (
    TEXTS, Program, Run, build_parser, markdown, markers, paired_ratios, replace_section, result_of, slope,
    summarize, time_one, wav_audio_seconds,
)


def _runs(name: str, slopes: list[float], start_cpu: float = 2.0) -> list[Run]:
    """Repeats whose slope is each of `slopes`: 5 s of audio, then 60 s."""
    runs = []
    for repeat, each in enumerate(slopes):
        runs.append(Run(name, "one", repeat, start_cpu, start_cpu + 0.5, 5.0))
        runs.append(Run(name, "twelve", repeat, start_cpu + each * 55.0, 10.0, 60.0))
    return runs


def test_slope_cancels_start_up() -> None:
    one, twelve = Run("p", "one", 0, 3.0, 3.5, 5.0), Run("p", "twelve", 0, 3.0 + 0.2 * 50, 9.0, 55.0)
    assert slope(one, twelve) == pytest.approx(0.2)
    assert slope(one, Run("p", "twelve", 0, 9.0, 9.0, 5.0)) is None  # no extra audio: no slope


def test_summary_is_the_median_over_repeats_and_ratios_pair_repeats() -> None:
    runs = _runs("warmtts en-joe", [0.10, 0.30, 0.12]) + _runs("piper", [0.20, 0.20, 0.24], start_cpu=1.0)
    summary = summarize(runs)
    assert summary["warmtts en-joe"]["cpu_per_audio_second"] == pytest.approx(0.12)
    assert summary["warmtts en-joe"]["repeats"] == 3
    assert summary["piper"]["one_sentence_cpu_seconds"] == pytest.approx(1.0)
    assert paired_ratios(runs, "warmtts en-joe", "piper") == pytest.approx([0.5, 1.5, 0.5])
    result = result_of(runs, "python -m bench.efficiency", 0.0, "0")
    assert result["paired_ratios"]["warmtts en-joe"] == pytest.approx([0.5, 1.5, 0.5])
    table = markdown(result)
    assert "| warmtts en-joe | 0.120 | 0.50 (0.50, 1.50, 0.50) |" in table
    assert "| piper | 0.200 | – |" in table
    assert "python -m bench.efficiency" in table


def test_the_section_is_replaced_in_place_or_appended() -> None:
    begin, end = markers()
    appended = replace_section("# Benchmarks\n\ntext\n", "new table")
    assert appended.startswith("# Benchmarks\n\ntext\n\n" + begin) and "new table" in appended
    again = replace_section(appended + "\n## After\n", "newer table")
    assert "new table\n" not in again and "newer table" in again and again.endswith("## After\n")
    assert again.count(begin) == 1 and again.count(end) == 1


def test_the_long_texts_are_twelve_sentences() -> None:
    en_one, en_twelve = TEXTS["en"]
    assert en_twelve.count(". ") + 1 == 12 and en_twelve.startswith(en_one)
    zh_one, zh_twelve = TEXTS["zh"]
    assert zh_twelve.count("。") == 12 and zh_twelve.startswith(zh_one)
    assert build_parser().parse_args([]).repeats == 3


def test_a_child_run_reports_its_cpu_and_the_audio_it_wrote(tmp_path: Path) -> None:
    writer = (
        "import sys, wave; w = wave.open(sys.argv[1], 'wb'); w.setnchannels(1); w.setsampwidth(2); "
        "w.setframerate(16000); w.writeframes(bytes(2 * 16000 * 2)); w.close(); sum(range(10**6))"
    )
    program = Program("writer", "en", (sys.executable, "-c", writer, "{wav}"))
    text = tmp_path / "t.txt"
    text.write_text("x")
    cpu, wall, audio = time_one(program, text, tmp_path / "o.wav", None)
    assert audio == pytest.approx(2.0) and cpu > 0 and wall > 0
    assert wav_audio_seconds(tmp_path / "o.wav") == pytest.approx(2.0)
    failing = Program("fails", "en", (sys.executable, "-c", "raise SystemExit(3)"))
    with pytest.raises(RuntimeError, match="exited 3"):
        time_one(failing, text, tmp_path / "o.wav", None)
    with wave.open(str(tmp_path / "o.wav"), "rb") as wav:
        assert wav.getframerate() == 16000
