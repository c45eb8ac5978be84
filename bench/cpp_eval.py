"""Polyphone accuracy on held-out folds of the CPP dev split, beside g2pM's and pypinyin's.

    python -m bench.cpp_eval [--data ../shared/data/cpp] [--folds 5] [--seed 14] [--errors 20]
                             [--write-policy] [--out bench/results/cpp_eval.json]

Nested: the dev split is divided into K seeded outer folds (bench/cpp_folds.py). For each,
`zh_policy_learning.learn` sees only the other K-1 folds: an inner split of them chooses the
configuration (which voters count, per-character records, learned word readings) and the chosen
one is fitted on all K-1 (strategy, thresholds, records, words). The held-out fold is then read
through `warmtts pinyin`'s own code with that policy; the estimate is the mean over outer folds.
The hand-written function-word rules and g2pM itself are the only parts not chosen here (g2pM
was trained on CPP's train split). g2pM alone (its reading among the character's candidates)
and pypinyin alone (`lazy_pinyin` on the sentence) are scored on the same folds in the same run.
The built-in lexicon (data/zh_lexicon.txt, three entries picked by hand looking at this split)
is left out of the estimate; the `with_builtin_lexicon` row shows what it changes.
`--write-policy` then learns the shipped policy (data/zh_reading_policy.json) by the same
procedure on the whole split. The frontend (`ZhG2P.words` with sandhi, shipped policy) is timed
on every 10th sentence: wall median, mean and 90th percentile per sentence, and the
CPU time's median and mean.
"""

from __future__ import annotations

import argparse
import collections
import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from pypinyin import Style, lazy_pinyin

from bench.cpp_folds import DEFAULT_DATA, FOLDS, SEED, Example, folds, load
from warmtts.phonemes.pinyin_cli import han_syllables
from warmtts.phonemes.zh_evidence import Evidence
from warmtts.phonemes.zh_lexicon import lexicon_readings, load_lexicon
from warmtts.phonemes.zh_pinyin import BUILTIN_LEXICON, BUILTIN_POLICY, ZhG2P
from warmtts.phonemes.zh_policy_learning import Config, Labelled, Learned, fit, learn
from warmtts.phonemes.zh_reading_policy import PHRASE_VOTERS, ReadingPolicy

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
    config: str = ""

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


def learn_per_fold(
    labelled: list[Labelled], split: list[list[int]], learner: Callable[[list[Labelled]], Learned] = learn
) -> list[Learned]:
    """One policy per outer fold, learned from the other folds only: the held-out fold's
    sentences are never handed to `learner` (tests/bench/test_cpp_nested.py)."""
    learned = []
    for held in split:
        held_set = set(held)
        learned.append(learner([pair for i, pair in enumerate(labelled) if i not in held_set]))
    return learned


