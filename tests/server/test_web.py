"""The web page in real headless Chromium (Debian's), driven by Playwright."""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import av
import httpx
import pytest

from tests.server.conftest import Server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required",
]
TEXT = "春天来了，花园里的花都开了。小鸟在树上唱歌，孩子们在草地上奔跑。Hello from the web page."

# Locally a missing browser skips these tests; in CI (.ci/run installs it) it is a failure.
pytestmark = pytest.mark.skipif(
    shutil.which(CHROMIUM) is None and not os.environ.get("CI"), reason="Debian chromium is not installed"
)


def test_synthesize_in_the_browser(server: Server, artifacts: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(server.url + "/")
            assert page.locator("#go").inner_text() == "开始合成 / Synthesize"
            page.wait_for_selector("#voice option[value='zh-baker']", state="attached")
            page.fill("#text", TEXT)
            page.select_option("#format", "mp3")
            # Record what the page shows over time: states and progress values.
            page.evaluate(
                """() => {
                    window.seen = { states: [], progress: [] };
                    new MutationObserver(() => window.seen.states.push(document.getElementById('state').textContent))
                        .observe(document.getElementById('state'), { childList: true, characterData: true, subtree: true });
                    setInterval(() => window.seen.progress.push(document.getElementById('progress').value), 10);
                }"""
            )
            tts_before = server.log.read_text().count("route=/tts")
            page.click("#go")
            page.wait_for_selector("#state[data-state='done']", timeout=60_000)
            seen = page.evaluate("window.seen")
            assert seen["states"][0] == "合成中… / Synthesizing…"
            assert "播放中，继续合成… / Playing, still synthesizing…" in seen["states"]
            assert any(0 < p < 1 for p in seen["progress"]), "progress never advanced gradually"
            assert page.eval_on_selector("#progress", "p => p.value") == 1
            assert page.inner_text("#ttfa").endswith(" ms")
            assert float(page.inner_text("#rtf")) > 0
            duration = page.evaluate(
                """() => new Promise((resolve, reject) => {
                    const audio = document.getElementById('player');
                    if (audio.readyState >= 1) return resolve(audio.duration);
                    audio.addEventListener('loadedmetadata', () => resolve(audio.duration));
                    audio.addEventListener('error', () => reject(new Error('audio element cannot play')));
                })"""
            )
            assert 4.0 < duration < 20.0
            page.wait_for_selector("#download:not([hidden])")
            assert page.get_attribute("#download", "download") == "warmtts.mp3"
            # The link is the server's copy of what was streamed, not a second synthesis.
            kept = httpx.get(server.url + page.get_attribute("#download", "href"))
            assert kept.status_code == 200 and kept.headers["content-type"] == "audio/mpeg"
            with av.open(io.BytesIO(kept.content)) as container:
                stream = container.streams.audio[0]
                seconds = sum(f.samples for f in container.decode(stream)) / stream.rate
            assert seconds == pytest.approx(duration, abs=0.1)
            assert server.log.read_text().count("route=/tts") == tts_before
            page.screenshot(path=str(artifacts / "web-page.png"), full_page=True)
        finally:
            browser.close()


def test_error_is_shown_to_the_user(server: Server) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(server.url + "/")
            page.fill("#text", "   ")
            page.click("#go")
            page.wait_for_selector("#state[data-state='failed']", timeout=30_000)
            assert "input is empty" in page.inner_text("#error")
        finally:
            browser.close()
