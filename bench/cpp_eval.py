"""Polyphone accuracy on held-out folds of the CPP dev split, beside g2pM's and pypinyin's.

    python -m bench.cpp_eval [--data ../shared/data/cpp] [--folds 5] [--seed 14] [--errors 20]
                             [--write-policy] [--out bench/results/cpp_eval.json]

The dev split is divided into K seeded folds (bench/cpp_folds.py). For each fold the reading
policy (a strategy and its thresholds; zh_reading_policy.py) is learned on
the other K-1 folds, and the held-out fold is read through `warmtts pinyin`'s own code with that
policy; the figure is the mean over folds. The built-in lexicon (data/zh_lexicon.txt) is left
out of every fold: its entries were picked while looking at the whole split. g2pM alone (its
reading among the character's candidates) and pypinyin alone (`lazy_pinyin` on the sentence) are
scored on the same folds in the same run. `--write-policy` then learns the shipped policy on all
folds. The median time of the frontend (`ZhG2P.words` with sandhi) per sentence is timed on
every 10th sentence.
"""

from __future__ import annotations

import argparse
import collections
import json
import statistics
import time
from dataclasses import dataclass, replace
from pathlib import Path

from pypinyin import Style, lazy_pinyin

from bench.cpp_folds import DEFAULT_DATA, FOLDS, SEED, Example, folds, load
from warmtts.phonemes.pinyin_cli import han_syllables
from warmtts.phonemes.zh_evidence import Evidence
from warmtts.phonemes.zh_pinyin import BUILTIN_POLICY, ZhG2P
from warmtts.phonemes.zh_reading_policy import ReadingPolicy, learn

RESULTS = Path(__file__).resolve().parent / "results" / "cpp_eval.json"
BASELINE = ReadingPolicy()  # before issue 14: rules, then pypinyin's phrase below 0.95, then g2pM


@dataclass(frozen=True)
class FoldResult:
    fold: int
    total: int
    ours: int
    g2pm: int
    pypinyin: int
    ablations: dict[str, int]

    def row(self) -> str:
        pct = lambda n: f"{100 * n / self.total:6.2f}"  # noqa: E731
        return f"{self.fold:>4} {self.total:>6} {pct(self.ours)} {pct(self.g2pm)} {pct(self.pypinyin)}"


def pypinyin_reading(example: Example) -> str:
    """pypinyin alone: its phrase-segmented reading of the whole sentence, at the marked index."""
    syllables = lazy_pinyin(
        example.text, style=Style.TONE3, neutral_tone_with_five=True, errors=lambda chars: ["" for _ in chars]
    )
    return syllables[example.index] if len(syllables) == len(example.text) else ""


def collect(g2p: ZhG2P, examples: list[Example]) -> list[Evidence]:
    """Every source's reading of each example's marked character, read once."""
    found = []
    for example in examples:
        evidence = g2p.evidence(example.text)[1][example.index]
        if evidence is None:
            raise ValueError(f"marked character outside a Han word: {example.text}")
        found.append(evidence)
    return found


def pipeline_reading(g2p: ZhG2P, example: Example) -> str:
    syllables = han_syllables(g2p, example.text)
    return syllables[example.han_index] if example.han_index < len(syllables) else ""


