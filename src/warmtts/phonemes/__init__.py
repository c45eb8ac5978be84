"""Stage 2: phonemes — pinyin, prosody and Baker phones for Chinese; espeak-ng for the rest."""
