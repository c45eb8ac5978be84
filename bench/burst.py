"""A burst of long streams at once: is every admitted stream whole and ahead of real time?

    python -m bench.burst [--streams 48] [--update-docs]

One `warmtts serve` with its default settings (a worker per core, default admission) first
speaks a long Chinese text alone, as the reference (zh-baker is deterministic, so an admitted
stream must match it sample for sample). Then `--streams` clients send that text at the same
moment and record every chunk's arrival; short requests go in 2, 5 and 10 s later. It checks
that each admitted stream arrives whole and never falls behind real time after its first chunk,
that refusals are 429 with Retry-After within 0.1 s, that each short request gets its first
audio within 1 s (and then all of it, never dry) or a 429 within 1 s, and that RSS once idle
is within 10 % of RSS after warm-up. The clients share the machine with the server, so run it
on an otherwise idle machine; the results say how much CPU anything else took meanwhile.
All traffic goes to 127.0.0.1, every wait is bounded, and the run stops itself at its
deadline (15 minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psutil

from bench.burst_report import Exchange, failures, markdown, short_row, summarise_burst
from bench.reliability_docs import update_section
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
SPEECH = "/v1/audio/speech"


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


def burst(base_url: str, streams: int, deadline: float) -> tuple[list[Exchange], list[Exchange], float, int]:
    """`streams` long requests at once, short ones at SHORT_OFFSETS.

    Returns both lists of exchanges, the wall time, and how many clients were still running
    when the waiting stopped (their exchanges are not recorded).
    """
    barrier = threading.Barrier(streams + len(SHORT_OFFSETS) + 1)
    longs: list[Exchange] = [Exchange(i, error="client never sent") for i in range(streams)]
    shorts: list[Exchange] = [Exchange(i, offset, error="client never sent") for i, offset in enumerate(SHORT_OFFSETS)]
    long_body, short_body = speech_body(LONG_TEXT), speech_body(SHORT_TEXT)

    def client(slot: list[Exchange], index: int, body: bytes, offset: float) -> None:
        try:
            with httpx.Client(timeout=httpx.Timeout(READ_SECONDS, connect=10.0)) as http:
                http.get(base_url + "/health")  # connect now: the timed part is the request alone
                barrier.wait(START_SECONDS)
                time.sleep(offset)
                slot[index] = exchange(http, base_url + SPEECH, body, index, offset, deadline)
        except Exception as exc:  # before sending (connect, starting line): stop the burst, keep the cause
            barrier.abort()
            slot[index] = Exchange(index, offset, error=f"client failed: {exc!r}"[:300])

    threads = [threading.Thread(target=client, args=(longs, i, long_body, 0.0), daemon=True) for i in range(streams)]
    threads += [threading.Thread(target=client, args=(shorts, i, short_body, offset), daemon=True)
                for i, offset in enumerate(SHORT_OFFSETS)]
    for thread in threads:
        thread.start()
    barrier.wait(START_SECONDS)
    started = time.perf_counter()
    for thread in threads:  # every read is bounded by READ_SECONDS, so these joins end
        thread.join(max(0.0, deadline - time.perf_counter()) + READ_SECONDS + 5.0)
    return longs, shorts, time.perf_counter() - started, sum(thread.is_alive() for thread in threads)


def wait_idle(client: httpx.Client, base_url: str, deadline: float) -> float | None:
    """Poll until the server has nothing in flight (or the deadline); the last count seen."""
    count = gauge(client, base_url, IN_FLIGHT)
    while count and time.perf_counter() < deadline:
        time.sleep(0.25)
        count = gauge(client, base_url, IN_FLIGHT)
    return count


def run(streams: int, deadline_seconds: float, server_src: Path | None, label: str | None) -> dict[str, Any]:
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
            with PeakRss(server, interval=0.25) as peak:
                longs, shorts, burst_seconds, stuck = burst(server.base_url, streams, deadline - BURST_MARGIN_SECONDS)
            cpu = {name: round(after - cpu_before[name], 1) for name, after in _cpu_use(server.pid).items()}
            in_flight = wait_idle(client, server.base_url, min(deadline, time.perf_counter() + IDLE_SECONDS))
            time.sleep(SETTLE_SECONDS)
            rss_after = server.rss_bytes()
    deadline_hit = (time.perf_counter() > deadline or stuck > 0
                    or any(e.error == "stopped at the run's deadline" for e in longs))
    result: dict[str, Any] = {
        "command": f"python -m bench.burst --streams {streams}",
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
        "burst_seconds": round(burst_seconds, 1),
        "cpu_seconds_during_burst": {
            "server": cpu["server"], "clients": cpu["clients"],
            "rest_of_machine": round(max(0.0, cpu["machine"] - cpu["server"] - cpu["clients"]), 1),
        },
        "in_flight_after": in_flight,
        "burst": summarise_burst(longs, long_bytes, 2 * rate),
        "short_requests": [short_row(e, short_bytes, 2 * rate) for e in shorts],
        "rss": {
            "warm_mb": _mb(rss_warm), "after_mb": _mb(rss_after), "peak_mb": _mb(peak.peak_bytes),
            "change": round(rss_after / rss_warm - 1, 4),
        },
    }
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
    parser.add_argument("--out", type=Path, default=RESULTS / "burst.json")
    parser.add_argument("--server-src", type=Path, help="serve from this src/ folder instead (e.g. an older commit's)")
    parser.add_argument("--server-label", help="what the server is, for the results (e.g. a commit)")
    parser.add_argument("--update-docs", action="store_true", help="rewrite the burst section of docs/reliability.md")
    args = parser.parse_args(argv)
    if not 1 <= args.streams <= 1000:
        raise SystemExit("--streams must be within 1..1000")
    check_environment(dict(os.environ))
    result = run(args.streams, args.deadline, args.server_src, args.server_label)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1))
    text = markdown(result)
    print(text)
    if args.update_docs:
        update_section("burst", text)
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
