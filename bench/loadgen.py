"""Load generator for the game server: N concurrent Go games of two websocket clients each.

Starts `python -m gameserver` in its own process (unless --url is given), opens the games from
one or more load processes, then every player moves once per `--rate` seconds (alternating
turns), and each move is timed from the mover's `send` to the opponent receiving its `update`
(both clients live in the same load process, so one clock). Reports p50/p99/p99.9 of that
latency, moves/s, the server's CPU and the memory per idle connection.

    .venv/bin/python bench/loadgen.py --games 1000 --seconds 30
    .venv/bin/python bench/loadgen.py --games 100 --ws websockets --loop asyncio

`--bots N` runs N bot-vs-bot games instead, with no websocket players: the server keeps N games
of two built-in bots going (`--bot-games`, a new one when one ends), each bot moving once per
`--rate` seconds (`--bot-move-delay`, so a game moves 2 x rate times a second as in the
player mode), and `--watchers` sockets spectate them. It reports the
moves/s the server committed (from /metrics), games finished, the server's CPU and memory.

    .venv/bin/python bench/loadgen.py --bots 500 --rate 2 --seconds 30
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import multiprocessing as mp
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from websockets.asyncio.client import ClientConnection, connect

ROOT = Path(__file__).resolve().parent.parent
SIZE = 19
TRACE: list[tuple[float, float]] | None = [] if os.environ.get("LOADGEN_TRACE") else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def point(color: str, n: int) -> tuple[int, int]:
    """Black fills from the top row down, white from the bottom up: no contact for 171 moves."""
    x, row = n % SIZE, n // SIZE
    return (x, row) if color == "black" else (x, SIZE - 1 - row)


@dataclass
class Player:
    ws: ClientConnection
    color: str = ""
    rev: int = 0
    moves: int = 0


@dataclass
class Game:
    id: str
    black: Player
    white: Player
    sent_at: dict[int, float] = field(default_factory=dict)


async def hello(url: str) -> ClientConnection:
    ws = await connect(url, compression=None, max_size=None, open_timeout=60)
    await ws.send('{"type":"hello","id":1,"name":"bench"}')
    while orjson.loads(await ws.recv())["type"] != "welcome":
        pass
    return ws


async def reply(ws: ClientConnection, rid: int) -> dict[str, Any]:
    while True:
        msg = orjson.loads(await ws.recv())
        if msg.get("id") == rid:
            if msg["type"] == "error":
                raise RuntimeError(msg)
            return msg  # type: ignore[no-any-return]


async def open_game(url: str) -> Game:
    a, b = await hello(url), await hello(url)
    await a.send('{"type":"create","id":2,"size":19,"komi":6.5,"color":"black"}')
    gid = (await reply(a, 2))["game_id"]
    await b.send(orjson.dumps({"type": "join", "id": 2, "game_id": gid}).decode())
    await reply(b, 2)
    return Game(gid, Player(a, "black", 2), Player(b, "white", 2))


async def read(game: Game, me: Player, latencies: list[float], stop: asyncio.Event) -> None:
    async for raw in me.ws:
        now = time.perf_counter()
        msg = orjson.loads(raw)
        if msg.get("type") != "update":
            continue
        rev = msg["rev"]
        me.rev = max(me.rev, rev)
        event = msg["event"]
        if event.get("kind") == "move" and event["color"] != me.color:
            sent = game.sent_at.pop(rev, None)
            if sent is not None and not stop.is_set():
                latencies.append(now - sent)
                if TRACE is not None:
                    TRACE.append((sent, now - sent))


async def drive(game: Game, interval: float, offset: float, stop: asyncio.Event) -> None:
    """One move per `interval` per game, alternating players (each moves every 2*interval)."""
    loop = asyncio.get_running_loop()
    next_at = loop.time() + offset
    turn = game.black
    while not stop.is_set():
        await asyncio.sleep(max(0.0, next_at - loop.time()))
        next_at += interval
        other = game.white if turn is game.black else game.black
        rev = max(turn.rev, other.rev)
        if turn.rev < rev:  # the mover has not seen the opponent's move yet: skip this tick
            continue
        if turn.moves >= 170:
            break
        x, y = point(turn.color, turn.moves)
        turn.moves += 1
        game.sent_at[rev + 1] = time.perf_counter()
        await turn.ws.send(orjson.dumps({"type": "move", "game_id": game.id, "rev": rev,
                                         "x": x, "y": y}).decode())
        turn = other


def worker(url: str, games: int, rate: float, seconds: float, warmup: float,
           out: Any, ready: Any, go: Any) -> None:
    with contextlib.suppress(ImportError):
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    out.put(asyncio.run(_worker(url, games, rate, seconds, warmup, ready, go)))


async def _worker(url: str, n: int, rate: float, seconds: float, warmup: float,
                  ready: Any, go: Any) -> dict[str, Any]:
    sem = asyncio.Semaphore(50)

    async def opened() -> Game:
        async with sem:
            return await open_game(url)

    games = await asyncio.gather(*(opened() for _ in range(n)))
    # the load process must not add collector pauses of its own to what it measures
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)
    ready.put(True)
    await asyncio.get_running_loop().run_in_executor(None, go.wait)
    latencies: list[float] = []
    stop = asyncio.Event()
    interval = 1.0 / (2 * rate)  # each player moves once per 1/rate seconds
    tasks = []
    for i, game in enumerate(games):
        for p in (game.black, game.white):
            tasks.append(asyncio.create_task(read(game, p, latencies, stop)))
        tasks.append(asyncio.create_task(drive(game, interval, interval * i / n, stop)))
    await asyncio.sleep(warmup)
    latencies.clear()
    t0, c0 = time.perf_counter(), time.process_time()
    await asyncio.sleep(seconds)
    stop.set()
    elapsed = time.perf_counter() - t0
    result = {"latencies": latencies, "elapsed": elapsed,
              "cpu": (time.process_time() - c0) / elapsed}
    if TRACE is not None:
        lines = "\n".join(f"{s - t0:.4f} {d * 1e3:.3f}" for s, d in TRACE if s >= t0)
        with open(os.environ["LOADGEN_TRACE"], "w") as f:  # noqa: ASYNC230 (after the run)
            f.write(lines)
    for t in tasks:
        t.cancel()
    for game in games:
        for p in (game.black, game.white):
            await p.ws.close()
    return result


async def idle_memory(url: str, pid: int, n: int) -> float:
    """KiB of server RSS per idle connection (hello'd, watching nothing)."""
    before = rss_kib(pid)
    sem = asyncio.Semaphore(100)

    async def one() -> ClientConnection:
        async with sem:
            return await hello(url)

    sockets = await asyncio.gather(*(one() for _ in range(n)))
    await asyncio.sleep(1.0)
    after = rss_kib(pid)
    for ws in sockets:
        await ws.close()
    return (after - before) / n


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]


