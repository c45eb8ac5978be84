"""Load and soak: thousands of mixed requests at and above the concurrency limit.

    python -m bench.soak [--requests 2400] [--clients 12] [--update-docs]

One warmtts server (2 workers, room for 8 requests at once) gets valid and invalid, short and
long, streamed and whole-file requests from more clients than it admits, some of which hang up
mid-stream. It checks that nothing answers 5xx, that every accepted request's audio is complete
(its length matches a direct synthesis of the same text: exactly for the deterministic zh-baker,
within 10 % where en-joe speaks, since its VITS duration predictor is stochastic), that refusals are 429
with Retry-After, and that RSS after the run is within 10 % of RSS after warm-up. All traffic
goes to 127.0.0.1, every loop is bounded, and the run stops by itself.
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.reliability_sections import DOC, TITLES, update_section
from bench.serving.metrics import IN_FLIGHT, gauge
from bench.serving.process import ServerProcess
from bench.serving.servers import Warmtts

SERVER_ENV = {"WARMTTS_WORKERS": "2", "WARMTTS_MAX_QUEUE": "6", "WARMTTS_LOG_LEVEL": "WARNING"}
TEXTS = {
    "zh-short": ("zh-baker", "你好，今天天气很好。"),
    "zh-mid": ("zh-baker", "2026年11月24日，银行行长说：我们长大了，价格是¥25.5元。"),
    "zh-long": ("zh-baker", "春天来了，花园里的花都开了，小鸟在树上唱歌，孩子们在草地上奔跑，老人们坐在长椅上聊天。" * 2),
    "en-short": ("en-joe", "Hello there, how are you today?"),
    "en-long": ("en-joe", "The library opens at nine in the morning and closes at six. "
                          "Our meeting has been moved to half past three this afternoon, so please be on time."),
    "mixed": ("zh-baker", "我喜欢用Python编程，GPU很快。"),
}
INVALID = [
    ("json", {"input": "", "voice": "auto"}),
    ("json", {"input": "hi", "voice": "nobody"}),
    ("json", {"input": "hi", "speed": 9}),
    ("json", {"input": "hi", "response_format": "ogg"}),
    ("raw", b'{"input": "unterminated'),
    ("raw", b'{"input": "\xff\xfe"}'),
]
KINDS = [("stream", 45), ("tts", 15), ("sse", 8), ("invalid", 17), ("disconnect", 10), ("long-stream", 5)]
EN_TOLERANCE = 0.10


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: Counter[str] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)
    complete: int = 0
    truncated: list[str] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)
    bad_refusals: list[str] = field(default_factory=list)
    disconnects: int = 0

    def status(self, kind: str, code: int, note: str = "") -> None:
        with self.lock:
            self.statuses[str(code)] += 1
            self.kinds[kind] += 1
            if code >= 500:
                self.server_errors.append(f"{kind} {code} {note}"[:300])


def reference_samples(client: httpx.Client, url: str) -> dict[str, int]:
    """PCM sample counts of a direct, unloaded synthesis of each text."""
    samples = {}
    for name, (voice, text) in TEXTS.items():
        body = client.post(url + "/v1/audio/speech", json={"input": text, "voice": voice, "response_format": "pcm"}).content
        samples[name] = len(body) // 2
    return samples


def matches(name: str, samples: int, reference: dict[str, int]) -> bool:
    expected = reference[name]
    voice, text = TEXTS[name]
    if voice == "zh-baker" and not any(c.isascii() and c.isalpha() for c in text):
        return samples == expected  # zh-baker alone is deterministic
    return abs(samples - expected) <= EN_TOLERANCE * expected


def one_request(client: httpx.Client, url: str, kind: str, rng: random.Random, reference: dict[str, int], tally: Tally) -> None:
    name = "zh-long" if kind == "long-stream" else rng.choice(list(TEXTS))
    voice, text = TEXTS[name]
    if kind == "invalid":
        how, payload = rng.choice(INVALID)
        if how == "json":
            response = client.post(url + "/v1/audio/speech", json=payload)
        else:
            response = client.post(url + "/v1/audio/speech", content=payload, headers={"Content-Type": "application/json"})
        tally.status(kind, response.status_code, response.text)
        if response.status_code not in (400, 429):
            with tally.lock:
                tally.server_errors.append(f"invalid input answered {response.status_code}")
        return
    if kind == "tts":
        response = client.post(url + "/tts", json={"text": text, "voice": voice, "format": "wav"})
        tally.status(kind, response.status_code, response.text)
        if response.status_code == 200:
            audio = client.get(url + response.json()["audio_url"])
            samples = (len(audio.content) - 44) // 2
            record(tally, kind, name, samples, reference)
        else:
            check_refusal(tally, kind, response)
        return
    body = {"input": text, "voice": voice, "response_format": "pcm"}
    if kind == "sse":
        body["stream_format"] = "sse"
    with client.stream("POST", url + "/v1/audio/speech", json=body) as response:
        tally.status(kind, response.status_code)
        if response.status_code != 200:
            response.read()
            check_refusal(tally, kind, response)
            return
        if kind == "disconnect":
            next(response.iter_raw(), b"")
            with tally.lock:
                tally.disconnects += 1
            return  # leaving the block closes the connection mid-stream
        if kind == "sse":
            audio = b"".join(
                base64.b64decode(event["audio"])
                for line in response.iter_lines() if line.startswith("data: ")
                for event in [json.loads(line[6:])] if event["type"] == "speech.audio.delta"
            )
        else:
            audio = b"".join(response.iter_raw())
        record(tally, kind, name, len(audio) // 2, reference)


def check_refusal(tally: Tally, kind: str, response: httpx.Response) -> None:
    if response.status_code == 429 and response.headers.get("Retry-After"):
        return
    with tally.lock:
        tally.bad_refusals.append(f"{kind} {response.status_code} {response.text[:200]}")


def record(tally: Tally, kind: str, name: str, samples: int, reference: dict[str, int]) -> None:
    with tally.lock:
        if matches(name, samples, reference):
            tally.complete += 1
        else:
            tally.truncated.append(f"{kind} {name}: {samples} samples, expected {reference[name]}")


def worker(url: str, plan: list[str], seed: int, reference: dict[str, int], tally: Tally) -> None:
    rng = random.Random(seed)
    with httpx.Client(timeout=httpx.Timeout(120.0, connect=10.0)) as client:
        for kind in plan:
            try:
                one_request(client, url, kind, rng, reference, tally)
            except httpx.HTTPError as exc:  # a broken connection on an accepted request is a failure
                with tally.lock:
                    tally.truncated.append(f"{kind}: {type(exc).__name__} {exc}")


def run(requests: int, clients: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    kinds = [k for k, weight in KINDS for _ in range(weight)]
    plans = [[rng.choice(kinds) for _ in range(requests // clients)] for _ in range(clients)]
    with ServerProcess(Warmtts(), env=SERVER_ENV) as server:
        server.wait_ready()
        with httpx.Client(timeout=120) as client:
            reference = reference_samples(client, server.base_url)
            for _ in range(3):  # warm-up: the same mix once, single client
                reference_samples(client, server.base_url)
        time.sleep(2.0)  # the server trims freed memory once idle for a second: read it settled, as after the run
        rss_warm = server.rss_bytes()
        tally = Tally()
        started = time.perf_counter()
        threads = [threading.Thread(target=worker, args=(server.base_url, plan, seed + i, reference, tally))
                   for i, plan in enumerate(plans)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
        time.sleep(2.0)  # let disconnected streams' last steps finish before reading memory
        rss_after = server.rss_bytes()
        with httpx.Client() as client:
            in_flight = gauge(client, server.base_url, IN_FLIGHT)
    sent = sum(len(p) for p in plans)
    result = {
        "command": f"python -m bench.soak --requests {requests} --clients {clients} --seed {seed}",
        "requests": sent, "clients": clients, "admission_limit": 8, "seed": seed, "wall_seconds": round(wall, 1),
        "statuses": dict(sorted(tally.statuses.items())), "kinds": dict(sorted(tally.kinds.items())),
        "complete_audio": tally.complete, "truncated": tally.truncated[:20], "truncated_count": len(tally.truncated),
        "server_errors": tally.server_errors[:20], "server_error_count": len(tally.server_errors),
        "bad_refusals": tally.bad_refusals[:20], "disconnects": tally.disconnects, "in_flight_after": in_flight,
        "rss_warm_mb": round(rss_warm / 2**20, 1), "rss_after_mb": round(rss_after / 2**20, 1),
        "rss_change": round(rss_after / rss_warm - 1, 4), "reference_samples": reference,
    }
    result["passed"] = (
        not tally.server_errors and not tally.truncated and not tally.bad_refusals
        and abs(result["rss_change"]) <= 0.10 and in_flight == 0
    )
    return result


def markdown(result: dict[str, Any]) -> str:
    statuses = ", ".join(f"{code}: {count}" for code, count in result["statuses"].items())
    command = result.get("command") or (  # results from before the command was recorded
        f"python -m bench.soak --requests {result['requests']} --clients {result['clients']} --seed {result['seed']}"
    )
    lines = [
        f"## {TITLES['soak']}",
        "",
        f"Command: `{command}` ({result['requests']} requests from {result['clients']} concurrent clients "
        f"against a server with 2 workers that admits by capacity, at most {result['admission_limit']} at once; "
        f"{result['wall_seconds']} s).",
        "",
        "| check | result |",
        "|---|---|",
        f"| responses by status | {statuses} |",
        f"| 5xx responses | {result['server_error_count']} |",
        f"| accepted requests with complete audio | {result['complete_audio']} |",
        f"| truncated or wrong-length audio | {result['truncated_count']} |",
        f"| refusals without 429 + Retry-After | {len(result['bad_refusals'])} |",
        f"| clients that hung up mid-stream | {result['disconnects']} |",
        f"| requests in flight after the run | {result['in_flight_after']:.0f} |",
        f"| RSS after warm-up → after the run | {result['rss_warm_mb']} MB → {result['rss_after_mb']} MB "
        f"({result['rss_change']:+.1%}) |",
        f"| **verdict** | {'PASS' if result['passed'] else 'FAIL'} |",
        "",
        "Request mix (by kind): " + ", ".join(f"{k} {v}" for k, v in result["kinds"].items()) + ".",
        "Complete means the same number of samples as a direct synthesis of the same text for zh-baker "
        "(deterministic), and within 10 % where en-joe speaks (VITS samples its durations).",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2400)
    parser.add_argument("--clients", type=int, default=12)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=Path("bench/results/soak.json"))
    parser.add_argument("--update-docs", action="store_true", help=f"rewrite the soak section of {DOC}")
    args = parser.parse_args(argv)
    result = run(args.requests, args.clients, args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1))
    text = markdown(result)
    print(text)
    if args.update_docs:
        update_section("soak", text)
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
