"""Polyphones read from the sentence: g2pM's BiLSTM, trained on CPP, with a phrase fallback.

g2pM alone reads 97.4 % of the CPP dev split; pypinyin's phrase dictionary alone is right less
often, but it is right more often than g2pM exactly where g2pM hesitates. The model's guesses
carry its probability, renormalised over the character's possible readings, so that the
reading policy (zh_reading_policy.py, learned on held-out folds) can weigh it against them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from g2pM import G2pM

# g2pM's vocabulary marks the sentence start and end with these two (Korean) tokens.
_BOS, _EOS, _UNK = "시", "끝", "<UNK>"


@dataclass(frozen=True)
class Guess:
    """The model's reading of one polyphone and its probability among the candidates."""

    syllable: str
    confidence: float


class PolyphoneModel:
    """Owns the g2pM weights (1.6 MB of numpy arrays, loaded in ~10 ms)."""

    def __init__(self) -> None:
        self._model = G2pM()
        self._class_ids = {syllable: i for i, syllable in self._model.idx2class.items()}
        self._candidates: dict[str, list[int]] = {
            char: ids
            for char, readings in self._model.cedict.items()
            if len(readings) > 1 and (ids := [self._class_ids[r] for r in readings if r in self._class_ids])
        }

    @property
    def polyphones(self) -> frozenset[str]:
        return frozenset(self._candidates)

    def guesses(self, text: str) -> dict[int, Guess]:
        """Index → guess for every polyphone of `text`; the model runs once over the sentence."""
        positions = [i for i, char in enumerate(text) if char in self._candidates]
        if not positions:
            return {}
        logits = self._logits(text)
        result: dict[int, Guess] = {}
        for i in positions:
            ids = self._candidates[text[i]]
            scores = logits[i, ids]
            probs = np.exp(scores - scores.max())
            best = int(np.argmax(probs))
            syllable = self._model.idx2class[ids[best]].replace("u:", "v")  # g2pM writes ü as u:
            result[i] = Guess(syllable, float(probs[best] / probs.sum()))
        return result

    def _logits(self, text: str) -> np.ndarray:
        """Class scores per character. g2pM's own `predict` returns only the argmax over all
        classes, which can be a reading the character does not have; we need the scores."""
        m = self._model
        unk = m.char2idx[_UNK]
        ids = np.array([[m.char2idx[_BOS], *(m.char2idx.get(c, unk) for c in text), m.char2idx[_EOS]]])
        embedded = m.get_embedding(ids)
        steps = embedded.shape[1]
        forward = backward = None
        forward_h: list[np.ndarray] = []
        backward_h: list[np.ndarray] = []
        for t in range(steps):
            forward = m.fw_lstm_cell(embedded[:, t, :], forward)
            backward = m.bw_lstm_cell(embedded[:, steps - 1 - t, :], backward)
            forward_h.append(forward[0])
            backward_h.append(backward[0])
        hidden = np.concatenate([np.stack(forward_h, 1), np.stack(backward_h[::-1], 1)], axis=2)[0]
        return m.fc_layer(hidden[1:-1])