def scrape(base: str) -> dict[str, float]:
    """The unlabelled and phase-labelled samples of the server's /metrics."""
    text = urllib.request.urlopen(base + "/metrics", timeout=10).read().decode()
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            samples[name] = float(value)
    return samples


def running_games(base: str) -> list[str]:
    games = json.loads(urllib.request.urlopen(base + "/api/games", timeout=10).read())
    return [g["id"] for g in (games.get("games", games) if isinstance(games, dict) else games)
            if g.get("phase") == "playing"]


async def spectate(url: str, n: int, ids: list[str], seconds: float) -> int:
    """`n` sockets each watching one running bot game; the updates they received."""
    if not ids:
        return 0
    received = 0

    async def one(i: int) -> None:
        nonlocal received
        ws = await hello(url)
        await ws.send(orjson.dumps({"type": "watch", "id": 2, "game_id": ids[i % len(ids)]})
                      .decode())
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                async for raw in ws:
                    if orjson.loads(raw).get("type") == "update":
                        received += 1
        await ws.close()

    await asyncio.gather(*(one(i) for i in range(n)))
    return received


def run_bots(args: argparse.Namespace, proc: subprocess.Popen[bytes], url: str) -> None:
    base = url.replace("ws://", "http://").removesuffix("/ws")
    time.sleep(args.warmup)
    m0, cpu0, t0 = scrape(base), cpu_seconds(proc.pid), time.perf_counter()
    updates = 0
    if args.watchers:
        updates = asyncio.run(spectate(url, args.watchers, running_games(base), args.seconds))
    else:
        time.sleep(args.seconds)
    m1, elapsed = scrape(base), time.perf_counter() - t0
    finished = '{phase="finished"}'
    report = {
        "bot_games": args.bots, "rate_per_player": args.rate,
        "db": "memory" if args.db == ":memory:" else f"sqlite/{args.durability}",
        "moves": int(m1["gameserver_moves_total"] - m0["gameserver_moves_total"]),
        "moves_per_s": round((m1["gameserver_moves_total"] - m0["gameserver_moves_total"])
                             / elapsed, 1),
        "commits_per_s": round((m1["gameserver_commits_total"] - m0["gameserver_commits_total"])
                               / elapsed, 1),
        "games_finished": int(m1.get("gameserver_games" + finished, 0)
                              - m0.get("gameserver_games" + finished, 0)),
        "watchers": args.watchers, "watcher_updates": updates,
        "server_cpu": round((cpu_seconds(proc.pid) - cpu0) / elapsed, 3),
        "server_rss_mib": round(rss_kib(proc.pid) / 1024, 1),
    }
    if args.json:
        print(json.dumps(report))
    else:
        for key, value in report.items():
            print(f"{key:>24}: {value}")