def ablations(policy: ReadingPolicy) -> dict[str, ReadingPolicy]:
    """The learned policy without each of its parts, and the policy before this bench learned it."""
    return {
        "learned": policy,
        "no_votes": replace(policy, vote_below=0.0),
        "no_rules": replace(policy, strategy=policy.strategy.removeprefix("rule+")),
        "g2pM_only": ReadingPolicy(strategy="model"),
        "before_issue_14": BASELINE,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--folds", type=int, default=FOLDS)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--errors", type=int, default=0, help="print this many held-out errors and the commonest characters")
    parser.add_argument("--write-policy", action="store_true", help=f"learn on every fold and write {BUILTIN_POLICY.name}")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()

    examples = load(args.data)
    split = folds(len(examples), args.folds, args.seed)
    collector = ZhG2P(policy=BASELINE, builtin_lexicon=False)
    collector.warm_up()
    evidence = collect(collector, examples)
    labelled = [(ev, ex.label) for ev, ex in zip(evidence, examples)]
    results: list[FoldResult] = []
    errors: list[tuple[Example, str, Evidence]] = []
    for number, held in enumerate(split, 1):
        held_set = set(held)
        policy = learn(pair for i, pair in enumerate(labelled) if i not in held_set)
        g2p = ZhG2P(policy=policy, builtin_lexicon=False)
        ours = 0
        for i in held:
            reading = pipeline_reading(g2p, examples[i])
            ours += reading == examples[i].label
            if reading != examples[i].label:
                errors.append((examples[i], reading, evidence[i]))
        g2pm = sum((evidence[i].guess.syllable if evidence[i].guess else evidence[i].base) == examples[i].label for i in held)
        plain = sum(pypinyin_reading(examples[i]) == examples[i].label for i in held)
        parts = {name: sum(p.read(evidence[i]) == examples[i].label for i in held) for name, p in ablations(policy).items()}
        results.append(FoldResult(number, len(held), ours, g2pm, plain, parts))
        print(f"fold={number} learned {policy}", flush=True)

    report(results, errors, args.errors)
    median_ms = frontend_median_ms(examples[::10])
    print(f"frontend median_ms_per_sentence={median_ms:.2f} (ZhG2P.words with sandhi, every 10th CPP sentence)")
    save(args.out, args, results, median_ms)
    if args.write_policy:
        BUILTIN_POLICY.write_text(learn(labelled).to_json(), encoding="utf-8")
        print(f"wrote {BUILTIN_POLICY}")


def report(results: list[FoldResult], errors: list[tuple[Example, str, Evidence]], show: int) -> None:
    print("fold   size   ours   g2pM pypinyin   (held-out accuracy, %)")
    for result in results:
        print(result.row())
    print(f"mean        {_mean(results, 'ours'):6.2f} {_mean(results, 'g2pm'):6.2f} {_mean(results, 'pypinyin'):6.2f}")
    for name in results[0].ablations:
        mean = statistics.mean(100 * r.ablations[name] / r.total for r in results)
        print(f"  ablation {name:<20} {mean:6.2f}")
    for example, ours, ev in errors[:show]:
        print(f"{example.label}\t{ours}\tg2pM={ev.guess}\tphrase={ev.phrase}\tvotes={dict(ev.votes)}\trule={ev.rule}\t{example.text}")
    if show:
        chars = collections.Counter(ev.char for _, _, ev in errors)
        print("commonest held-out errors:", " ".join(f"{c}:{n}" for c, n in chars.most_common(20)))
        right = collections.Counter()
        for example, _, ev in errors:
            right["g2pM"] += ev.guess is not None and ev.guess.syllable == example.label
            right["phrase"] += ev.phrase == example.label
            right["votes"] += example.label in ev.votes
            right["rule"] += ev.rule == example.label
            right["none"] += example.label not in {ev.phrase, ev.rule, ev.guess.syllable if ev.guess else None, *ev.votes}
        print("held-out errors where a source had it right:", dict(right))


def _mean(results: list[FoldResult], field: str) -> float:
    return statistics.mean(100 * getattr(r, field) / r.total for r in results)


def frontend_median_ms(examples: list[Example]) -> float:
    g2p = ZhG2P()
    g2p.warm_up()
    times = []
    for example in examples:
        start = time.perf_counter()
        g2p.words(example.text)
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def save(path: Path, args: argparse.Namespace, results: list[FoldResult], median_ms: float) -> None:
    data = {
        "folds": args.folds,
        "seed": args.seed,
        "per_fold": [r.__dict__ for r in results],
        "mean_percent": {f: round(_mean(results, f), 3) for f in ("ours", "g2pm", "pypinyin")},
        "frontend_median_ms_per_sentence": round(median_ms, 3),
    }
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
