"""bench/profile.py's pure parts: a py-spy sample is filed under the stage of its innermost
recognised frame, and the vocoder's context share follows the window plan."""

from __future__ import annotations

import pytest

from bench.profile import context_share, markdown, stage_of, table, tally
from warmtts.voices.windows import WindowPlan

MAIN = "thread (1): MainThread;<module> (warmtts/cli.py:277);cmd_say (warmtts/cli.py:144)"
SAY = MAIN + ";write_chunks (warmtts/audio/files.py:36);Engine._chunks (warmtts/engine.py:252)"
ORT = ";Model.run (warmtts/voices/onnx_session.py:95);Session.run (onnxruntime/capi/x.py:406)"


def test_samples_are_filed_by_their_innermost_known_frame() -> None:
    assert stage_of(SAY + ";PiperVoice.synthesize (warmtts/voices/piper_voice.py:142);decode_windows "
                    "(warmtts/voices/windows.py:67);PiperVoice.decode (warmtts/voices/piper_voice.py:131)" + ORT) \
        == "vocoder windows"
    assert stage_of(SAY + ";PiperVoice.prior (warmtts/voices/piper_voice.py:126)" + ORT) == "acoustic model"
    assert stage_of(SAY + ";BakerVoice.mel (warmtts/voices/baker.py:80)" + ORT) == "acoustic model"
    assert stage_of(SAY + ";Level.apply (warmtts/voices/loudness.py:49);clip (numpy/core/x.py:1)") \
        == "loudness and limiter"
    assert stage_of(SAY + ";TextNormalizer.normalize (warmtts/text/normalize.py:99);tag (wetext/utils.py:276)") \
        == "text stages"
    assert stage_of(SAY + ";SoundFile.write (soundfile.py:1)") == "encoding and writing"
    assert stage_of(SAY) == "Python between calls"
    assert stage_of(MAIN + ";build_engine (warmtts/preload.py:200);x (y.py:1)") == "start-up"
    assert stage_of("thread (2): preload_0;ZhG2P.__init__ (warmtts/phonemes/zh_pinyin.py:1)") == "start-up"
    assert stage_of(MAIN + ";_find_and_load (<frozen importlib._bootstrap>:1176)") == "start-up"


def test_tally_and_table_add_up() -> None:
    raw = (f"{SAY};PiperVoice.decode (warmtts/voices/piper_voice.py:131){ORT} 30\n"
           f"{MAIN};_find_and_load (<frozen importlib._bootstrap>:1176) 10\n")
    counts = tally(raw)
    assert counts == {"vocoder windows": 30, "start-up": 10}
    rows = {r["stage"]: r["share"] for r in table(counts, context=0.25)}
    assert rows["vocoder windows: own frames"] == pytest.approx(0.75 * 0.75)
    assert rows["vocoder windows: context (by the plan)"] == pytest.approx(0.75 * 0.25)
    assert rows["start-up"] == pytest.approx(0.25)
    result = {"meta": {"command": "python -m bench.profile", "started": "now",
                       "machine": {"cpu": "c", "cores": 1, "memory_gib": 1, "os": "o", "python": "3",
                                   "onnxruntime": "1", "piper-tts": "1"}},
              "profiles": [{"voice": "en-joe", "audio_seconds": 9.0, "samples": 40, "command": "py-spy …",
                            "rows": table(counts, 0.25)}]}
    assert "| vocoder windows: own frames | 56.2 % | 75.0 % |" in markdown(result)


def test_context_share_counts_the_frames_decoded_beyond_those_kept() -> None:
    plan = WindowPlan(first_frames=10, max_frames=10, context=5)
    # windows (0,10), (10,20), (20,30): decoded 15 + 20 + 15 = 50 frames for 30 kept
    assert context_share(30, plan) == pytest.approx(1 - 30 / 50)
    assert context_share(8, plan) == 0.0  # one window, nothing either side