def start_server(args: argparse.Namespace, db: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    launcher = ["-m", "gameserver"]
    if args.server_gc == "off":  # an experiment: how much of the tail is the collector's
        launcher = ["-c", "import gc, sys; gc.disable(); from gameserver.__main__ import main; "
                          "main(sys.argv[1:])"]
    cmd = [sys.executable, *launcher, "--port", str(port), "--db", db,
           "--log-level", "warning", "--loop", args.loop,
           "--durability", args.durability, "--no-address-limits"]
    if args.bots:
        cmd += ["--bot", "builtin", "--bot-games", str(args.bots),
                "--bot-move-delay", str(1.0 / (2 * args.rate)),
                "--bot-games-size", str(args.bot_size)]
    proc = subprocess.Popen(cmd, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1).read()
            break
        except OSError:
            time.sleep(0.05)
    else:
        proc.kill()
        raise SystemExit("the server did not start")
    return proc, f"ws://127.0.0.1:{port}/ws"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=100)
    parser.add_argument("--rate", type=float, default=1.0, help="moves per second per player")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--procs", type=int, default=1, help="load processes")
    parser.add_argument("--loop", default="uvloop")
    parser.add_argument("--idle", type=int, default=1000, help="idle connections for memory")
    parser.add_argument("--durability", choices=["default", "strict"], default="default")
    parser.add_argument("--db", default="", help="SQLite file (default: a temporary one; "
                        "':memory:' for none)")
    parser.add_argument("--server-gc", choices=["tuned", "off"], default="tuned")
    parser.add_argument("--url", help="use a running server (ws://host:port/ws) and --pid")
    parser.add_argument("--pid", type=int, help="the running server's pid (for CPU/RSS)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--bots", type=int, default=0,
                        help="run this many built-in bot-vs-bot games instead of players")
    parser.add_argument("--bot-size", type=int, default=19, help="their board size")
    parser.add_argument("--watchers", type=int, default=0,
                        help="with --bots: sockets spectating the bot games")
    args = parser.parse_args()
    if args.bots:
        if args.url:
            raise SystemExit("--bots starts its own server (it passes --bot-games)")
        with tempfile.TemporaryDirectory() as tmp:
            proc, url = start_server(args, args.db or os.path.join(tmp, "bench.sqlite3"))
            try:
                run_bots(args, proc, url)
            finally:
                proc.terminate()
                proc.wait(timeout=30)
        return

    with tempfile.TemporaryDirectory() as tmp:
        if args.url:
            proc, url = None, args.url
        else:
            proc, url = start_server(args, args.db or os.path.join(tmp, "bench.sqlite3"))
        pid = args.pid if proc is None else proc.pid
        try:
            idle = asyncio.run(idle_memory(url, pid, args.idle)) if args.idle and pid else None
            out: Any = mp.Queue()
            ready: Any = mp.Queue()
            go = mp.Event()
            per = [args.games // args.procs + (1 if i < args.games % args.procs else 0)
                   for i in range(args.procs)]
            workers = [mp.Process(target=worker, args=(url, n, args.rate, args.seconds,
                                                       args.warmup, out, ready, go))
                       for n in per]
            for w in workers:
                w.start()
            for _ in workers:
                ready.get(timeout=600)
            cpu0, t0 = (cpu_seconds(pid) if pid else 0.0), time.perf_counter()
            go.set()
            results = [out.get(timeout=args.seconds + args.warmup + 600) for _ in workers]
            server_cpu = ((cpu_seconds(pid) - cpu0) / (time.perf_counter() - t0)) if pid else 0.0
            rss = rss_kib(pid) if pid else 0
            for w in workers:
                w.join()
        finally:
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=30)
    latencies = [x for r in results for x in r["latencies"]]
    elapsed = max(r["elapsed"] for r in results)
    report = {
        "games": args.games, "rate_per_player": args.rate, "loop": args.loop,
        "db": "memory" if args.db == ":memory:" else f"sqlite/{args.durability}",
        "moves": len(latencies), "moves_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(percentile(latencies, 50) * 1e3, 3),
        "p99_ms": round(percentile(latencies, 99) * 1e3, 3),
        "p999_ms": round(percentile(latencies, 99.9) * 1e3, 3),
        "mean_ms": round(statistics.fmean(latencies) * 1e3, 3) if latencies else None,
        "server_cpu": round(server_cpu, 3),
        "loadgen_cpu": [round(r["cpu"], 3) for r in results],
        "server_rss_mib": round(rss / 1024, 1),
        "idle_kib_per_connection": None if idle is None else round(idle, 1),
    }
    if args.json:
        print(json.dumps(report))
    else:
        for key, value in report.items():
            print(f"{key:>24}: {value}")


if __name__ == "__main__":
    main()
