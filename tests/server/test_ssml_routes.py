"""A document that starts as XML is SSML at every HTTP route: one with a DTD gets the parser's
400 (line and column), never 200 with its markup read aloud. (Wyoming, the CLI and the web page
have their own tests with the same documents.)"""

from __future__ import annotations

import httpx
import pytest

from tests.server.conftest import Server
from tests.ssml_documents import DOCUMENTS


def _requests(document: str) -> list[tuple[str, dict[str, object]]]:
    return [
        ("/v1/audio/speech", {"input": document, "response_format": "wav"}),
        ("/v1/audio/speech", {"input": document, "response_format": "pcm", "stream_format": "sse"}),
        ("/tts", {"text": document}),
    ]


@pytest.mark.parametrize(("document", "refusal"), DOCUMENTS)
def test_a_dtd_is_refused_by_the_parser_at_every_route(server: Server, document: str, refusal: str) -> None:
    for path, body in _requests(document):
        response = httpx.post(server.url + path, json=body, timeout=30)
        assert response.status_code == 400, (path, body, response.headers, len(response.content))
        assert response.json()["error"]["message"] == refusal, path


def test_the_server_says_how_it_read_the_input(server: Server) -> None:
    """A prolog before <speak> is SSML (tags not spoken); the page dims tags by this header."""
    prolog = '<?xml version="1.0" encoding="UTF-8"?>\n<!-- a greeting -->\n<speak>你好<break time="200ms"/>世界</speak>'
    for path, body in [("/v1/audio/speech", {"input": prolog, "response_format": "pcm"}), ("/tts", {"text": prolog})]:
        response = httpx.post(server.url + path, json=body, timeout=60)
        assert response.status_code == 200 and response.headers["X-Input-Format"] == "ssml", path
    made = httpx.post(server.url + "/tts", json={"text": prolog}, timeout=60).json()
    assert [t["text"] for t in made["timestamps"]] == ["你", "好", "世", "界"]
    plain = httpx.post(server.url + "/v1/audio/speech", json={"input": "a < b, 你好", "response_format": "pcm"}, timeout=60)
    assert plain.status_code == 200 and plain.headers["X-Input-Format"] == "text"
