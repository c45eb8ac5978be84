from __future__ import annotations

from warmtts.phonemes.en_espeak import phonemize


def test_espeak_phonemes_keep_stress_and_punctuation() -> None:
    phonemes = "".join(phonemize("Hello world, this is a test.", "en-us"))
    assert phonemes.startswith("həlˈoʊ wˈɜːld,")
    assert phonemes.endswith("tˈɛst.")


def test_several_sentences_are_joined_with_a_space() -> None:
    phonemes = "".join(phonemize("One. Two!", "en-us"))
    assert phonemes == "wˌʌn. tˈuː!"