def ablations(learned: Learned, train: list[Labelled]) -> dict[str, ReadingPolicy]:
    """Informative only (nothing is chosen from them): the learned policy without each of its
    parts, each refitted on the same training folds, and the policies before."""
    policy, config = learned.policy, learned.config
    return {
        "learned": policy,
        "no_votes": replace(policy, vote_below=0.0),
        "no_rules": replace(policy, strategy=policy.strategy.removeprefix("rule+")),
        "no_per_char": fit(train, replace(config, per_char="off")),
        "no_words": fit(train, replace(config, word_min=0)),
        "phrase_voters_only": fit(train, replace(config, voters=PHRASE_VOTERS)),
        "issue_14_config": fit(train, Config(PHRASE_VOTERS)),
        "issue_14_config_veto": fit(train, Config(PHRASE_VOTERS, "veto")),
        "issue_14_config_require": fit(train, Config(PHRASE_VOTERS, "require")),
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
    builtin = load_lexicon(BUILTIN_LEXICON)  # hand-picked looking at this split: a row, not the estimate
    results: list[FoldResult] = []
    errors: list[tuple[Example, str, Evidence]] = []
    for number, (held, learned) in enumerate(zip(split, learn_per_fold(labelled, split)), 1):
        held_set = set(held)
        policy = learned.policy
        train = [pair for i, pair in enumerate(labelled) if i not in held_set]
        g2p = ZhG2P(policy=policy, builtin_lexicon=False)
        ours = with_lexicon = 0
        for i in held:
            reading = pipeline_reading(g2p, examples[i])
            ours += reading == examples[i].label
            if reading != examples[i].label:
                errors.append((examples[i], reading, evidence[i]))
            fixed = lexicon_readings(examples[i].text, builtin).get(examples[i].index, reading)
            with_lexicon += fixed == examples[i].label
        g2pm = sum((evidence[i].guess.syllable if evidence[i].guess else evidence[i].base) == examples[i].label for i in held)
        plain = sum(pypinyin_reading(examples[i]) == examples[i].label for i in held)
        parts = {
            name: sum(p.read(evidence[i]) == examples[i].label for i in held)
            for name, p in ablations(learned, train).items()
        }
        parts["with_builtin_lexicon"] = with_lexicon
        results.append(FoldResult(number, len(held), ours, g2pm, plain, parts, f"{learned.config} {_summary(policy)}"))
        print(f"fold={number} config={learned.config} {_summary(policy)}", flush=True)

    report(results, errors, args.errors)
    shipped = learn(labelled) if args.write_policy else None
    if shipped is not None:
        BUILTIN_POLICY.write_text(shipped.policy.to_json(), encoding="utf-8")
        print(f"wrote {BUILTIN_POLICY} config={shipped.config} {_summary(shipped.policy)}")
    timing = frontend_ms(examples[::10])
    print(
        "frontend ms_per_sentence "
        + " ".join(f"{k}={v:.2f}" for k, v in timing.items())
        + " (ZhG2P.words with sandhi, shipped policy, every 10th CPP sentence)"
    )
    save(args.out, args, results, timing)


def _summary(policy: ReadingPolicy) -> str:
    return (
        f"strategy={policy.strategy} voters={','.join(policy.voters)} vote_min={policy.vote_min} "
        f"vote_below={policy.vote_below} per_char={policy.per_char} chars={len(policy.char_record)} "
        f"words={len(policy.words)}"
    )


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
            right["votes"] += example.label in ev.votes.values()
            right["rule"] += ev.rule == example.label
            right["none"] += example.label not in {ev.phrase, ev.rule, ev.guess.syllable if ev.guess else None, *ev.votes.values()}
        print("held-out errors where a source had it right:", dict(right))


def _mean(results: list[FoldResult], field: str) -> float:
    return statistics.mean(100 * getattr(r, field) / r.total for r in results)


def frontend_ms(examples: list[Example]) -> dict[str, float]:
    """Wall and CPU (this thread's) milliseconds per sentence: on a shared machine the wall
    time mostly measures the neighbours, the CPU time what the frontend itself costs."""
    g2p = ZhG2P()
    g2p.warm_up()
    wall, cpu = [], []
    for example in examples:
        start, start_cpu = time.perf_counter(), time.thread_time()
        g2p.words(example.text)
        cpu.append(1000 * (time.thread_time() - start_cpu))
        wall.append(1000 * (time.perf_counter() - start))
    return {
        "median": statistics.median(wall),
        "mean": statistics.mean(wall),
        "p90": statistics.quantiles(wall, n=10)[-1],
        "cpu_median": statistics.median(cpu),
        "cpu_mean": statistics.mean(cpu),
    }


def save(path: Path, args: argparse.Namespace, results: list[FoldResult], timing: dict[str, float]) -> None:
    data = {
        "folds": args.folds,
        "seed": args.seed,
        "per_fold": [r.__dict__ for r in results],
        "mean_percent": {f: round(_mean(results, f), 3) for f in ("ours", "g2pm", "pypinyin")},
        "ablation_mean_percent": {
            name: round(statistics.mean(100 * r.ablations[name] / r.total for r in results), 3)
            for name in results[0].ablations
        },
        "frontend_ms_per_sentence": {k: round(v, 3) for k, v in timing.items()},
    }
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
