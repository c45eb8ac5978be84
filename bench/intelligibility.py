"""Intelligibility of the built-in voices: synthesise sentences, transcribe them with Whisper
base, report the character (zh) or word (en) error rate.

    python -m bench.intelligibility [--out bench/results/intelligibility.json]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from bench.asr import Transcriber, error_rate
from warmtts.config import Settings
from warmtts.preload import build_engine

SENTENCES = {
    "zh-baker": (
        "zh",
        [
            "2026年11月24日，银行行长说：我们长大了。",
            "今天天气很好，我们一起去公园散步吧。",
            "这家餐厅的菜很好吃，价格也不贵。",
            "请在下一个路口向左转，然后直走三百米。",
            "他每天早上七点起床，八点去上班。",
            "我们的会议改到下午三点半，请大家准时参加。",
            "这本书讲述了一个普通人追求梦想的故事。",
            "春天来了，花园里的花都开了。",
            "科学家发现了一种新的治疗方法。",
            "如果明天下雨，比赛就会推迟举行。",
        ],
    ),
    "en-joe": (
        "en",
        [
            "The quick brown fox jumps over the lazy dog.",
            "Please turn left at the next intersection and drive for two miles.",
            "Our meeting has been moved to half past three this afternoon.",
            "Scientists have discovered a new way to treat the disease.",
            "It costs $25.50, which is cheaper than last year.",
            "The library opens at nine in the morning and closes at six.",
            "She has been reading the same book for three weeks.",
            "If it rains tomorrow, the game will be postponed.",
            "Thank you for calling, how can I help you today?",
            "The train to Boston leaves from platform four.",
        ],
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, help="write the per-sentence results as JSON")
    args = parser.parse_args()
    engine = build_engine(Settings())
    asr = Transcriber()
    report: dict[str, dict[str, object]] = {}
    for voice, (language, sentences) in SENTENCES.items():
        errors = total = 0
        rows = []
        for text in sentences:
            start = time.perf_counter()
            clip = engine.synthesize(text, voice)
            synth_seconds = time.perf_counter() - start
            heard = asr.transcribe(clip.pcm, clip.sample_rate, language)
            e, n = error_rate(text, heard, language)
            errors, total = errors + e, total + n
            rows.append({"text": text, "heard": heard, "errors": e, "length": n, "rtf": synth_seconds / clip.seconds})
            print(f"{voice}\t{e}/{n}\t{text}\t→ {heard}")
        rate = errors / total
        unit = "CER" if language == "zh" else "WER"
        print(f"{voice}: {unit} {rate:.1%} ({errors}/{total})")
        report[voice] = {"unit": unit, "error_rate": rate, "errors": errors, "length": total, "sentences": rows}
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
