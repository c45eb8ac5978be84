from __future__ import annotations

import pytest

from warmtts.phonemes.zh_pinyin import ZhG2P


@pytest.fixture(scope="session")
def g2p() -> ZhG2P:
    """One warmed Chinese g2p (jieba, g2pM, pypinyin) for every phoneme test."""
    g2p = ZhG2P()
    g2p.warm_up()
    return g2p
