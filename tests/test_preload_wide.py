"""The preload runs the wide sessions too: the server's warm-up keeps every call narrow (it holds
every worker at once, as under load), so a lone stream's wide sessions ran first with a request."""

from __future__ import annotations

from warmtts.config import Settings
from warmtts.engine import Engine
from warmtts.preload import Preloader
from warmtts.voices.onnx_session import Model


def narrow_warm_up(engine: Engine, voice_id: str) -> None:
    for _ in engine.synthesize_stream("Hello there.", voice_id):
        pass


def test_the_preload_runs_every_wide_session_though_its_warm_up_stays_narrow() -> None:
    preloader = Preloader(Settings(onnx_threads=1, wide_threads=2), may_widen=lambda: False, voices={"en-joe"})
    engine = preloader.run(warm_voice=narrow_warm_up)
    models = [m for m in vars(engine.voices.get("en-joe")).values() if isinstance(m, Model) and m.widens]
    assert len(models) == 3  # the prior, the flow and the decoder
    assert all(m.ran_wide for m in models)
    assert not preloader.may_widen()  # after the preload, the server's rule again


def test_a_preload_without_warm_up_runs_no_wide_session() -> None:
    """The CLI's: its calls widen as they come (`may_widen` always), no warm-up of its own."""
    preloader = Preloader(Settings(onnx_threads=1, wide_threads=2), voices={"en-joe"})
    engine = preloader.run()
    models = [m for m in vars(engine.voices.get("en-joe")).values() if isinstance(m, Model) and m.widens]
    assert models and not any(m.ran_wide for m in models)
