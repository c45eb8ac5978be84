"""A burst of long streams at once: is every admitted stream whole and ahead of real time?

    python -m bench.burst [--streams 48] [--retry [--max-attempts 600]] [--update-docs]

One `warmtts serve` with its default settings (a worker per core, default admission) first
speaks a long Chinese text alone, as the reference (zh-baker is deterministic, so an admitted
stream must match it sample for sample). Then `--streams` clients send that text at the same
moment and record every chunk's arrival; short requests go in 2, 5 and 10 s later. It checks
that each admitted stream arrives whole and never falls behind real time after its first chunk,
that refusals are 429 with Retry-After within 0.1 s, that each short request gets its first
audio within 1 s (and then all of it, never dry) or a 429 within 1 s whose Retry-After is within
2x of the wait that followed (a refused short request is sent again every 0.5 s until admitted,
which times that wait), and that RSS once idle
is within 10 % of RSS after warm-up. The clients share the machine with the server, so run it
on an otherwise idle machine; the results say how much CPU anything else took meanwhile.
All traffic goes to 127.0.0.1, every wait is bounded, and the run stops itself at its
deadline (15 minutes).

With `--retry` a refused long-stream client waits the Retry-After it was given and sends again,
until admitted: the run then shows how long each waited, how many streams the server carried
at once and how much audio it delivered per second, with every check above applied to all the
requests, and it passes only if every client got in. No client sends after the last moment its
stream could still end before the deadline; a 429 without a positive Retry-After, or the most
attempts allowed, stops a client. It writes bench/results/burst-retry.json and its own section.
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psutil

from bench.burst_report import (
    PROBE_SECONDS,
    RETRY_SECTION,
    Exchange,
    RetryClient,
    failures,
    markdown,
    retry_after_ok,
    retry_markdown,
    short_row,
    summarise_burst,
    summarise_retry,
)
from bench.reliability_sections import update_section
from bench.serving.memory import PeakRss
from bench.serving.metrics import IN_FLIGHT, gauge
from bench.serving.process import ServerProcess
from bench.serving.servers import Warmtts

RESULTS = Path(__file__).resolve().parent / "results"
SERVER_ENV = {"WARMTTS_LOG_LEVEL": "WARNING"}
VOICE = "zh-baker"
SHORT_TEXT = "你好，今天天气很好。"
SHORT_OFFSETS = (2.0, 5.0, 10.0)  # seconds after the burst starts
LONG_TEXT = (  # about 225 s of speech from zh-baker: six everyday scenes, no sentence repeated
    "秋天的早晨，小镇上的空气格外清新。街道两旁的银杏树叶已经变成了金黄色，风一吹，叶子就像蝴蝶一样轻轻飘落。"
    "卖早点的小店很早就开了门，蒸笼里冒着白色的热气，包子和豆浆的香味飘满了整条街。"
    "上学的孩子背着书包，一边走一边说笑，时不时停下来捡起一片好看的落叶。"
    "骑自行车的邮递员按着车铃，从人群中穿过，把一封封信件送到各家各户的门口。"
    "奶奶家的院子不大，却种满了各种各样的蔬菜和花草。每年春天，她都会亲手翻土、播种、浇水，看着嫩绿的小芽一点点长高。"
    "夏天的傍晚，我们常常坐在葡萄架下乘凉，听她讲年轻时候的故事。"
    "她说，那时候村里没有电灯，晚上大家就围在一起，借着月光做针线活，聊聊家长里短。"
    "虽然日子过得很清苦，但是邻居之间互相帮助，心里总是暖暖的。"
    "城市图书馆最近重新装修了，阅览室变得更加明亮宽敞。"
    "高大的落地窗外是一片安静的湖水，读书累了，抬头就能看见水面上的野鸭和远处的青山。"
    "周末的时候，这里总是坐满了人，有准备考试的学生，有带着孩子来看绘本的父母，也有戴着老花镜慢慢翻报纸的老人。"
    "管理员说，他们还打算开设书法和摄影课程，让更多的人愿意走进图书馆，把阅读变成一种生活习惯。"
    "火车缓缓驶出车站，窗外的风景开始不停地变换。"
    "先是成片的稻田和低矮的村庄，接着是连绵起伏的丘陵，最后是一条宽阔的大河在阳光下闪闪发光。"
    "车厢里很安静，有人靠着窗户睡觉，有人戴着耳机听音乐，还有一个小女孩趴在桌子上认真地画画。"
    "列车员推着小车走过，轻声地问大家要不要喝点热茶。旅途虽然漫长，可是看着窗外的山山水水，心情也慢慢变得平静下来。"
    "天色渐渐暗了下来，家家户户的窗口亮起了灯光。"
    "厨房里传来锅碗瓢盆的声音，妈妈正在准备晚饭，爸爸帮忙洗菜切肉，弟弟则在客厅里认真地写作业。"
    "饭菜端上桌以后，一家人围坐在一起，说说今天遇到的新鲜事。"
    "窗外偶尔传来几声狗叫，远处的马路上车来车往，可是屋子里却充满了安宁和温馨。"
    "吃完饭，我们一起出门散步，在小区的花园里慢慢地走上一圈。"
    "周末的早上，我和朋友约好去郊外爬山。山脚下有一条清澈的小溪，溪水从石头上流过，发出哗哗的响声。"
    "我们沿着弯弯曲曲的石阶往上走，路边开满了不知名的野花，偶尔还能看见松鼠在树枝间跳来跳去。"
    "走到半山腰的时候，大家都有些累了，就在一座小亭子里坐下来休息，分着吃带来的水果和点心。"
    "等到爬上山顶，眼前一下子开阔起来，远处的城市像一幅淡淡的水墨画，静静地躺在薄雾里。"
    "大家都说，这一趟虽然辛苦，但是非常值得。"
    "下山的路上，夕阳把整片树林染成了橘红色，我们一边走一边唱歌，谁也不觉得累。回到家里，洗个热水澡，很快就睡着了。"
)
DEADLINE_SECONDS = 900.0
BURST_MARGIN_SECONDS = 90.0  # kept back from the deadline for the idle wait, RSS and shutdown
READ_SECONDS = 60.0  # longest wait for the next chunk before a stream counts as cut
START_SECONDS = 60.0  # for every client to connect and reach the starting line
REFERENCE_SECONDS = 180.0
IDLE_SECONDS = 60.0  # for the server to report nothing in flight after the burst
SETTLE_SECONDS = 2.0
MAX_ATTEMPTS = 600  # with --retry: ten minutes of Retry-After 1, more than the deadline leaves
ADMISSION_MARGIN_SECONDS = 10.0  # kept back beyond the speech's length for the last stream to end
SPEECH = "/v1/audio/speech"


@dataclass(frozen=True)
class RetryPolicy:
    """How a long-stream client answers a 429: `max_attempts` 1 is the single-try burst."""

    max_attempts: int = 1
    last_attempt: float = float("inf")  # perf_counter time after which it sends no more


@dataclass
class Burst:
    """What the burst's clients recorded; `stuck` clients were still running when the waiting stopped."""

    longs: list[RetryClient]
    shorts: list[Exchange]
    started: float  # perf_counter time of the burst's start
    seconds: float
    stuck: int


