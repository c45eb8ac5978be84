from __future__ import annotations

from warmtts.text.segment import Run, language_runs, pieces, source_sentences, split_sentences, spoken_length
from warmtts.text.source import SourceText


def test_sentences_keep_punctuation_and_skip_abbreviations_and_decimals() -> None:
    text = "Dr. Smith paid $3.50. Then he left! 你好。我很好？“真的吗？”他说。e.g. this one"
    assert list(split_sentences(text)) == [
        "Dr. Smith paid $3.50.",
        "Then he left!",
        "你好。",
        "我很好？",
        "“真的吗？”",
        "他说。",
        "e.g. this one",
    ]


def test_sentences_across_lines_of_a_file() -> None:
    lines = ["Hello world. This is", " a test. 你好", "。好的\n", "end"]
    sentences = source_sentences(SourceText.of(line) for line in lines)
    assert [s.text for s in sentences] == ["Hello world.", "This is a test.", "你好。", "好的", "end"]


def test_sentences_are_read_lazily() -> None:
    consumed: list[int] = []

    def lines():
        for i in range(1000):
            consumed.append(i)
            yield f"第{i}句话。"

    first = next(source_sentences(SourceText.of(line) for line in lines()))
    assert first.text == "第0句话。"
    assert len(consumed) <= 2


def test_a_sentence_that_fits_is_one_piece_and_a_long_one_is_cut_at_clauses() -> None:
    sentence = "今天天气很好，我们去公园玩，然后回家吃饭。"
    assert [p.text for p in pieces(sentence, 120)] == [sentence]
    assert pieces(sentence, 120)[-1].end == "sentence"
    assert [(p.text, p.end) for p in pieces(sentence, 40)] == [
        ("今天天气很好，我们去公园玩，", "clause"),
        ("然后回家吃饭。", "sentence"),
    ]


def test_long_text_without_punctuation_is_cut_to_the_limit() -> None:
    sentence = " ".join(["word"] * 100)
    parts = pieces(sentence, 50)
    assert all(len(p.text) <= 50 for p in parts)
    assert " ".join(p.text for p in parts) == sentence


def test_latin_words_inside_chinese_become_their_own_runs() -> None:
    assert language_runs("我喜欢Python编程，还有GPU。") == [
        Run("zh", "我喜欢"),
        Run("en", "Python"),
        Run("zh", "编程，还有"),
        Run("en", "GPU。"),
    ]
    assert language_runs("The word 你好 means hello.") == [
        Run("en", "The word"),
        Run("zh", "你好"),
        Run("en", "means hello."),
    ]


def test_the_limit_counts_a_han_character_as_three_letters() -> None:
    """One limit bounds a call's speech in either script: 60 Chinese characters are as long to
    say as about 180 English letters."""
    clause = "我们在公司楼下的咖啡馆见面，"  # 14 characters, spoken length 40 with its comma
    sentence = clause * 6 + "然后回家。"
    parts = pieces(sentence, 120)
    assert "".join(p.text for p in parts) == sentence
    assert all(spoken_length(p.text) <= 120 for p in parts) and len(parts) == 3
    assert [p.end for p in parts] == ["clause", "clause", "sentence"]
    assert pieces("The same limit, in English, keeps this whole sentence as one piece.", 120)[0].end == "sentence"
    unbroken = "好" * 100  # no clause mark, no space: cut where the limit falls
    assert [len(p.text) for p in pieces(unbroken, 120)] == [40, 40, 20]
