"""The game server as a cluster on one PostgreSQL database: move -> opponent latency with the
two players of every game on different nodes, and saturated moves per second for 1, 2 and 4
nodes.

Starts a private PostgreSQL (fsync on: commits are durable), the nodes (`python -m gameserver
--db postgresql://...`) and the load in one or two processes of its own, all on this machine:
PostgreSQL, the nodes and the load share its cores, so read the figures as what one machine
does, not as what the cluster would do on its own machines.

    .venv/bin/python bench/bench_cluster.py latency --games 1000 --nodes 2 --seconds 20
    .venv/bin/python bench/bench_cluster.py throughput --games 200 --seconds 10  # 1, 2, 4 nodes

Latency: every player moves once per second (alternating turns), black on node i, white on
node i+1; each move is timed from the mover's send to the opponent's socket receiving the
update. With `--client node` the load is the peer rig's Node load generator instead (far
cheaper than these Python clients, which take about 40 % of a core at 1,000 games): black on
node 0, white on node 1, `--rate` moves a second per game (the rig's pacing: the player on
turn waits 0.5-1.5 s / rate). Throughput: every game plays as fast as it can (each player
moves as soon as it sees the opponent's move), and the moves committed per second are
counted.

    .venv/bin/python bench/bench_cluster.py latency --client node --rate 1 --games 1000
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing as mp
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import orjson
from websockets.asyncio.client import ClientConnection, connect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flowstate.postgres_server import TemporaryPostgres  # noqa: E402

SIZE = 19


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_nodes(dsn: str, n: int) -> list[tuple[subprocess.Popen[bytes], int]]:
    nodes = []
    for i in range(n):
        port = free_port()
        proc = subprocess.Popen(
            [sys.executable, "-m", "gameserver", "--port", str(port), "--db", dsn,
             "--node-id", f"n{i}", "--log-level", "warning", "--no-address-limits"], cwd=ROOT)
        nodes.append((proc, port))
    for proc, port in nodes:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
                break
            except OSError:
                if proc.poll() is not None:
                    raise SystemExit("a node exited at start") from None
                time.sleep(0.05)
    return nodes


def stop_nodes(nodes: list[tuple[subprocess.Popen[bytes], int]]) -> None:
    for proc, _ in nodes:
        proc.terminate()
    for proc, _ in nodes:
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(root: int) -> float:
    """CPU seconds of process `root` and its live children (PostgreSQL: the postmaster and
    its backends)."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        if int(stat.parent.name) == root or int(fields[1]) == root:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def machine_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine so far, all cores (/proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    idle = values[3] + values[4]  # idle, iowait
    return sum(values) - idle, sum(values)


async def hello(url: str) -> ClientConnection:
    ws = await connect(url, compression=None, max_size=None)
    await ws.send('{"type":"hello","id":1}')
    await reply(ws, 1)
    return ws


async def reply(ws: ClientConnection, rid: int) -> dict[str, Any]:
    while True:
        msg = orjson.loads(await ws.recv())
        if msg.get("id") == rid:
            if msg["type"] == "error":
                raise RuntimeError(msg)
            return msg  # type: ignore[no-any-return]


class Game:
    def __init__(self, gid: str, black: ClientConnection, white: ClientConnection) -> None:
        self.id, self.black, self.white = gid, black, white
        self.rev = 2
        self.moves = 0
        self.sent_at = 0.0
        self.seen = asyncio.Event()


async def open_game(black_url: str, white_url: str) -> Game:
    black, white = await hello(black_url), await hello(white_url)
    await black.send(f'{{"type":"create","id":2,"size":{SIZE},"color":"black"}}')
    gid = (await reply(black, 2))["game_id"]
    for _ in range(50):  # the game may take a notification's time to reach white's node
        await white.send(orjson.dumps({"type": "join", "id": 3, "game_id": gid}).decode())
        try:
            await reply(white, 3)
            break
        except RuntimeError:
            await asyncio.sleep(0.05)
    return Game(gid, black, white)


def point(n: int) -> tuple[int, int]:
    """Black fills rows from the top, white from the bottom: nothing is captured for 170 moves."""
    half = n // 2
    x, row = half % SIZE, half // SIZE
    return (x, row) if n % 2 == 0 else (x, SIZE - 1 - row)


