"""Wyoming beside HTTP, with the wyoming package's own TCP client against a real server."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncClient
from wyoming.error import Error
from wyoming.event import Event
from wyoming.info import Describe, Info
from wyoming.tts import Synthesize, SynthesizeChunk, SynthesizeStart, SynthesizeStop, SynthesizeStopped, SynthesizeVoice

from tests.server.conftest import Server, free_port, start_server, stop_server
from tests.ssml_documents import DOCUMENTS

ZH = "今天天气很好，我们一起去公园散步吧。"
STREAMED = ["春天来了，花园里", "的花都开了。小鸟在树上", "唱歌。孩子们在草地上奔跑"]


@pytest.fixture(scope="module")
def wyoming_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str]]:
    uri = f"tcp://127.0.0.1:{free_port()}"
    server = start_server(tmp_path_factory.mktemp("wyoming"), WARMTTS_WYOMING_URI=uri)
    try:
        server.wait("/ready", 200)
        yield server, uri
    finally:
        stop_server(server)


async def exchange(uri: str, events: list[Event], until: str, gap: float = 0.0) -> list[Event]:
    """Send `events` (`gap` seconds apart), then read until an event of type `until` (or Error)."""
    received: list[Event] = []
    async with AsyncClient.from_uri(uri) as client:

        async def read() -> None:
            while (event := await asyncio.wait_for(client.read_event(), 60)) is not None:
                received.append(event)
                if event.type in (until, "error"):
                    return

        reader = asyncio.ensure_future(read())
        for event in events:
            await client.write_event(event)
            await asyncio.sleep(gap)
        await reader
    return received


def audio_of(events: list[Event]) -> bytes:
    return b"".join(AudioChunk.from_event(e).audio for e in events if AudioChunk.is_type(e.type))


def test_describe_lists_every_voice(wyoming_server: tuple[Server, str]) -> None:
    _, uri = wyoming_server
    (event,) = asyncio.run(exchange(uri, [Describe().event()], "info"))
    (program,) = Info.from_event(event).tts
    assert program.supports_synthesize_streaming and program.installed
    voices = {voice.name: voice for voice in program.voices}
    assert voices["zh-baker"].languages == ["zh"] and voices["en-joe"].languages == ["en"]
    assert all(voice.installed and voice.attribution.name for voice in voices.values())


def test_synthesize_sends_the_same_audio_as_http(wyoming_server: tuple[Server, str]) -> None:
    server, uri = wyoming_server
    request = Synthesize(text=ZH, voice=SynthesizeVoice(name="zh-baker")).event()
    events = asyncio.run(exchange(uri, [request], "audio-stop"))
    assert AudioStart.is_type(events[0].type) and AudioStop.is_type(events[-1].type)
    start = AudioStart.from_event(events[0])
    assert (start.rate, start.width, start.channels) == (24000, 2, 1)
    http = httpx.post(server.url + "/v1/audio/speech", json={"input": ZH, "voice": "zh-baker", "response_format": "pcm"})
    assert audio_of(events) == http.content  # zh-baker is deterministic


def test_streamed_text_is_spoken_sentence_by_sentence(wyoming_server: tuple[Server, str]) -> None:
    server, uri = wyoming_server
    voice = SynthesizeVoice(name="zh-baker")
    # As Home Assistant sends an LLM's answer: start, text as it comes, the whole text once more
    # for servers that cannot stream (ignored here), stop.
    events = [SynthesizeStart(voice=voice).event(), *(SynthesizeChunk(text=t).event() for t in STREAMED),
              Synthesize(text="".join(STREAMED), voice=voice).event(), SynthesizeStop().event()]

    async def converse() -> list[Event]:
        received: list[Event] = []
        async with AsyncClient.from_uri(uri) as client:
            for event in events[:2]:  # the start, and text with no complete sentence yet
                await client.write_event(event)
            await client.write_event(events[2])  # completes the first sentence
            # Its audio comes while the rest of the text is still unsent (else this times out).
            while not AudioChunk.is_type((event := await asyncio.wait_for(client.read_event(), 60)).type):
                received.append(event)
            received.append(event)
            for event in events[3:]:
                await client.write_event(event)
            while not SynthesizeStopped.is_type((event := await asyncio.wait_for(client.read_event(), 60)).type):
                received.append(event)
            received.append(event)
        return received

    received = asyncio.run(converse())
    types = [e.type for e in received]
    assert types[0] == "audio-start" and types.count("audio-start") == 1 and types.count("audio-stop") == 1
    assert types[-2:] == ["audio-stop", "synthesize-stopped"]
    whole = httpx.post(server.url + "/v1/audio/speech", timeout=60,
                       json={"input": "".join(STREAMED), "voice": "zh-baker", "response_format": "pcm"})
    spoken = len(audio_of(received)) / 2 / 24000
    # Three sentences, each spoken once: about as long as the whole text at once, not twice it.
    assert spoken == pytest.approx(len(whole.content) / 2 / 24000, rel=0.15)


def test_errors_come_back_as_error_events(wyoming_server: tuple[Server, str]) -> None:
    _, uri = wyoming_server
    (unknown,) = asyncio.run(exchange(uri, [Synthesize(text=ZH, voice=SynthesizeVoice(name="nobody")).event()], "audio-stop"))
    error = Error.from_event(unknown)
    assert error.code == "invalid_request_error" and "available: zh-baker, en-joe" in error.text
    (empty,) = asyncio.run(exchange(uri, [Synthesize(text="   ").event()], "audio-stop"))
    assert "input is empty" in Error.from_event(empty).text
    broken = Synthesize(text="<speak>你好<break time='fast'/></speak>", text_format="ssml").event()
    (refused,) = asyncio.run(exchange(uri, [broken], "audio-stop"))
    assert "SSML line 1, column 10" in Error.from_event(refused).text
    plain = Synthesize(text="你好", text_format="ssml").event()
    (refused,) = asyncio.run(exchange(uri, [plain], "audio-stop"))
    assert "not a <speak> document" in Error.from_event(refused).text


def test_ssml_is_spoken_whole_or_streamed(wyoming_server: tuple[Server, str]) -> None:
    """text_format ssml: the same audio as the document over HTTP; streamed, the document is
    read whole once its Stop arrives (a half document cannot be parsed)."""
    server, uri = wyoming_server
    document = '<speak>你好，<break time="300ms"/><phoneme alphabet="pinyin" ph="xing2">行</phoneme>。</speak>'
    voice = SynthesizeVoice(name="zh-baker")
    whole = asyncio.run(exchange(uri, [Synthesize(text=document, voice=voice, text_format="ssml").event()], "audio-stop"))
    http = httpx.post(server.url + "/v1/audio/speech", json={"input": document, "voice": "zh-baker", "response_format": "pcm"})
    assert http.status_code == 200 and audio_of(whole) == http.content
    parts = [document[:20], document[20:50], document[50:]]
    streamed = asyncio.run(exchange(uri, [
        SynthesizeStart(voice=voice, text_format="ssml").event(), *(SynthesizeChunk(text=p).event() for p in parts),
        SynthesizeStop().event(),
    ], "synthesize-stopped"))
    assert audio_of(streamed) == http.content


@pytest.mark.parametrize(("document", "refusal"), DOCUMENTS)
def test_a_dtd_is_refused_as_ssml_or_text_whole_or_streamed(
    wyoming_server: tuple[Server, str], document: str, refusal: str
) -> None:
    """A document with a DTD gets the parser's refusal however it comes: as ssml or as plain
    text, whole or streamed in pieces (the first of which is "<", not yet recognisable)."""
    _, uri = wyoming_server
    pieces = [document[:1], document[1:30], document[30:]]
    for text_format in ("ssml", "text", None):
        (whole,) = asyncio.run(exchange(uri, [Synthesize(text=document, text_format=text_format).event()], "audio-stop"))
        assert Error.from_event(whole).text == refusal, text_format
        streamed = asyncio.run(exchange(uri, [
            SynthesizeStart(text_format=text_format).event(), *(SynthesizeChunk(text=p).event() for p in pieces),
            SynthesizeStop().event(),
        ], "synthesize-stopped"))
        assert [e.type for e in streamed] == ["error"], text_format  # no audio before it: nothing was read aloud
        assert Error.from_event(streamed[0]).text == refusal, text_format


def test_not_ready_is_an_error_not_a_hang(tmp_path: Path) -> None:
    uri = f"tcp://127.0.0.1:{free_port()}"
    server = start_server(tmp_path, WARMTTS_WYOMING_URI=uri, WARMTTS_PRELOAD_DELAY_SECONDS="30")
    try:
        server.wait("/health", 200)
        (event,) = asyncio.run(exchange(uri, [Synthesize(text=ZH).event()], "audio-stop"))
        error = Error.from_event(event)
        assert error.code == "service_unavailable" and "not ready" in error.text
    finally:
        stop_server(server)