def speech_body(text: str) -> bytes:
    return json.dumps({"model": "tts-1", "input": text, "voice": VOICE, "response_format": "pcm"}).encode()


def exchange(client: httpx.Client, url: str, body: bytes, index: int, offset: float, deadline: float) -> Exchange:
    """Send one request and record its status, refusal details, or every chunk's arrival."""
    record = Exchange(index, offset)
    sent = time.perf_counter()
    try:
        with client.stream("POST", url, content=body, headers={"Content-Type": "application/json"}) as response:
            record.status = response.status_code
            record.status_seconds = time.perf_counter() - sent
            if response.status_code != 200:
                response.read()
                record.retry_after = response.headers.get("Retry-After")
                record.message = _message(response)
                return record
            for data in response.iter_raw():
                now = time.perf_counter()
                if data:
                    record.arrivals.append((now - sent, len(data)))
                if now > deadline:
                    record.error = "stopped at the run's deadline"
                    return record
            record.finished_seconds = time.perf_counter() - sent
    except httpx.HTTPError as exc:  # on an admitted stream: cut
        record.error = f"{type(exc).__name__}: {exc}"[:300]
    return record


def _message(response: httpx.Response) -> str:
    try:
        return str(response.json()["error"]["message"])[:200]
    except (ValueError, KeyError, TypeError):
        return response.text[:200]


