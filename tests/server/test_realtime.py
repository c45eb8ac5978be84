"""The realtime WebSocket with the real `websockets` client against a real server."""

from __future__ import annotations

import asyncio
import base64
import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosedOK, InvalidStatus

from tests.polling import poll
from tests.server.conftest import Server, start_server, stop_server

KEY = "realtime-test-key"
AUTH = {"Authorization": f"Bearer {KEY}"}
PATH = "/v1/audio/speech/realtime"
EN = "Hello there, my friend. The weather is lovely today, so we walk to the park. See you soon!"
ZH = "春天来了，花园里的花都开了。小鸟在树上唱歌。孩子们在草地上奔跑。"
MIXED = "今天我们用Python写代码。Then we test it twice, 然后休息一下。"
# More than two minutes of speech, well under the buffer limit set below.
LONG = " ".join(f"Sentence number {n} is here to keep the speaker busy for a while." for n in range(1, 9))


def tokens(text: str) -> list[str]:
    """As an LLM sends text: pieces of two to four characters, words cut anywhere."""
    return [text[i : i + 3] for i in range(0, len(text), 3)]


@pytest.fixture(scope="module")
def rt_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    # One worker and no queue: a stream that holds its place makes the next request a refusal.
    server = start_server(
        tmp_path_factory.mktemp("realtime"), WARMTTS_API_KEY=KEY, WARMTTS_WORKERS="1", WARMTTS_MAX_QUEUE="0",
        WARMTTS_REALTIME_MAX_SESSIONS="3", WARMTTS_REALTIME_IDLE_TIMEOUT_SECONDS="4",
        WARMTTS_REALTIME_MAX_BUFFER_CHARS="1000",
    )
    try:
        server.wait("/ready", 200)
        yield server
    finally:
        stop_server(server)


def ws_url(server: Server) -> str:
    return server.url.replace("http://", "ws://") + PATH


async def send(ws: ClientConnection, kind: str, **fields: Any) -> None:
    await ws.send(json.dumps({"type": kind, **fields}))


async def receive(ws: ClientConnection) -> dict[str, Any]:
    return json.loads(await asyncio.wait_for(ws.recv(), 60))  # type: ignore[no-any-return]


async def until(ws: ClientConnection, kind: str) -> list[dict[str, Any]]:
    """Events up to and including the first of type `kind`."""
    events = []
    while True:
        event = await receive(ws)
        events.append(event)
        if event["type"] == kind:
            return events


def audio(events: list[dict[str, Any]]) -> bytes:
    return b"".join(base64.b64decode(e["delta"]) for e in events if e["type"] == "speech.audio.delta")


def marks(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m for e in events if e["type"] == "speech.audio.timestamps" for m in e["marks"]]


async def stream(server: Server, text: str, voice: str, flush: str = "input_text.end") -> list[dict[str, Any]]:
    """`text` sent token by token, then `flush`; every event after session.updated."""
    async with connect(ws_url(server), additional_headers=AUTH) as ws:
        assert (await receive(ws))["type"] == "session.created"
        await send(ws, "session.update", session={"voice": voice})
        assert (await receive(ws))["type"] == "session.updated"
        for token in tokens(text):
            await send(ws, "input_text.append", text=token)
        await send(ws, flush)
        return await until(ws, "speech.audio.done")


def http_pcm(server: Server, text: str, voice: str) -> bytes:
    response = httpx.post(server.url + "/v1/audio/speech", headers=AUTH, timeout=120,
                          json={"input": text, "voice": voice, "response_format": "pcm"})
    assert response.status_code == 200
    return response.content


def words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z]+|[\u4e00-\u9fff]", text)


@pytest.mark.parametrize(("text", "voice"), [(EN, "en-joe"), (ZH, "zh-baker"), (MIXED, "auto")])
def test_streamed_text_speaks_the_same_words_as_http(rt_server: Server, text: str, voice: str) -> None:
    events = asyncio.run(stream(rt_server, text, voice))
    done = events[-1]
    assert done["usage"]["input_characters"] == len(text) and done["sample_rate"] == 24000
    streamed = audio(events)
    assert done["usage"]["audio_seconds"] == pytest.approx(len(streamed) / 2 / 24000, abs=0.002)
    whole = http_pcm(rt_server, text, voice)
    assert len(streamed) / len(whole) == pytest.approx(1.0, abs=0.05)
    if voice == "zh-baker":  # deterministic: cut at sentence ends, the same samples
        assert streamed == whole
    # Every word heard once, in order, and each mark points at its word in the generation's text.
    found = marks(events)
    assert [m["text"] for m in found if re.fullmatch(r"[A-Za-z]+|[\u4e00-\u9fff]", m["text"])] == words(text)
    assert all(text[m["offset"] : m["offset"] + m["length"]] == m["text"] for m in found)
    starts = [m["start"] for m in found]
    assert starts == sorted(starts) and starts[-1] < done["usage"]["audio_seconds"]


