"""The user lexicon reloads without a restart: on POST /admin/lexicon/reload and on SIGHUP.

The lexicon's effect is heard, not inferred: the same text is synthesised before and after a
reload, and zh-baker's audio is a deterministic function of its phones.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.polling import poll
from tests.server.conftest import Server, start_server, stop_server

KEY = "s3cret"
AUTH = {"Authorization": f"Bearer {KEY}"}
TEXT = "银行"


@pytest.fixture
def lexicon_server(tmp_path: Path) -> Iterator[tuple[Server, Path]]:
    lexicon = tmp_path / "lexicon.txt"
    lexicon.write_text("银行 yin2 xing2\n", encoding="utf-8")
    server = start_server(tmp_path, WARMTTS_API_KEY=KEY, WARMTTS_LEXICON=str(lexicon), WARMTTS_LOG_LEVEL="INFO")
    try:
        server.wait("/ready", 200)
        yield server, lexicon
    finally:
        stop_server(server)


def speak(server: Server) -> bytes:
    response = httpx.post(
        server.url + "/v1/audio/speech", headers=AUTH, timeout=60,
        json={"input": TEXT, "voice": "zh-baker", "response_format": "pcm", "sample_rate": "native"},
    )
    assert response.status_code == 200, response.text
    return response.content


def reload(server: Server, headers: dict[str, str] = AUTH) -> httpx.Response:
    return httpx.post(server.url + "/admin/lexicon/reload", headers=headers, timeout=30)


def test_admin_endpoint_reloads_and_keeps_the_old_lexicon_on_a_bad_file(lexicon_server: tuple[Server, Path]) -> None:
    server, lexicon = lexicon_server
    xing = speak(server)
    assert speak(server) == xing  # the comparison below means something only if this holds

    lexicon.write_text("# fixed\n银行 yin2 hang2\n行长 hang2 zhang3\n", encoding="utf-8")
    assert reload(server, headers={}).status_code == 401
    assert reload(server, headers={"Authorization": "Bearer wrong"}).status_code == 401
    answer = reload(server)
    assert answer.status_code == 200, answer.text
    assert answer.json()["entries"] == 2 and answer.json()["path"] == str(lexicon)
    hang = speak(server)
    assert hang != xing

    lexicon.write_text("银行 yin2 xing2\n行长 hang2\n好 hao\n", encoding="utf-8")
    answer = reload(server)
    assert answer.status_code == 422
    message = answer.json()["error"]["message"]
    assert "lexicon.txt:2: 2 characters but 1 syllables" in message
    assert "lexicon.txt:3: each syllable needs a tone number" in message
    assert "unchanged" in message and "Traceback" not in answer.text
    assert speak(server) == hang  # the whole file was refused, its good first line too

    lexicon.unlink()
    answer = reload(server)
    assert answer.status_code == 422 and "unreadable" in answer.json()["error"]["message"]
    assert speak(server) == hang
    assert server.process.poll() is None


def test_sighup_reloads_and_a_bad_file_changes_nothing(lexicon_server: tuple[Server, Path]) -> None:
    server, lexicon = lexicon_server
    xing = speak(server)
    lexicon.write_text("银行 yin2 hang2\n", encoding="utf-8")
    server.process.send_signal(signal.SIGHUP)
    assert poll(lambda: "lexicon reload trigger=sighup" in server.log.read_text(), 30.0)
    hang = speak(server)
    assert hang != xing
    assert "entries=1" in server.log.read_text()

    lexicon.write_text("银行 yin2 xing2 x1\n", encoding="utf-8")
    server.process.send_signal(signal.SIGHUP)
    assert poll(lambda: "lexicon reload trigger=sighup failed" in server.log.read_text(), 30.0)
    assert "lexicon.txt:1:" in server.log.read_text()
    assert speak(server) == hang
    assert server.process.poll() is None
    assert httpx.get(server.url + "/ready", timeout=5).status_code == 200


def test_reload_without_a_configured_lexicon_is_a_clear_400(server: Server) -> None:
    answer = reload(server, headers={})  # the shared server has no key and no lexicon
    assert answer.status_code == 400
    assert "WARMTTS_LEXICON" in answer.json()["error"]["message"]