def reference(client: httpx.Client, base_url: str, text: str) -> tuple[int, int, float]:
    """Bytes, sample rate and seconds of one request alone on the idle server."""
    started = time.perf_counter()
    response = client.post(base_url + SPEECH, content=speech_body(text), headers={"Content-Type": "application/json"})
    response.raise_for_status()
    return len(response.content), int(response.headers["X-Sample-Rate"]), time.perf_counter() - started


def retrying(
    client: httpx.Client, url: str, body: bytes, index: int, started: float, deadline: float, policy: RetryPolicy
) -> RetryClient:
    """Send until admitted, waiting after each 429 the seconds its Retry-After gives."""
    record = RetryClient(index)
    while True:
        attempt = exchange(client, url, body, index, time.perf_counter() - started, deadline)
        record.attempts.append(attempt)
        if attempt.status == 200:
            return record
        if attempt.status != 429:
            record.stop = f"answered {attempt.status}" if attempt.status else f"no answer: {attempt.error}"
            return record
        if len(record.attempts) >= policy.max_attempts:
            record.stop = "refused; not retrying" if policy.max_attempts == 1 else "refused at every attempt allowed"
            return record
        if not retry_after_ok(attempt.retry_after):
            record.stop = f"refused with Retry-After {attempt.retry_after!r}: no time to retry at"
            return record
        wait = int(attempt.retry_after or 0)
        if time.perf_counter() + wait > policy.last_attempt:
            record.stop = f"still refused when the last attempt was due (Retry-After {wait} s)"
            return record
        time.sleep(wait)


def probed(client: httpx.Client, url: str, body: bytes, index: int, offset: float, deadline: float) -> Exchange:
    """A short request; refused, it is sent again every PROBE_SECONDS until admitted, which
    times the wait that followed its Retry-After (the row keeps the first answer)."""
    first = exchange(client, url, body, index, offset, deadline)
    if first.status != 429:
        return first
    refused = time.perf_counter()
    while time.perf_counter() + PROBE_SECONDS < deadline:
        time.sleep(PROBE_SECONDS)
        sent = time.perf_counter()
        if exchange(client, url, body, index, offset, deadline).status == 200:
            first.waited_seconds = sent - refused
            break
    return first


def burst(base_url: str, streams: int, deadline: float, policy: RetryPolicy) -> Burst:
    """`streams` long requests at once (each retried as `policy` says), short ones at SHORT_OFFSETS."""
    start: list[float] = []  # set by the last party to reach the starting line, before any leaves it
    barrier = threading.Barrier(streams + len(SHORT_OFFSETS) + 1, action=lambda: start.append(time.perf_counter()))
    longs = [RetryClient(i, stop="client never sent") for i in range(streams)]
    shorts = [Exchange(i, offset, error="client never sent") for i, offset in enumerate(SHORT_OFFSETS)]
    long_body, short_body = speech_body(LONG_TEXT), speech_body(SHORT_TEXT)

    def client(index: int, offset: float, long: bool) -> None:
        try:
            with httpx.Client(timeout=httpx.Timeout(READ_SECONDS, connect=10.0)) as http:
                http.get(base_url + "/health")  # connect now: the timed part is the request alone
                barrier.wait(START_SECONDS)
                time.sleep(offset)
                if long:
                    longs[index] = retrying(http, base_url + SPEECH, long_body, index, start[0], deadline, policy)
                else:
                    shorts[index] = probed(http, base_url + SPEECH, short_body, index, offset, deadline)
        except Exception as exc:  # before sending (connect, starting line): stop the burst, keep the cause
            barrier.abort()
            error = f"client failed: {exc!r}"[:300]
            if long:
                longs[index] = RetryClient(index, stop=error)
            else:
                shorts[index] = Exchange(index, offset, error=error)

    threads = [threading.Thread(target=client, args=(i, 0.0, True), daemon=True) for i in range(streams)]
    threads += [threading.Thread(target=client, args=(i, offset, False), daemon=True)
                for i, offset in enumerate(SHORT_OFFSETS)]
    for thread in threads:
        thread.start()
    barrier.wait(START_SECONDS)
    for thread in threads:  # every read is bounded by READ_SECONDS and no retry waits past the deadline
        thread.join(max(0.0, deadline - time.perf_counter()) + READ_SECONDS + 5.0)
    return Burst(longs, shorts, start[0], time.perf_counter() - start[0], sum(t.is_alive() for t in threads))