async def reader(game: Game, ws: ClientConnection, color: str, latencies: list[float],
                 stop: asyncio.Event) -> None:
    async for raw in ws:
        msg = orjson.loads(raw)
        if msg.get("type") != "update":
            continue
        game.rev = max(game.rev, msg["rev"])
        event = msg["event"]
        if event.get("kind") == "move" and event["color"] != color:
            if game.sent_at and not stop.is_set():
                latencies.append(time.perf_counter() - game.sent_at)
            game.seen.set()


async def send_move(game: Game) -> None:
    n = game.moves
    ws = game.black if n % 2 == 0 else game.white
    x, y = point(n)
    game.moves += 1
    game.seen.clear()
    game.sent_at = time.perf_counter()
    await ws.send(orjson.dumps({"type": "move", "game_id": game.id, "rev": game.rev,
                                "x": x, "y": y}).decode())


async def paced(game: Game, interval: float, offset: float, stop: asyncio.Event) -> None:
    await asyncio.sleep(offset)
    while not stop.is_set() and game.moves < 170:
        await send_move(game)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(5):
                await game.seen.wait()
        await asyncio.sleep(interval)


async def flat_out(game: Game, stop: asyncio.Event) -> None:
    while not stop.is_set() and game.moves < 170:
        await send_move(game)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(5):
                await game.seen.wait()


async def drive(urls: list[str], games: int, seconds: float, mode: str,
                first: int) -> dict[str, Any]:
    sem = asyncio.Semaphore(50)

    async def one(i: int) -> Game:
        async with sem:
            k = first + i
            return await open_game(urls[k % len(urls)], urls[(k + 1) % len(urls)])

    opened = await asyncio.gather(*(one(i) for i in range(games)))
    latencies: list[float] = []
    stop = asyncio.Event()
    tasks = []
    for game in opened:
        tasks.append(asyncio.create_task(reader(game, game.black, "black", latencies, stop)))
        tasks.append(asyncio.create_task(reader(game, game.white, "white", latencies, stop)))
    rng = random.Random(first)
    for game in opened:
        tasks.append(asyncio.create_task(
            paced(game, 0.5, rng.random(), stop) if mode == "latency" else flat_out(game, stop)))
    await asyncio.sleep(2.0)  # warm-up
    latencies.clear()
    moves0 = sum(g.moves for g in opened)
    t0 = time.perf_counter()
    await asyncio.sleep(seconds)
    stop.set()
    elapsed = time.perf_counter() - t0
    moves = sum(g.moves for g in opened) - moves0
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for game in opened:
        await game.black.close()
        await game.white.close()
    return {"latencies": latencies, "moves_per_s": moves / elapsed}


def worker(urls: list[str], games: int, seconds: float, mode: str, first: int,
           out: Any) -> None:
    with contextlib.suppress(ImportError):
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    out.put(asyncio.run(drive(urls, games, seconds, mode, first)))


PEER = ROOT / "bench" / "peer"


def node_loadgen() -> Path:
    """The peer rig's Node load generator in a writable folder with its packages (installed
    on first use, as `bench/peer/run.sh` does)."""
    work = Path(os.environ.get("PEER_WORK", Path.home() / ".cache" / "peer-rig"))
    work.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json", "loadgen.mjs"):
        (work / name).write_bytes((PEER / name).read_bytes())
    if not (work / "node_modules" / "ws").is_dir():
        npm = ["--no-fund", "--no-audit", "--loglevel=error"]
        # as run.sh: npm ci can fail where the registry lacks other platforms' optional packages
        if subprocess.run(["npm", "ci", *npm], cwd=work, stdout=subprocess.DEVNULL).returncode:
            subprocess.run(["npm", "install", *npm], cwd=work, check=True,
                           stdout=subprocess.DEVNULL)
    return work


