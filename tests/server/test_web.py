"""The web page in real headless Chromium (Debian's), driven by Playwright."""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import av
import httpx
import pytest

from tests.server.conftest import Server
from tests.ssml_documents import DOCUMENTS

if TYPE_CHECKING:
    from playwright.sync_api import Page

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


@contextlib.contextmanager
def opened(server: Server) -> Iterator[Page]:
    """The page in a fresh headless Chromium, closed however the test ends."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(server.url + "/")
            yield page
        finally:
            browser.close()


def test_synthesize_in_the_browser(server: Server, artifacts: Path) -> None:
    with opened(server) as page:
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


def test_error_is_shown_to_the_user(server: Server) -> None:
    with opened(server) as page:
        page.fill("#text", "   ")
        page.click("#go")
        page.wait_for_selector("#state[data-state='failed']", timeout=30_000)
        assert "input is empty" in page.inner_text("#error")


# The emoji is not spoken but shifts every later offset by one code point (two UTF-16 units).
MIXED = "Hello 😀 world, this is warm speech. 你好世界。"
MIXED_MARKS = ["Hello", "world", "this", "is", "warm", "speech", "你", "好", "世", "界"]
SSML_EXAMPLE = (
    '<speak>我们去<phoneme alphabet="pinyin" ph="yin2 hang2">银行</phoneme>取钱。'
    '<break time="300ms"/>Then we go home.</speak>'
)


def synthesize_and_watch(page: Page) -> dict[str, object]:
    page.click("#go")
    return watch_highlight(page)


def watch_highlight(page: Page, deadline_seconds: float = 90.0) -> dict[str, object]:
    """Poll the page's text view until the stream is done and its playback has ended.

    Returns `marks` (each mark's text as the page shows it, by index), `polled` (the index of
    the `.speaking` mark at each poll, consecutive repeats dropped), `heard` (the order the page
    itself recorded, every mark it highlighted), whether anything was left highlighted, and
    `off_by`: how far, at worst, the audio clock stood outside the highlighted mark's times, and
    `ahead`: how far, at worst, a highlighted word started past the end of the audio received.
    """
    polled: list[int] = []
    off_by = ahead = 0.0
    deadline = time.monotonic() + deadline_seconds
    while True:
        assert time.monotonic() < deadline, "playback did not end in time"
        now = page.evaluate(
            """() => {
                const view = document.getElementById('spoken');
                const speaking = view.querySelector('.speaking');
                // Where playback is: the audio element's time on replay; live, the AudioContext
                // clock from the stream's first scheduled sample, while no gap has come (a stream
                // that ran dry holds its words back; the page's clock allows for that, this not).
                const element = document.getElementById('player');
                const first = streaming && streaming.stretches.length === 1 ? streaming.stretches[0] : null;
                const clock = first && audioContext.currentTime - (audioContext.outputLatency || 0) - first.at;
                const live = !element.paused ? element.currentTime : first && clock <= first.seconds ? clock : null;
                const received = element.paused && streaming ? streaming.scheduled : null;
                return { state: document.getElementById('state').dataset.state, view: view.dataset.state, received,
                         speaking: speaking ? Number(speaking.dataset.mark) : -1, live,
                         start: speaking ? Number(speaking.dataset.start) : null,
                         end: speaking ? Number(speaking.dataset.end) : null };
            }"""
        )
        assert now["state"] != "failed", page.inner_text("#error")
        if now["speaking"] >= 0 and (not polled or polled[-1] != now["speaking"]):
            polled.append(now["speaking"])
        if now["speaking"] >= 0 and now["live"] is not None:
            off_by = max(off_by, now["start"] - now["live"], now["live"] - now["end"])
        if now["speaking"] >= 0 and now["received"] is not None:
            ahead = max(ahead, now["start"] - now["received"])
        if now["state"] == "done" and now["view"] == "stopped":
            break
        page.wait_for_timeout(15)
    return page.evaluate(
        """(polled) => {
            const view = document.getElementById('spoken');
            const marks = [];
            for (const span of view.querySelectorAll('.mark')) {
                const i = Number(span.dataset.mark);
                marks[i] = (marks[i] || '') + span.textContent;
            }
            return { marks, polled, heard: (view.dataset.heard || '').split(' ').filter(Boolean).map(Number),
                     left: view.querySelectorAll('.speaking, .spoken').length, count: Number(view.dataset.marks) };
        }""",
        polled,
    ) | {"off_by": off_by, "ahead": ahead}


def assert_highlighting_followed(seen: dict[str, object]) -> None:
    marks, polled, heard = seen["marks"], seen["polled"], seen["heard"]
    assert isinstance(marks, list) and isinstance(polled, list) and isinstance(heard, list)
    assert seen["count"] == len(marks)
    # Polled from outside while it played: the highlight moved forward through several words.
    assert len(polled) >= 4, f"highlight seen on only {polled}"
    assert polled == sorted(polled), f"highlight went backwards: {polled}"
    # The page's own record: every word was highlighted, once each, in order.
    assert heard == list(range(len(marks))), f"highlighted {heard} of {len(marks)} marks"
    assert seen["left"] == 0, "something is still highlighted after playback ended"
    # The highlighted word is the one playing (give or take an animation frame and a poll).
    assert seen["off_by"] < 0.2, f"the highlight was {seen['off_by']:.3f} s away from the audio"
    assert seen["ahead"] <= 0, f"a word was highlighted {seen['ahead']:.3f} s past the audio received"


def test_the_word_being_heard_is_highlighted(server: Server) -> None:
    with opened(server) as page:
        page.fill("#text", MIXED)
        seen = synthesize_and_watch(page)
        assert seen["marks"] == MIXED_MARKS
        assert_highlighting_followed(seen)
        # Replaying the kept audio highlights again, by the audio element's clock.
        page.evaluate("document.getElementById('player').play()")
        page.wait_for_selector("#spoken[data-state='playing']")
        assert_highlighting_followed(watch_highlight(page))
        # A new request mid-replay stops the replay and its highlight; the new one starts afresh.
        page.evaluate("document.getElementById('player').play()")
        page.wait_for_function("document.getElementById('spoken').dataset.heard.split(' ').length >= 3")
        seen = synthesize_and_watch(page)
        assert page.evaluate("document.getElementById('player').paused")
        assert_highlighting_followed(seen)
        # The view shows exactly what was sent; a click on it returns to the editable text.
        assert page.is_hidden("#text") and page.inner_text("#spoken") == MIXED
        page.click("#spoken")
        assert page.is_visible("#text") and page.is_hidden("#spoken")
        assert page.input_value("#text") == MIXED
        assert page.evaluate("document.activeElement.id") == "text"


def test_highlight_waits_when_the_stream_runs_dry(server: Server) -> None:
    with opened(server) as page:
        # 30 kB/s is slower than the stream's base64 PCM (24 kHz: 64 kB/s): playback must stall.
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions",
                 {"offline": False, "latency": 0, "downloadThroughput": 30_000, "uploadThroughput": 1_000_000})
        page.fill("#text", MIXED)
        seen = synthesize_and_watch(page)
        assert page.evaluate("streaming.stretches.length") > 1, "the stream never ran dry"
        assert seen["marks"] == MIXED_MARKS
        assert_highlighting_followed(seen)


def test_ssml_in_the_page(server: Server) -> None:
    with opened(server) as page:
        page.click("#ssml-example")
        assert page.input_value("#text") == SSML_EXAMPLE
        seen = synthesize_and_watch(page)
        # Marks point into the SSML source's text, never into its tags, which are shown dimmed.
        assert seen["marks"] == ["我", "们", "去", "银", "行", "取", "钱", "Then", "we", "go", "home"]
        assert_highlighting_followed(seen)
        assert page.inner_text("#spoken") == SSML_EXAMPLE
        tags = page.eval_on_selector_all("#spoken .tag", "tags => tags.map(t => t.textContent)")
        assert tags == ["<speak>", '<phoneme alphabet="pinyin" ph="yin2 hang2">', "</phoneme>",
                        '<break time="300ms"/>', "</speak>"]
        assert page.eval_on_selector_all("#spoken .tag", "tags => tags.every(t => t.ariaHidden === 'true')")
        assert page.is_hidden("#error") and page.is_hidden("#notice")

        # A tag the server does not know is read as text and named on the page.
        page.click("#edit")
        page.fill("#text", "<speak>Hello <whisper>world</whisper>.</speak>")
        seen = synthesize_and_watch(page)
        assert seen["marks"] == ["Hello", "world"]
        assert page.is_visible("#notice") and "whisper" in page.inner_text("#notice")

        # Invalid SSML: the server's 400 message, with its line and column, is shown.
        page.click("#edit")
        for invalid in ['<speak><break time="fast"/></speak>', "<speak>Hello <s>world</speak>"]:
            page.fill("#text", invalid)
            page.click("#go")
            page.wait_for_selector("#state[data-state='failed']", timeout=30_000)
            error = page.inner_text("#error")
            assert re.search(r"SSML line \d+, column \d+: \S", error), error
            assert page.is_visible("#text"), "the text to fix should stay editable"


def test_a_dtd_in_the_page_is_refused_and_a_prolog_is_ssml(server: Server) -> None:
    """The page reads SSML by the server's rule (its X-Input-Format header), not one of its own:
    a DTD is the parser's 400, shown with its line and column; a declaration and a comment
    before <speak> are SSML, their tags dimmed and never spoken."""
    with opened(server) as page:
        for document, refusal in DOCUMENTS:
            page.fill("#text", document)
            page.click("#go")
            page.wait_for_selector("#state[data-state='failed']", timeout=30_000)
            assert page.inner_text("#error") == refusal
            assert page.is_visible("#text") and page.input_value("#text") == document
        prolog = '<?xml version="1.0"?>\n<!-- greeting -->\n<speak>你好<break time="300ms"/>世界。</speak>'
        page.fill("#text", prolog)
        seen = synthesize_and_watch(page)
        assert seen["marks"] == ["你", "好", "世", "界"]
        tags = page.eval_on_selector_all("#spoken .tag", "tags => tags.map(t => t.textContent)")
        assert tags == ['<?xml version="1.0"?>', "<!-- greeting -->", "<speak>", '<break time="300ms"/>', "</speak>"]


def test_speak_as_i_type(server: Server) -> None:
    """Typing mode: each sentence is heard while typing goes on, over the realtime socket; an
    edit inside the text stops the audio (input_text.clear) and typing goes on from there."""
    status = "#typing-status"
    with opened(server) as page:
        page.wait_for_selector("#voice option[value='zh-baker']", state="attached")
        page.fill("#text", "")
        page.check("#typing")
        page.wait_for_selector(f"{status}[data-state='open']", timeout=30_000)
        assert page.is_disabled("#go")
        page.locator("#text").press_sequentially("今天天气很好。我们", delay=10)
        # Heard before the rest is typed: else this waits and fails.
        page.wait_for_selector(f"{status}[data-state='speaking']", timeout=30_000)
        assert page.get_attribute(status, "data-words") == "今 天 天 气 很 好"
        page.locator("#text").press_sequentially("去公园吧。Hello there, friend. ", delay=10)
        page.wait_for_function(
            "s => document.querySelector(s).dataset.words.endsWith('friend')", arg=status, timeout=30_000
        )
        assert page.get_attribute(status, "data-words") == "今 天 天 气 很 好 我 们 去 公 园 吧 Hello there friend"
        scheduled = page.evaluate("typing.player.scheduled")
        assert scheduled > 2.0  # seconds of audio queued on the page's AudioContext
        page.fill("#text", "")  # not an append: barge-in
        page.wait_for_selector(f"{status}[data-clears='1']", state="attached", timeout=30_000)
        page.locator("#text").press_sequentially("新的一句。好", delay=10)
        page.wait_for_function(
            "s => document.querySelector(s).dataset.words.endsWith('新 的 一 句')", arg=status, timeout=30_000
        )


def test_a_late_frame_still_shows_every_word_in_order(server: Server) -> None:
    """The page's highlighter on a clock that its first frame already finds past two short words:
    they are shown one a frame before the live word, not skipped."""
    with opened(server) as page:
        heard = page.evaluate(
            """() => new Promise((done) => {
                const view = document.createElement('div');
                document.body.append(view);
                const highlighter = new Highlighter(view, 'a b c d', false);
                highlighter.add([0, 2, 4, 6].map((offset, i) => ({ offset, length: 1, start: i * 0.1, end: i * 0.1 + 0.1 })));
                const positions = [0.25, 0.25, 0.25, 0.35, 0.35];
                const clock = { position: () => positions.length > 1 ? positions.shift() : positions[0],
                                ended: () => positions.length === 1 && highlighter.current === 3 };
                highlighter.follow(clock);
                const wait = () => view.dataset.state === 'stopped' ? done(view.dataset.heard) : setTimeout(wait, 10);
                wait();
            })"""
        )
    assert heard == "0 1 2 3"