def wait_idle(client: httpx.Client, base_url: str, deadline: float) -> float | None:
    """Poll until the server has nothing in flight (or the deadline); the last count seen."""
    count = gauge(client, base_url, IN_FLIGHT)
    while count and time.perf_counter() < deadline:
        time.sleep(0.25)
        count = gauge(client, base_url, IN_FLIGHT)
    return count


def run(
    streams: int, deadline_seconds: float, server_src: Path | None, label: str | None, retry_attempts: int | None = None
) -> dict[str, Any]:
    """The whole run; `retry_attempts` (None: one try each) makes refused long-stream clients retry."""
    began, started = time.perf_counter(), datetime.now(UTC).isoformat(timespec="seconds")
    deadline = began + deadline_seconds
    env = dict(SERVER_ENV)
    if server_src is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(server_src.resolve()), os.environ.get("PYTHONPATH")]))
    with ServerProcess(Warmtts(), env=env) as server:
        server.wait_ready()
        with httpx.Client(timeout=REFERENCE_SECONDS) as client:
            long_bytes, rate, _ = reference(client, server.base_url, LONG_TEXT)  # also the warm-up
            again, _, long_seconds = reference(client, server.base_url, LONG_TEXT)
            short_bytes, _, _ = reference(client, server.base_url, SHORT_TEXT)
            time.sleep(SETTLE_SECONDS)  # idle as long as before the reading after the burst, so the two compare
            rss_warm = server.rss_bytes()
            cpu_before = _cpu_use(server.pid)
            burst_deadline = deadline - BURST_MARGIN_SECONDS
            policy = RetryPolicy()
            if retry_attempts is not None:  # an admitted stream never dry ends within its speech's length
                last = burst_deadline - long_bytes / (2 * rate) - ADMISSION_MARGIN_SECONDS
                policy = RetryPolicy(retry_attempts, last)
            with PeakRss(server, interval=0.25) as peak:
                ran = burst(server.base_url, streams, burst_deadline, policy)
            cpu = {name: round(after - cpu_before[name], 1) for name, after in _cpu_use(server.pid).items()}
            in_flight = wait_idle(client, server.base_url, min(deadline, time.perf_counter() + IDLE_SECONDS))
            time.sleep(SETTLE_SECONDS)
            rss_after = server.rss_bytes()
    requests = ([a for c in ran.longs for a in c.attempts] if retry_attempts is not None
                else [c.last_exchange() for c in ran.longs])
    deadline_hit = (time.perf_counter() > deadline or ran.stuck > 0
                    or any(e.error == "stopped at the run's deadline" for e in requests))
    command = f"python -m bench.burst --streams {streams}"
    if retry_attempts is not None:
        command += " --retry" + (f" --max-attempts {retry_attempts}" if retry_attempts != MAX_ATTEMPTS else "")
    result: dict[str, Any] = {
        "command": command,
        "started": started,
        "cores": os.cpu_count(),
        "server_env": env | ({"PYTHONPATH": str(server_src)} if server_src else {}),
        "server_label": label,
        "deadline_seconds": deadline_seconds,
        "deadline_hit": deadline_hit,
        "short_text": SHORT_TEXT,
        "reference": {
            "chars": len(LONG_TEXT), "bytes": long_bytes, "sample_rate": rate,
            "audio_seconds": round(long_bytes / (2 * rate), 2), "seconds": round(long_seconds, 2),
            "short_bytes": short_bytes,
        },
        "reference_consistent": again == long_bytes,
        "burst_seconds": round(ran.seconds, 1),
        "cpu_seconds_during_burst": {
            "server": cpu["server"], "clients": cpu["clients"],
            "rest_of_machine": round(max(0.0, cpu["machine"] - cpu["server"] - cpu["clients"]), 1),
        },
        "in_flight_after": in_flight,
        "burst": summarise_burst(requests, long_bytes, 2 * rate, with_rows=retry_attempts is None),
        "short_requests": [short_row(e, short_bytes, 2 * rate) for e in ran.shorts],
        "rss": {
            "warm_mb": _mb(rss_warm), "after_mb": _mb(rss_after), "peak_mb": _mb(peak.peak_bytes),
            "change": round(rss_after / rss_warm - 1, 4),
        },
    }
    if retry_attempts is not None:
        result["last_attempt_seconds"] = round(policy.last_attempt - ran.started, 1)
        result["retry"] = summarise_retry(ran.longs, long_bytes, 2 * rate, retry_attempts)
    result["wall_seconds"] = round(time.perf_counter() - began, 1)
    result["failures"] = failures(result)
    result["passed"] = not result["failures"]
    return result