def test_a_sentence_is_heard_before_the_rest_is_sent(rt_server: Server) -> None:
    async def converse() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        async with connect(ws_url(rt_server), additional_headers=AUTH) as ws:
            await receive(ws)
            for token in ["Good mor", "ning to you", ". And"]:  # the first sentence, and one more char
                await send(ws, "input_text.append", text=token)
            first = await until(ws, "speech.audio.delta")  # else this waits 60 s and fails
            await send(ws, "input_text.append", text=" good night.")
            await send(ws, "input_text.flush")
            return first, await until(ws, "speech.audio.done")

    first, rest = asyncio.run(converse())
    assert [m["text"] for m in marks(first)] == ["Good", "morning", "to", "you"]
    assert [m["text"] for m in marks(rest)] == ["And", "good", "night"]


def test_flush_speaks_unfinished_text_and_starts_a_new_generation(rt_server: Server) -> None:
    async def converse() -> list[list[dict[str, Any]]]:
        async with connect(ws_url(rt_server), additional_headers=AUTH) as ws:
            await receive(ws)
            generations = []
            for text in ["no sentence end here", "你好世界"]:
                await send(ws, "input_text.append", text=text)
                await send(ws, "input_text.flush")
                generations.append(await until(ws, "speech.audio.done"))
            return generations

    first, second = asyncio.run(converse())
    assert [m["text"] for m in marks(first)] == ["no", "sentence", "end", "here"]
    assert [(m["text"], m["offset"]) for m in marks(second)] == [("你", 0), ("好", 1), ("世", 2), ("界", 3)]
    assert marks(second)[0]["start"] < 0.5  # its time counts from its own first sample
    assert second[-1]["usage"]["input_characters"] == 4


def test_idle_text_is_spoken_but_a_word_being_written_waits(rt_server: Server) -> None:
    async def converse() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        async with connect(ws_url(rt_server), additional_headers=AUTH) as ws:
            await receive(ws)
            await send(ws, "input_text.append", text="Please wait for my fri")
            idle = await until(ws, "speech.audio.delta")  # spoken after the idle time, with no flush
            await send(ws, "input_text.append", text="end")
            await send(ws, "input_text.flush")
            return idle, await until(ws, "speech.audio.done")

    idle, rest = asyncio.run(converse())
    assert [m["text"] for m in marks(idle)] == ["Please", "wait", "for", "my"]
    assert [(m["text"], m["offset"]) for m in marks(rest)] == [("friend", 19)]


def test_clear_stops_the_audio_and_the_next_generation_works(rt_server: Server) -> None:
    def metric(name: str) -> float:
        text = httpx.get(rt_server.url + "/metrics").text
        found = re.search(rf"^{re.escape(name)} (\S+)$", text, re.M)
        return float(found.group(1)) if found else 0.0

    clears = metric("warmtts_realtime_clears_total")

    async def converse() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        async with connect(ws_url(rt_server), additional_headers=AUTH) as ws:
            await receive(ws)
            await send(ws, "input_text.append", text=LONG)
            await send(ws, "input_text.flush")
            before = await until(ws, "speech.audio.delta")
            await send(ws, "input_text.clear")
            before += await until(ws, "input_text.cleared")
            await send(ws, "input_text.append", text="Stop. ")
            await send(ws, "input_text.flush")
            return before, await until(ws, "speech.audio.done")

    before, after = asyncio.run(converse())
    assert "speech.audio.done" not in [e["type"] for e in before]  # the long text never finished
    assert len(audio(before)) / 2 / 24000 < 20  # of its two minutes or more
    # Nothing of the old text after cleared: the next event is the new text's first mark.
    assert after[0]["type"] == "speech.audio.timestamps"
    assert [(m["text"], m["offset"]) for m in marks(after)] == [("Stop", 0)]
    assert after[-1]["usage"]["input_characters"] == len("Stop. ")
    assert metric("warmtts_realtime_clears_total") == clears + 1
    assert metric('warmtts_realtime_generations_total{outcome="cleared"}') >= 1


