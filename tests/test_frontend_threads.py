"""The text frontend is shared by every synthesis worker thread: one TextNormalizer (wetext),
one ZhG2P (jieba, g2pM, pypinyin) and the process-wide espeak-ng. From many threads at once,
each in its own order, every result must equal the one computed on a single thread.

The interpreter switches threads about every microsecond here instead of every 5 ms, so a
race in Python-level state (a lazy initialisation, a global set then read) has many chances to
show: without en_espeak's lock the first test fails on every run.
"""

from __future__ import annotations

import json
import random
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest

from warmtts.phonemes.baker_phones import BakerPhonemizer
from warmtts.phonemes.en_espeak import phonemize as espeak_phonemize
from warmtts.phonemes.zh_frontend import ZhFrontend
from warmtts.phonemes.zh_pinyin import ZhG2P
from warmtts.text.normalize import TextNormalizer
from warmtts.text.segment import dominant_script, language_runs
from warmtts.voices.baker import DATA_DIR as BAKER_DIR

THREADS = 8

TEXTS = [
    # Chinese numbers, dates, money, units, codes
    "2026年11月24日，¥25.5，3.5℃。",
    "会议定在2024年3月15日下午2点30分开始。",
    "这件衣服打八折以后只要¥199.9元。",
    "他的电话是010-12345678，请在工作日联系。",
    "房间302的客人预订了CA1234航班。",
    "今年的增长率是-10%，比去年低了3.5个百分点。",
    "第3-5章讲的是1,000,000以内的数。",
    "我买了2公斤苹果和2瓶水，一共花了36.8元。",
    "公司营收达到$1.5亿，同比增长25%。",
    "比赛在14:30分开始，最后的比分是3:2。",
    "邮编100080，验证码是204816。",
    "95后和00后的消费习惯很不一样。",
    "温度从-5℃升到了12℃，湿度是65%。",
    "这个数是3/4，那个是0.125，误差是5‰。",
    "研发&销售两个部门一共有1,250人。",
    "他在二〇一九年毕业，2021年搬到了上海。",
    # polyphones, tone sandhi, erhua
    "银行行长说我们长大了。",
    "我得走了，你跑得很快。",
    "我还没还钱，他还在等。",
    "重庆的重量级选手重新出发。",
    "音乐让人快乐，乐队很受欢迎。",
    "他的长处是长得高，头发也长。",
    "中了头奖以后，他正中下怀。",
    "朝阳区的朝代历史展览今天开放。",
    "行人走在人行道上，银行门口排起了长队。",
    "觉得睡觉前喝牛奶好。",
    "大夫说这个病不大。",
    "为了大家，他为人民服务。",
    "数一数，数不清的星星。",
    "看看书，听听歌，慢慢地走。",
    "一个一天不对不好，看一看好不好？",
    "玩儿了一会儿，女儿回家了。",
    "展览馆里的纸老虎，我也很好。",
    # Chinese with English inside
    "我今天用iPhone给Alice发了一封email。",
    "OpenAI发布了新模型，很多人在用ChatGPT写代码。",
    "这个API的latency大约是50ms。",
    "请打开Wi-Fi，然后登录www.example.com。",
    "他在Google工作，负责Android系统的performance优化。",
    # long Chinese sentences
    "随着人工智能技术的快速发展，越来越多的企业开始把语音合成用在客服、导航、有声读物和无障碍服务等场景中，"
    "而用户对自然度和响应速度的要求也越来越高。",
    "据统计，2023年全国共接待国内游客48.91亿人次，比上年增长93.3%，国内游客出游总花费4.91万亿元，"
    "增长140.3%，其中城镇居民花费3.92万亿元。",
    "他一边听着窗外淅淅沥沥的雨声，一边慢慢地整理着书架上那些已经泛黄的旧书，心里想着明天一早还得去银行办事。",
    # English numbers, dates, money, phones
    "It costs $25.50 on Nov 24, 2026.",
    "Call me at (555) 123-4567 or at 555-9876 after six.",
    "Dr. Smith arrived at 3:45 p.m. with 12 patients.",
    "The temperature dropped to -5°C on January 3rd.",
    "We sold 1,234,567 units in Q3 2025, up 12.5% on last year.",
    "Please pay ¥300 before the 1st of May.",
    "The 2nd and 23rd items cost £4.99 each.",
    "Route 66 is 2,448 miles long and was opened in 1926.",
    "The meeting is on 2024-03-15 at 09:00, room 4B.",
    "Add 3/4 cup of sugar and bake for 25 minutes at 180 degrees.",
    # English heteronyms and plain prose
    "I read the book that you read yesterday.",
    "The wind was too strong to wind the clock.",
    "She'll record a new record at 10:30.",
    "Water, water everywhere, nor any drop to drink.",
    "They refuse to take out the refuse on Mondays.",
    "The quick brown fox jumps over the lazy dog!",
    "Are you sure? I thought the train left at half past nine; it didn't.",
    # long English sentences
    "Although the committee had met on three separate occasions during the spring, it was not until the "
    "fourth meeting, held in a small room above the library, that anyone proposed a budget everyone could accept.",
    "If you are reading this sentence aloud, you will notice that it keeps going, clause after clause, "
    "long after a more careful writer would have stopped, taken a breath, and started again.",
    "In 1969, about 600 million people watched the landing, roughly one fifth of the world's population at the time.",
]

