"""Loudness of the built-in voices on held-out parallel passages (the same text in both
languages, none of it the calibration sentences): integrated LUFS (ITU-R BS.1770) and peak.

    python -m bench.loudness [--raw]

`--raw` measures without the calibration (gain 1, limiter only), i.e. the models' own levels.
"""

from __future__ import annotations

import argparse

import numpy as np

from warmtts.config import Settings
from warmtts.preload import build_engine
from warmtts.voices.loudness import Level, integrated_lufs

PASSAGES = [
    (
        "我们明天早上八点在学校门口见面，然后一起坐车去博物馆参观。这家小店的面条很好吃，每天中午都有很多人排队。"
        "请把窗户关上，外面的风越来越大了。他花了三年时间写完这本书，终于在去年出版了。",
        "We will meet at the school gate at eight tomorrow morning, then take the bus to the museum together. "
        "The noodles at this little shop are delicious, and every day at noon many people wait in line. Please "
        "close the window, the wind outside is getting stronger. He spent three years writing this book, and it "
        "was finally published last year.",
    ),
    (
        "那只狐狸跳过篱笆，跑进了树林。我们明天应该早点出发，免得路上堵车。我奶奶在她的小菜园里种了西红柿和豆角。"
        "去博物馆的门票多少钱？",
        "The quick brown fox jumped over the fence and ran into the woods. We should leave early tomorrow, before "
        "the roads get busy. My grandmother grows tomatoes and beans in her small garden. How much does a ticket "
        "to the museum cost?",
    ),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", action="store_true", help="without the calibrated gain")
    args = parser.parse_args()
    engine = build_engine(Settings())
    if args.raw:
        for voice in engine.voices.all():
            voice.level = Level()
    for zh, en in PASSAGES:
        parts = []
        for voice, text in (("zh-baker", zh), ("en-joe", en)):
            clip = engine.synthesize(text, voice)
            audio = clip.pcm.astype(np.float32) / 32767
            parts.append(f"{voice} {integrated_lufs(audio, clip.sample_rate):.2f} LUFS peak {np.abs(audio).max():.3f}")
        print(" | ".join(parts))


if __name__ == "__main__":
    main()