def test_bad_messages_get_errors_and_the_session_goes_on(rt_server: Server) -> None:
    async def converse() -> list[dict[str, Any]]:
        async with connect(ws_url(rt_server), additional_headers=AUTH) as ws:
            await receive(ws)
            for raw in ["not json", "[1, 2]", '{"text": "no type"}', '{"type": "input_audio.append"}',
                        '{"type": "input_text.append", "text": 5}', '{"type": "session.update", "session": 1}']:
                await ws.send(raw)
            await ws.send(b"\x00\x01")
            await send(ws, "session.update", session={"voice": "nobody"})
            await send(ws, "session.update", session={"speed": 9})
            await send(ws, "session.update", session={"response_format": "mp3"})
            await send(ws, "session.update", session={"volume": 2})
            await send(ws, "input_text.append", text="x" * 1001)  # past the buffer limit
            errors = [await receive(ws) for _ in range(12)]
            await send(ws, "session.update", session={"voice": "zh-baker", "speed": 1.25})
            errors.append(await receive(ws))
            await send(ws, "input_text.append", text="还在。")
            await send(ws, "input_text.flush")
            errors.append((await until(ws, "speech.audio.done"))[-1])
            return errors

    events = asyncio.run(converse())
    assert all(e["type"] == "error" for e in events[:12])
    codes = [e["error"]["code"] for e in events[:12]]
    assert codes == ["invalid_json", "invalid_message", "invalid_message", "unknown_type", "invalid_message",
                     "invalid_message", "invalid_message", "invalid_value", "invalid_value", "invalid_value",
                     "invalid_value", "buffer_full"]
    messages = [e["error"]["message"] for e in events[:12]]
    assert "available: zh-baker, en-joe" in messages[7]
    http = httpx.post(rt_server.url + "/v1/audio/speech", headers=AUTH, json={"input": "x", "speed": 9})
    assert http.status_code == 400 and messages[8] == http.json()["error"]["message"]  # the same words as HTTP
    assert "pcm" in messages[9] and "volume" in messages[10] and "limit is 1000" in messages[11]
    assert events[12] == {"type": "session.updated", "session": {
        "voice": "zh-baker", "response_format": "pcm", "speed": 1.25, "sample_rate": 24000}}
    assert events[13]["type"] == "speech.audio.done" and events[13]["usage"]["audio_seconds"] > 0.3


def test_the_key_comes_as_a_header_or_a_subprotocol(rt_server: Server) -> None:
    async def status(**options: Any) -> int | str:
        try:
            async with connect(ws_url(rt_server), **options) as ws:
                assert (await receive(ws))["type"] == "session.created"
                return f"open {ws.subprotocol}"
        except InvalidStatus as exc:
            return exc.response.status_code

    assert asyncio.run(status()) == 401
    assert asyncio.run(status(additional_headers={"Authorization": "Bearer wrong"})) == 401
    assert asyncio.run(status(subprotocols=["realtime", "openai-insecure-api-key.wrong"])) == 401
    assert asyncio.run(status(additional_headers=AUTH)) == "open None"
    assert asyncio.run(status(subprotocols=["realtime", f"openai-insecure-api-key.{KEY}"])) == "open realtime"
    assert KEY not in rt_server.log.read_text()  # the key is never logged, the subprotocol's either


def test_an_idle_session_is_closed(rt_server: Server) -> None:
    async def converse() -> tuple[dict[str, Any], int | None]:
        async with connect(ws_url(rt_server), additional_headers=AUTH) as ws:
            await receive(ws)
            error = await receive(ws)  # sent after 4 s of nothing
            with pytest.raises(ConnectionClosedOK):
                await asyncio.wait_for(ws.recv(), 30)
            return error, ws.close_code

    error, code = asyncio.run(converse())
    assert error["error"]["code"] == "idle_timeout" and code == 1000


def test_sessions_past_the_cap_are_refused(rt_server: Server) -> None:
    async def converse() -> tuple[int, str]:
        held = [await connect(ws_url(rt_server), additional_headers=AUTH) for _ in range(3)]
        try:
            with pytest.raises(InvalidStatus) as refused:
                await connect(ws_url(rt_server), additional_headers=AUTH)
        finally:
            for ws in held:
                await ws.close()
        return refused.value.response.status_code, refused.value.response.headers.get("Retry-After", "")

    assert asyncio.run(converse()) == (429, "5")

    async def opens() -> bool:
        try:
            async with connect(ws_url(rt_server), additional_headers=AUTH) as ws:
                return (await receive(ws))["type"] == "session.created"
        except InvalidStatus:
            return False

    assert poll(lambda: asyncio.run(opens()), 10)  # the places come back when sessions close


def test_a_generation_that_cannot_be_admitted_gets_retry_after(rt_server: Server) -> None:
    """The server takes one request at a time: an HTTP stream that holds its place refuses the
    session's generation; once it is gone, the same session speaks again."""
    with httpx.stream("POST", rt_server.url + "/v1/audio/speech", headers=AUTH, timeout=60,
                      json={"input": LONG * 3, "response_format": "pcm"}) as holding:
        chunks = holding.iter_bytes()  # kept: a dropped iterator would close the stream
        next(chunks)

        async def refused() -> list[dict[str, Any]]:
            async with connect(ws_url(rt_server), additional_headers=AUTH) as ws:
                await receive(ws)
                await send(ws, "input_text.append", text="Are you there?")
                await send(ws, "input_text.flush")
                return await until(ws, "speech.audio.done")

        events = asyncio.run(refused())
    assert events[0]["type"] == "error" and events[0]["error"]["code"] == "rate_limit_exceeded"
    assert events[0]["error"]["retry_after"] >= 1 and "retry in" in events[0]["error"]["message"]
    assert events[-1]["usage"]["audio_seconds"] == 0
    assert poll(lambda: asyncio.run(stream(rt_server, "Yes, now.", "en-joe", "input_text.flush"))[-1]
                ["usage"]["audio_seconds"] > 0.3, 20)