def _cpu_use(server_pid: int) -> dict[str, float]:
    """CPU-seconds so far of the server, this process (the clients) and the whole machine.

    The machine's share tells whether something else (another benchmark) competed for the cores.
    """
    def used(process: psutil.Process) -> float:
        times = process.cpu_times()
        return float(times.user + times.system)

    machine = psutil.cpu_times()
    idle = machine.idle + getattr(machine, "iowait", 0.0)
    counted_twice = getattr(machine, "guest", 0.0) + getattr(machine, "guest_nice", 0.0)  # inside user already
    busy = sum(machine) - idle - counted_twice
    return {"server": used(psutil.Process(server_pid)), "clients": used(psutil.Process()), "machine": busy}


def _mb(value: int) -> float:
    return round(value / 2**20, 1)


def check_environment(environ: dict[str, str]) -> None:
    """The burst measures the defaults: refuse to run with WARMTTS_* settings inherited from the shell."""
    inherited = sorted(name for name in environ if name.startswith("WARMTTS_") and name not in SERVER_ENV)
    if inherited:
        raise SystemExit(f"unset {', '.join(inherited)}: the burst measures the server's default settings")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--streams", type=int, default=48, help="long streams sent at once (default 48)")
    parser.add_argument("--deadline", type=float, default=DEADLINE_SECONDS, help="seconds before the run stops itself")
    parser.add_argument("--retry", action="store_true",
                        help="refused long-stream clients retry after their Retry-After until admitted")
    parser.add_argument("--max-attempts", type=int,
                        help=f"with --retry: the most requests one client sends (default {MAX_ATTEMPTS})")
    parser.add_argument("--out", type=Path,
                        help=f"results JSON (default bench/results/burst.json, with --retry {RETRY_SECTION}.json)")
    parser.add_argument("--server-src", type=Path, help="serve from this src/ folder instead (e.g. an older commit's)")
    parser.add_argument("--server-label", help="what the server is, for the results (e.g. a commit)")
    parser.add_argument("--update-docs", action="store_true",
                        help="rewrite this run's section of docs/reliability.md (burst, or with --retry burst-retry)")
    args = parser.parse_args(argv)
    if not 1 <= args.streams <= 1000:
        raise SystemExit("--streams must be within 1..1000")
    if args.max_attempts is not None and not (args.retry and 1 <= args.max_attempts <= 10000):
        raise SystemExit("--max-attempts goes with --retry and must be within 1..10000")
    check_environment(dict(os.environ))
    attempts = (args.max_attempts or MAX_ATTEMPTS) if args.retry else None
    result = run(args.streams, args.deadline, args.server_src, args.server_label, attempts)
    section = RETRY_SECTION if args.retry else "burst"
    out = args.out or RESULTS / f"{section}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1))
    text = retry_markdown(result) if args.retry else markdown(result)
    print(text)
    if args.update_docs:
        update_section(section, text)
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
