"""The texts every server speaks in the benchmark: the timed cases and the concurrency mixes.

The English sentence and paragraph translate the Chinese ones, so both languages are timed on
the same content and the same clause structure. The short and long English sentences time how
first audio grows with length (issue 11: the long one has no comma to split at); the mp3 and
opus cases repeat a sentence in an encoded format. Piper speaks English WAV only, so each server
runs the cases `cases_for` keeps for its languages and formats.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    """One text to time; `voice` is warmtts's voice id (Piper has only the one model it serves)."""

    id: str
    language: str
    voice: str
    text: str
    format: str = "pcm"  # warmtts's response_format; "pcm" is Piper's WAV (uncompressed either way)


ZH_SENTENCE = "今天下午三点，我们在公司楼下的咖啡馆见面，讨论新项目的安排。"
ZH_PARAGRAPH = (
    "春天来了，城市里的公园渐渐热闹起来。清晨，老人们在湖边打太极拳，年轻人沿着小路跑步，"
    "孩子们在草地上放风筝。到了中午，附近写字楼里的上班族三三两两地走出来，在树荫下吃午饭、聊天。"
    "公园管理处今年新修了两条步道，还在东门附近增加了一个小型图书角，市民可以免费借阅。"
    "据统计，今年三月份公园的游客数量比去年同期增长了百分之二十左右。"
    "管理处的负责人说，他们希望把公园打造成一个真正属于市民的公共空间，"
    "让每个人都能在忙碌的生活中找到片刻的宁静。下一步，他们还计划在夏天举办露天音乐会和电影放映活动，"
    "欢迎大家带着家人和朋友一起来参加。如果天气不好，活动会改到室内举行，具体时间请关注官方通知。"
)
EN_SENTENCE = (
    "At three this afternoon, we will meet in the café downstairs and talk about the plans for the new project."
)
EN_PARAGRAPH = (
    "Spring has arrived, and the city's parks are slowly coming back to life. In the early morning, "
    "older residents practise tai chi by the lake, while runners follow the winding paths and children "
    "fly kites on the grass. At noon, office workers from the nearby towers come out in small groups "
    "to eat lunch in the shade and talk about their day. This year the park service has built two new "
    "walking trails and opened a small library near the east gate, where anyone can borrow a book for "
    "free. According to the latest count, visitor numbers in March were about twenty percent higher "
    "than a year ago. The park's director says she hopes the park will feel like a place that truly "
    "belongs to the people of the city."
)

EN_SHORT = "Please close the door quietly."
EN_LONG_CLAUSE = "The quick brown fox jumps over the lazy dog near the river bank, and then it runs away."
EN_LONG = (
    "The old lighthouse keeper climbed the narrow stairs every evening to light the great lamp"
    " that guided the fishing boats safely back into the harbour after dark."
)

CASES: tuple[Case, ...] = (
    Case("zh-sentence", "zh", "zh-baker", ZH_SENTENCE),
    Case("zh-paragraph", "zh", "zh-baker", ZH_PARAGRAPH),
    Case("en-short", "en", "en-joe", EN_SHORT),
    Case("en-sentence", "en", "en-joe", EN_SENTENCE),
    Case("en-long-clause", "en", "en-joe", EN_LONG_CLAUSE),
    Case("en-long", "en", "en-joe", EN_LONG),
    Case("en-paragraph", "en", "en-joe", EN_PARAGRAPH),
    Case("en-sentence-mp3", "en", "en-joe", EN_SENTENCE, "mp3"),
    Case("en-sentence-opus", "en", "en-joe", EN_SENTENCE, "opus"),
    Case("zh-sentence-mp3", "zh", "zh-baker", ZH_SENTENCE, "mp3"),
)

_EN_MIX = (
    EN_SENTENCE,
    "The train to Boston leaves from platform four at half past nine tomorrow morning.",
    "Please turn left at the next intersection, then drive straight on for three hundred metres.",
    "Our meeting has been moved to half past three this afternoon, please be on time.",
    "If it rains tomorrow, the game will be postponed.",
)
_ZH_MIX = (
    ZH_SENTENCE,
    "请在下一个路口向左转，然后直走三百米。",
    "我们的会议改到下午三点半，请大家准时参加。",
    "如果明天下雨，比赛就会推迟举行。",
    "开往波士顿的火车明天早上九点半从四号站台出发。",
)

# Each concurrent client cycles through its mix's sentences, starting at a different one. A mix's
# key names it in the results ("en-mp3": the English sentences answered as mp3).
MIXES: dict[str, tuple[Case, ...]] = {
    "zh": tuple(Case(f"zh-mix-{i}", "zh", "zh-baker", text) for i, text in enumerate(_ZH_MIX)),
    "en": tuple(Case(f"en-mix-{i}", "en", "en-joe", text) for i, text in enumerate(_EN_MIX)),
    "en-mp3": tuple(Case(f"en-mp3-mix-{i}", "en", "en-joe", text, "mp3") for i, text in enumerate(_EN_MIX)),
}


def runs(case: Case, languages: tuple[str, ...], formats: tuple[str, ...]) -> bool:
    """Whether a server speaking `languages` in `formats` can answer `case`."""
    return case.language in languages and case.format in formats


def cases_for(languages: tuple[str, ...], formats: tuple[str, ...]) -> tuple[Case, ...]:
    return tuple(case for case in CASES if runs(case, languages, formats))


def mixes_for(languages: tuple[str, ...], formats: tuple[str, ...]) -> dict[str, tuple[Case, ...]]:
    return {key: mix for key, mix in MIXES.items() if all(runs(case, languages, formats) for case in mix)}


def pcm_twin(case: Case) -> Case | None:
    """The pcm case with `case`'s text and voice, which an encoded case's timings are held against."""
    return next(
        (c for c in CASES if c.format == "pcm" and c.text == case.text and c.voice == case.voice and c != case), None
    )