Job = tuple[str, str, str]  # (stage, language or espeak voice, text)


@dataclass(frozen=True)
class Frontend:
    """The shared objects, built as the voices build them (BakerVoice wraps a ZhFrontend)."""

    normalizer: TextNormalizer
    zh: ZhFrontend

    def run(self, job: Job) -> Any:
        stage, which, text = job
        if stage == "normalize":
            return self.normalizer.normalize(text, which)  # type: ignore[arg-type]
        if stage == "zh":
            return self.zh.analyze(text)
        return espeak_phonemize(text, which)

    def jobs(self) -> list[Job]:
        """Normalisation of every text, then phonemes of every run of its normalised form: Han
        runs through ZhG2P and Baker phones, the rest through espeak-ng in two voices (en-us, which
        en-joe uses, and en-gb), so that threads switch espeak's one global voice under each other."""
        jobs: list[Job] = []
        for text in TEXTS:
            lang = dominant_script(text)
            jobs.append(("normalize", lang, text))
            for run in language_runs(self.normalizer.normalize(text, lang)):
                if run.script == "zh":
                    jobs.append(("zh", "", run.text))
                else:
                    jobs += [("espeak", "en-us", run.text), ("espeak", "en-gb-x-rp", run.text)]
        return jobs


@pytest.fixture(scope="module")
def frontend() -> Frontend:
    g2p = ZhG2P()
    g2p.warm_up()
    mapper = json.loads((BAKER_DIR / "baker_mapper.json").read_text(encoding="utf-8"))
    normalizer = TextNormalizer()
    normalizer.warm_up()
    return Frontend(normalizer, ZhFrontend(g2p, BakerPhonemizer(mapper["pinyin_dict"])))


@pytest.fixture
def frequent_thread_switches() -> Iterator[None]:
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


def _run_concurrently(jobs: list[Job], run: Callable[[Job], Any]) -> list[list[tuple[Job, Any]]]:
    """Each thread runs all `jobs` in its own shuffled order, all starting at one barrier."""
    barrier = threading.Barrier(THREADS, timeout=60)

    def work(seed: int) -> list[tuple[Job, Any]]:
        order = list(jobs)
        random.Random(seed).shuffle(order)
        barrier.wait()
        return [(job, run(job)) for job in order]

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(work, range(THREADS)))


def test_shared_frontend_gives_single_thread_results_on_many_threads(
    frontend: Frontend, frequent_thread_switches: None
) -> None:
    jobs = frontend.jobs()
    expected = {job: frontend.run(job) for job in jobs}
    assert len(expected) > 100 and {stage for stage, _, _ in expected} == {"normalize", "zh", "espeak"}

    mismatches = [
        f"{job}: {result!r} != {expected[job]!r}"
        for results in _run_concurrently(jobs, frontend.run)
        for job, result in results
        if result != expected[job]
    ]
    assert not mismatches, "\n".join(mismatches[:10])


def test_first_use_of_a_cold_g2p_from_many_threads_initialises_jieba_once(frequent_thread_switches: None) -> None:
    """jieba builds its prefix dictionary on first use; threads arriving together must wait for
    it, not read a half-built one."""
    g2p = ZhG2P()
    texts = [t for t in TEXTS if dominant_script(t) == "zh"][:THREADS]
    barrier = threading.Barrier(THREADS, timeout=60)

    def work(text: str) -> list[Any]:
        barrier.wait()
        return g2p.words(text)

    with ThreadPoolExecutor(THREADS) as pool:
        concurrent = list(pool.map(work, texts))
    assert concurrent == [g2p.words(text) for text in texts]
