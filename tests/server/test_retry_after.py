"""Retry-After on the real server: the time a refused client is told is within 2x of the wait
that followed (until the admitted stream's synthesis ended), and once it has, the client gets in.
Measured against the wait itself rather than a fixed clock, so a slower or busier machine moves
both sides alike."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.server.conftest import Server, start_server, stop_server

# About 50 s of zh-baker speech: its synthesis takes seconds, not minutes, on one worker.
LONG = (
    "秋天的早晨，小镇上的空气格外清新。街道两旁的银杏树叶已经变成了金黄色，风一吹，叶子就像蝴蝶一样轻轻飘落。"
    "卖早点的小店很早就开了门，蒸笼里冒着白色的热气，包子和豆浆的香味飘满了整条街。"
    "上学的孩子背着书包，一边走一边说笑，时不时停下来捡起一片好看的落叶。"
    "骑自行车的邮递员按着车铃，从人群中穿过，把一封封信件送到各家各户的门口。"
    "奶奶家的院子不大，却种满了各种各样的蔬菜和花草。每年春天，她都会亲手翻土、播种、浇水，看着嫩绿的小芽一点点长高。"
)
SHORT = "你好，今天天气很好。"


@pytest.fixture
def one_worker(tmp_path: Path) -> Iterator[Server]:
    """One worker whose admitted streams may use 1 % of its time: any stream fills it."""
    server = start_server(tmp_path, WARMTTS_WORKERS="1", WARMTTS_MAX_LOAD="0.01")
    try:
        server.wait("/ready", 200)
        yield server
    finally:
        stop_server(server)


def speak(server: Server, text: str) -> httpx.Response:
    return httpx.post(server.url + "/v1/audio/speech", json={"input": text, "response_format": "pcm"}, timeout=120)


def test_retry_after_is_when_the_work_ahead_has_drained(one_worker: Server) -> None:
    received: list[int] = []  # status, then bytes so far
    heard = threading.Event()
    ended: list[float] = []  # when the last byte of the long stream arrived

    def listen() -> None:  # a listener that takes every byte as it comes
        with httpx.stream("POST", one_worker.url + "/v1/audio/speech",
                          json={"input": LONG, "response_format": "pcm"}, timeout=120) as response:
            received[:] = [response.status_code, 0]
            for data in response.iter_raw():
                received[1] += len(data)
                if received[1] >= 8 * 2 * 16_000:  # 8 s of audio: its costs are learned from its steps
                    heard.set()
        ended.append(time.monotonic())
        heard.set()

    listener = threading.Thread(target=listen)
    listener.start()
    try:
        assert heard.wait(60)
        assert received[0] == 200
        refused = speak(one_worker, SHORT)
        told_at = time.monotonic()
        assert refused.status_code == 429, refused.text
        retry = int(refused.headers["Retry-After"])
    finally:
        listener.join(120)
    assert received[0] == 200 and received[1] > 0 and ended
    waited = ended[0] - told_at  # the long stream is read as fast as it is made: its synthesis left
    assert waited > 0, "the long stream ended before the refusal: nothing was ahead"
    # Retry-After is whole seconds, rounded up: one second of slack on the upper side.
    assert waited / 2 <= retry <= 2 * waited + 1, f"told {retry} s, the work ahead drained in {waited:.1f} s"
    on_time = speak(one_worker, SHORT)
    assert on_time.status_code == 200, f"refused once the work ahead had drained: {on_time.text}"
    assert len(on_time.content) > 0