def run_node(dsn: str, data_dir: str, nodes: int, games: int, seconds: float,
             rate: float) -> dict[str, Any]:
    """Latency under the peer rig's Node load generator: black on node 0, white on node 1
    (other nodes idle), 19x19 with the server's default clock, `rate` moves a second per
    game; a client far cheaper than the Python one, so the nodes and PostgreSQL get more of
    the shared cores. CPU of node 0, node 1 and PostgreSQL (all its processes) over the
    measuring window."""
    work = node_loadgen()
    postmaster = int((Path(data_dir) / "postmaster.pid").read_text().split()[0])
    running = start_nodes(dsn, max(nodes, 2))
    try:
        with tempfile.NamedTemporaryFile(suffix=".jsonl", delete=False) as out:
            results = Path(out.name)
        urls = [f"ws://127.0.0.1:{port}/ws" for _, port in running]
        subprocess.run(
            ["node", "loadgen.mjs", "--target", "ours", "--url", urls[0], "--url2", urls[1],
             "--games", str(games), "--seconds", str(int(seconds)), "--rate", str(rate),
             "--size", str(SIZE), "--time-control", "default", "--no-deflate",
             "--pid", str(running[0][0].pid), "--label", f"cluster-{nodes}",
             "--watch", f"node1={running[1][0].pid},postgres={postmaster}",
             "--json-out", str(results)],
            cwd=work, check=True)
        row = orjson.loads(results.read_text().splitlines()[-1])
        results.unlink()
    finally:
        stop_nodes(running)
    return {"mode": "latency", "client": "node", "nodes": nodes, "games": games,
            "rate": rate, "moves_per_s": row["moves_per_s"], "p50_ms": row["p50_ms"],
            "p99_ms": row["p99_ms"], "p999_ms": row["p999_ms"], "errors": row["errors"],
            "node0_cpu_pct": row["server_cpu_pct"],
            "node1_cpu_pct": row["watched_cpu_pct"]["node1"],
            "postgres_cpu_pct": row["watched_cpu_pct"]["postgres"],
            "loadgen_cpu_pct": row["loadgen_cpu_pct"]}


def run(dsn: str, data_dir: str, nodes: int, games: int, seconds: float, mode: str,
        procs: int) -> dict[str, Any]:
    """The Python load processes against `nodes` nodes; the CPU of the nodes, of PostgreSQL
    and of the whole machine (every core: nodes, PostgreSQL and the load together) over the
    run, so that a run that does not scale names what it ran out of."""
    postmaster = int((Path(data_dir) / "postmaster.pid").read_text().split()[0])
    running = start_nodes(dsn, nodes)
    try:
        urls = [f"ws://127.0.0.1:{port}/ws" for _, port in running]
        cpu0 = [cpu_seconds(p.pid) for p, _ in running]
        pg0, machine0 = tree_cpu_seconds(postmaster), machine_ticks()
        out: Any = mp.Queue()
        share = games // procs
        workers = [mp.Process(target=worker, args=(urls, share, seconds, mode, i * share, out))
                   for i in range(procs)]
        t0 = time.perf_counter()
        for w in workers:
            w.start()
        results = [out.get() for _ in workers]
        for w in workers:
            w.join()
        wall = time.perf_counter() - t0
        cpu = [cpu_seconds(p.pid) - c for (p, _), c in zip(running, cpu0, strict=True)]
        pg = tree_cpu_seconds(postmaster) - pg0
        machine1 = machine_ticks()
    finally:
        stop_nodes(running)
    lat = sorted(x for r in results for x in r["latencies"])

    def pct(p: float) -> float | None:
        return round(lat[min(len(lat) - 1, int(len(lat) * p / 100))] * 1000, 2) if lat else None

    return {"mode": mode, "nodes": nodes, "games": games, "moves_per_s":
            round(sum(r["moves_per_s"] for r in results)), "p50_ms": pct(50),
            "p99_ms": pct(99), "p999_ms": pct(99.9),
            "node_cpu_pct": [round(c / wall * 100) for c in cpu],
            "postgres_cpu_pct": round(pg / wall * 100),
            # of all cores together: 100 % is every core busy the whole run
            "machine_busy_pct": round((machine1[0] - machine0[0])
                                      / max(1, machine1[1] - machine0[1]) * 100)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["latency", "throughput"])
    parser.add_argument("--games", type=int, default=1000)
    parser.add_argument("--nodes", type=int, nargs="+", default=None,
                        help="node counts to run (latency: 2; throughput: 1 2 4)")
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--procs", type=int, default=2, help="load processes")
    parser.add_argument("--client", choices=["python", "node"], default="python",
                        help="latency only: node = the peer rig's load generator")
    parser.add_argument("--rate", type=float, default=1.0,
                        help="--client node: moves a second per game (the rig's rate)")
    args = parser.parse_args()
    counts = args.nodes or ([2] if args.mode == "latency" else [1, 2, 4])
    with TemporaryPostgres(durable=True) as pg:
        for i, n in enumerate(counts):
            dsn = f"{pg.dsn}?schema=bench{i}"
            if args.client == "node" and args.mode == "latency":
                print(run_node(dsn, os.path.join(pg.dir, "data"), n, args.games, args.seconds,
                               args.rate), flush=True)
            else:
                print(run(dsn, os.path.join(pg.dir, "data"), n, args.games, args.seconds,
                          args.mode, args.procs), flush=True)


if __name__ == "__main__":
    main()
