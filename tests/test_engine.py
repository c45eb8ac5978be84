from __future__ import annotations

from collections.abc import Iterator

import pytest

from warmtts.engine import Engine
from warmtts.errors import InvalidInputError

LONG_ZH = "今天天气很好，我们一起去公园散步吧。" * 20


class CountingVoice:
    """Wraps a real voice and counts its model calls, to see how much work a chunk cost."""

    def __init__(self, voice) -> None:
        self._voice = voice
        self.info = voice.info
        self.calls = 0

    def phonemize(self, text):
        return self._voice.phonemize(text)

    def synthesize(self, phonemized, params):
        self.calls += 1
        return self._voice.synthesize(phonemized, params)


@pytest.fixture
def counting(engine: Engine) -> Iterator[CountingVoice]:
    real = engine.voices.get("zh-baker")
    spy = CountingVoice(real)
    engine.voices._voices["zh-baker"] = spy
    try:
        yield spy
    finally:
        engine.voices._voices["zh-baker"] = real


def test_first_chunk_costs_one_sentence_whatever_the_length(engine: Engine, counting: CountingVoice) -> None:
    stream = iter(engine.synthesize_stream(LONG_ZH, "zh-baker"))
    first = next(stream)
    assert counting.calls == 1
    assert first.text == "今天天气很好，我们一起去公园散步吧。"  # a whole sentence, spoken window by window
    rest = list(stream)
    assert counting.calls == 20 and len(rest) >= 2 * 20


def test_stream_reads_its_input_lazily(engine: Engine) -> None:
    consumed = []

    def lines():
        for i in range(10_000):  # 100,000+ characters
            consumed.append(i)
            yield f"这是第{i}个句子，内容很短。\n"

    stream = engine.synthesize_stream(lines(), "zh-baker")
    next(iter(stream))
    stream.close()
    assert len(consumed) < 10


def test_chunks_join_without_clicks(engine: Engine) -> None:
    """Language runs start and end at silence; windows inside a run join as one waveform
    (tests/voices/test_windows.py compares them with the one-shot vocoder)."""
    chunks = list(engine.synthesize_stream("你好，世界。Hello there! 再见。", "zh-baker"))
    assert len(chunks) >= 3
    assert abs(int(chunks[0].pcm[0])) < 300 and abs(int(chunks[-1].pcm[-1])) < 300
    run_starts = [i for i, c in enumerate(chunks) if c.marks]
    assert len(run_starts) == 3
    for i in run_starts[1:]:
        assert abs(int(chunks[i - 1].pcm[-1])) < 300 and abs(int(chunks[i].pcm[0])) < 300


def test_mixed_text_speaks_every_run(engine: Engine) -> None:
    analysis = engine.analyze("我喜欢用Python编程。")
    voices = [(r.script, r.voice) for a in analysis for r in a.runs]
    assert voices == [("zh", "zh-baker"), ("en", "en-joe"), ("zh", "zh-baker")]
    clip = engine.synthesize("我喜欢用Python编程。")
    only_zh = engine.synthesize("我喜欢用编程。")
    assert clip.sample_rate == 24000 and clip.seconds > only_zh.seconds + 0.2


def test_symbols_only_yield_no_audio(engine: Engine) -> None:
    assert engine.synthesize("🙂🙂 ……").seconds == 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"speed": 0.2}, "speed must be between 0.25 and 4.0"), ({"speed": 4.5}, "speed must be between 0.25 and 4.0"),
     ({"pitch": 0.1}, "pitch must be between 0.5 and 2.0"), ({"energy": 5.0}, "energy must be between 0.5 and 2.0")],
)
def test_parameters_out_of_range_are_refused(engine: Engine, kwargs: dict, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        engine.synthesize_stream("你好", "zh-baker", **kwargs)


def test_phonemes_of_the_reference_sentence(engine: Engine) -> None:
    analysis = engine.analyze("2026年11月24日，银行行长说：我们长大了。")
    assert analysis[0].normalized == "二零二六年十一月二十四日，银行行长说：我们长大了。"
    pinyin = " ".join(r.phonemized.stages["pinyin"] for a in analysis for r in a.runs)
    assert "hang2 zhang3" in pinyin and "zhang3 da4" in pinyin
