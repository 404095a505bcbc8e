"""Abuse suite: each attack on a real `python -m gameserver` while 20 ordinary games play.

Loopback only (the attackers use other 127.x.y.z source addresses, so the per-address caps
see them as other machines), bounded in time (`--seconds` per attack; about two minutes in
all). For the no-attack baseline and for each attack it reports the ordinary games' move
latency p50/p99 (from the mover's `send` to the opponent receiving the `update`), the
server's RSS at the start and its peak during the attack, and whether a new client (a new
address, a new identity) could connect and start a game against the bot while the attack ran.
At the end the server is stopped and started again on the same file: the restart time and
what it holds in memory follow the live games, not every game ever finished.
Each phase also prints what the server itself measured (its `/metrics` histogram): how many
of its pushes took over 1 ms and over 5 ms from the moment a connection's task took the
command. A move slow for the players but not there waited before the server read it (in the
kernel, behind other callbacks) or after it wrote it.

    .venv/bin/python bench/abuse.py                 # every attack, 8 s each
    .venv/bin/python bench/abuse.py --only ping,slowloris --seconds 5
    .venv/bin/python bench/abuse.py --only churn --finished 10000   # restart after 10,000
    .venv/bin/python bench/abuse.py --rounds 3      # every phase 3 times over, moves pooled

Each attack runs in its own process (so the attackers' Python does not slow the measuring
client) and gets the same length of time:

- `cpu`: the control, no attack: the attacker's process only keeps one core busy (as the
  connection floods' attackers do), so the rows below can be read against what the
  attacker's own CPU costs the ordinary games on a shared machine.
- `lobby`: 20 addresses make identities and open games until the caps refuse them; one socket
  subscribes to the lobby 10 times a second; two sockets subscribe and never read; two HTTP
  clients fetch `GET /api/games?phase=open` in a loop.
- `ping`: four sockets send websocket pings as fast as they can (reconnecting when cut off),
  one of them never reading its pongs.
- `slowloris`: four addresses hold as many half-sent HTTP requests and upgrades as the server
  lets them, opening new ones when cut off.
- `churn`: four sockets play a bot game and resign, over and over (finished games pile up).
- `api`: two HTTP clients fetch the largest page of finished games in a loop.
- `bot`: fifty sockets play the built-in bot on 25x25 as fast as it answers.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing as mp
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

ROOT = Path(__file__).resolve().parent.parent
SIZE = 19
ATTACKS = ("cpu", "lobby", "ping", "slowloris", "churn", "api", "bot")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


# -- a minimal client -----------------------------------------------------------------------


class Client:
    """One websocket; replies by id, pushes to a callback."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self._ids = iter(range(1, 1 << 62))
        self._waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.on_push: Callable[[dict[str, Any], float], None] = lambda frame, at: None
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def open(cls, url: str, source: str = "127.0.0.1", **options: Any) -> Client:
        ws = await connect(url, compression=None, max_size=None, open_timeout=10,
                           local_addr=(source, 0), **options)
        return cls(ws)

    async def _read(self) -> None:
        with contextlib.suppress(ConnectionClosed):
            async for raw in self.ws:
                at = time.perf_counter()
                frame = orjson.loads(raw)
                rid = frame.get("id")
                future = self._waiting.pop(rid, None) if isinstance(rid, int) else None
                if future is not None and frame.get("type") in ("ok", "error", "welcome"):
                    if not future.done():
                        future.set_result(frame)
                else:
                    self.on_push(frame, at)
        for future in self._waiting.values():
            if not future.done():
                future.set_exception(ConnectionError("closed"))

    async def request(self, type: str, **fields: Any) -> dict[str, Any]:
        """The reply (`ok`, `error` or `welcome`); 10 s at most."""
        rid = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[rid] = future
        await self.ws.send(orjson.dumps({"type": type, "id": rid, **fields}).decode())
        async with asyncio.timeout(10.0):
            return await future

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.ws.close()
        self._reader.cancel()


# -- the ordinary games ---------------------------------------------------------------------


@dataclass
class Meter:
    phase: str = "warmup"
    latencies: dict[str, list[float]] = field(default_factory=dict)
    #: (when it was sent, latency) of every move, by phase
    timeline: dict[str, list[tuple[float, float]]] = field(default_factory=dict)

    def add(self, phase: str, seconds: float, sent_at: float) -> None:
        self.latencies.setdefault(phase, []).append(seconds)
        self.timeline.setdefault(phase, []).append((sent_at, seconds))

    def by_second(self, phase: str, start: float) -> str:
        """The worst move latency in each second of the phase, in ms: where the p99 comes
        from (a burst at the attack's start, or all along)."""
        worst: dict[int, float] = {}
        for at, seconds in self.timeline.get(phase, []):
            second = int(at - start)
            worst[second] = max(worst.get(second, 0.0), seconds)
        return " ".join(f"{worst[s] * 1000:.0f}" for s in sorted(worst))


def point(color: str, n: int) -> tuple[int, int]:
    """Black fills from the top row down, white from the bottom up: no contact for 171 moves."""
    x, row = n % SIZE, n // SIZE
    return (x, row) if color == "black" else (x, SIZE - 1 - row)


async def ordinary_pair(url: str, meter: Meter, interval: float, stop: asyncio.Event,
                        offset: float, source: str) -> None:
    """Two players (a household: one address) on 19x19, one move per `interval` in turn, a
    new game every 300 moves.

    Each pair's moves keep to a fixed schedule (`offset`, then every `interval`), not a sleep
    after each move: with sleeps, the pairs' moves drift into step with one another (the
    client's loop wakes several timers at once, and those pairs then sleep from the same
    instant), and within a minute half the moves were sent within 1 ms of another, in
    bursts the server and this client work through one after the other. The ordinary p50
    doubled over the run from that alone, with no attack, which inflated the ratio of every
    attack measured later."""
    black, white = await Client.open(url, source), await Client.open(url, source)
    for client in (black, white):
        welcome = await client.request("hello", name="Ordinary")
        if welcome["type"] != "welcome":
            raise SystemExit(f"an ordinary player was refused: {welcome}")
    loop = asyncio.get_running_loop()
    due = loop.time() + offset
    while not stop.is_set():
        created = await black.request("create", size=SIZE, color="black")
        if created["type"] != "ok":
            raise SystemExit(f"an ordinary game was refused: {created}")
        game_id = created["game_id"]
        await white.request("join", game_id=game_id)
        seen: dict[int, asyncio.Event] = {}
        sent: dict[int, tuple[str, float]] = {}

        def pushed(me: str, game_id: str = game_id, sent: dict[int, tuple[str, float]] = sent,
                   seen: dict[int, asyncio.Event] = seen
                   ) -> Callable[[dict[str, Any], float], None]:
            def on(frame: dict[str, Any], at: float) -> None:
                if frame.get("type") != "update" or frame.get("game_id") != game_id:
                    return
                rev = frame["rev"]
                if frame["event"].get("color") not in (me, None) and rev in sent:
                    phase, t0 = sent.pop(rev)
                    meter.add(phase, at - t0, t0)  # the opponent saw the move
                seen.setdefault(rev, asyncio.Event()).set()
            return on

        black.on_push, white.on_push = pushed("black"), pushed("white")
        rev = 2
        for n in range(300):
            due += interval
            await asyncio.sleep(max(0.0, due - loop.time()))
            if stop.is_set():
                break
            turn = black if n % 2 == 0 else white
            color = "black" if turn is black else "white"
            x, y = point(color, n // 2)
            sent[rev + 1] = (meter.phase, time.perf_counter())
            await turn.ws.send(orjson.dumps({"type": "move", "game_id": game_id, "rev": rev,
                                             "x": x, "y": y}).decode())
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(10):
                    await seen.setdefault(rev + 1, asyncio.Event()).wait()
            rev += 1
            if loop.time() > due + interval:
                due = loop.time()  # a move later than a whole interval: start again from now
        with contextlib.suppress(Exception):
            await black.request("resign", game_id=game_id)
    await black.close()
    await white.close()


async def probe(url: str, source: str) -> tuple[bool, float, str]:
    """A newcomer: connect, hello (a new identity), a game against the bot that starts."""
    t0 = time.perf_counter()
    try:
        async with asyncio.timeout(10):
            client = await Client.open(url, source)
            try:
                welcome = await client.request("hello", name="Newcomer")
                if welcome.get("type") != "welcome":
                    return False, time.perf_counter() - t0, str(welcome.get("code"))
                reply = await client.request("create", size=9, opponent="bot")
                if reply.get("type") != "ok":
                    return False, time.perf_counter() - t0, str(reply.get("code"))
                return True, time.perf_counter() - t0, ""
            finally:
                await client.close()
    except (OSError, TimeoutError, InvalidHandshake, ConnectionError) as error:
        return False, time.perf_counter() - t0, type(error).__name__


# -- the attacks (each in its own process) -------------------------------------------------


def attack_process(name: str, url: str, base: str, seconds: float, out: Any, nice: int,
                   ready: Any, go: Any, net: str = "127.0") -> None:
    """One attack, started when the measuring process says `go` (this process's start, and
    the imports, are over by then: they are not part of the phase)."""
    if nice:
        os.nice(nice)
    ready.set()
    go.wait()
    started = time.process_time()
    stats: dict[str, Any] = {}
    if name == "cpu":
        spin(seconds)
    else:
        with contextlib.suppress(Exception):
            asyncio.run(_attack(name, url, base, seconds, stats, net))
    stats["attacker_cpu_s"] = round(time.process_time() - started, 2)
    out.put(stats)


async def _attack(name: str, url: str, base: str, seconds: float, stats: dict[str, Any],
                  net: str) -> None:
    """`net`: the first two parts of the attack's source addresses (each round of
    `--rounds` attacks from new ones, so it meets the per-address caps afresh)."""
    stop_at = time.perf_counter() + seconds
    runners: dict[str, Callable[[], list[Coroutine[Any, Any, None]]]] = {
        "lobby": lambda: [lobby_flood(url, f"{net}.2.{i + 1}", stop_at, stats) for i in range(20)]
        + [lobby_subscriber(url, net, stop_at, stats, read=True)]
        + [lobby_subscriber(url, net, stop_at, stats, read=False) for _ in range(2)]
        + [http_loop(base, "/api/games?phase=open", f"{net}.2.{30 + i}", stop_at, stats)
           for i in range(2)],
        "ping": lambda: [ping_flood(url, f"{net}.3.{i + 1}", stop_at, stats, read=i != 0)
                         for i in range(4)],
        "slowloris": lambda: [slowloris(base, f"{net}.4.{i + 1}", stop_at, stats)
                              for i in range(4)],
        "churn": lambda: [churn(url, f"{net}.5.{i + 1}", stop_at, stats) for i in range(4)],
        "api": lambda: [http_loop(base, "/api/games?phase=finished&limit=200",
                                  f"{net}.6.{i + 1}", stop_at, stats) for i in range(2)],
        "bot": lambda: [bot_player(url, f"{net}.7.{i // 25 + 1}", stop_at, stats)
                        for i in range(50)],
    }
    tasks = [asyncio.ensure_future(a) for a in runners[name]()]
    await asyncio.sleep(max(0.0, stop_at - time.perf_counter()))
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def spin(seconds: float) -> None:
    """The control: an attacker process that sends nothing and keeps one core busy, as the
    connection floods' attackers do. What it costs the ordinary games is this machine's
    (the attacker's CPU taken from the server and the players), not the server's."""
    stop_at = time.perf_counter() + seconds
    while time.perf_counter() < stop_at:
        sum(range(1000))


def bump(stats: dict[str, Any], key: str, n: int = 1) -> None:
    stats[key] = stats.get(key, 0) + n


async def lobby_flood(url: str, source: str, stop_at: float, stats: dict[str, Any]) -> None:
    """Identities and open games from one address until the caps say no."""
    clients = []
    try:
        while time.perf_counter() < stop_at:
            client = await Client.open(url, source)
            clients.append(client)
            welcome = await client.request("hello")
            if welcome["type"] != "welcome":
                bump(stats, f"hello_{welcome.get('code')}")
                await asyncio.sleep(0.5)
                continue
            bump(stats, "identities")
            for _ in range(10):
                reply = await client.request("create", size=9)
                if reply["type"] != "ok":
                    bump(stats, f"create_{reply.get('code')}")
                    await asyncio.sleep(0.05)
                    break
                bump(stats, "open_games")
    finally:
        for client in clients:
            await client.close()


async def lobby_subscriber(url: str, net: str, stop_at: float, stats: dict[str, Any], *,
                           read: bool) -> None:
    """`lobby_subscribe` 10 times a second; with `read=False` the socket never reads."""
    while time.perf_counter() < stop_at:
        try:
            client = await Client.open(url, f"{net}.2.40" if read else f"{net}.2.41")
            await client.request("hello")
            if not read:
                client.ws.transport.pause_reading()
            while time.perf_counter() < stop_at:
                await client.ws.send('{"type":"lobby_subscribe"}')
                bump(stats, "lobby_subscribes")
                await asyncio.sleep(0.1)
        except (ConnectionClosed, OSError, TimeoutError, InvalidHandshake):
            bump(stats, "subscriber_cut")
            await asyncio.sleep(0.2)


async def http_loop(base: str, path: str, source: str, stop_at: float,
                    stats: dict[str, Any]) -> None:
    host, port = base.removeprefix("http://").split(":")
    request = f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
    while time.perf_counter() < stop_at:
        try:
            reader, writer = await asyncio.open_connection(host, int(port),
                                                           local_addr=(source, 0))
            writer.write(request)
            body = await reader.read()
            writer.close()
            bump(stats, "http_requests")
            bump(stats, "http_bytes", len(body))
        except OSError:
            bump(stats, "http_refused")
            await asyncio.sleep(0.1)


async def ping_flood(url: str, source: str, stop_at: float, stats: dict[str, Any], *,
                     read: bool) -> None:
    while time.perf_counter() < stop_at:
        try:
            client = await Client.open(url, source)
            if not read:
                client.ws.transport.pause_reading()
            while time.perf_counter() < stop_at:
                for _ in range(100):
                    await client.ws.ping()
                bump(stats, "pings", 100)
                await asyncio.sleep(0)
        except (ConnectionClosed, OSError, TimeoutError, InvalidHandshake):
            bump(stats, "ping_sockets_cut")
            await asyncio.sleep(0.05)


async def slowloris(base: str, source: str, stop_at: float, stats: dict[str, Any]) -> None:
    host, port = base.removeprefix("http://").split(":")
    held: list[asyncio.StreamWriter] = []
    try:
        while time.perf_counter() < stop_at:
            try:
                _, writer = await asyncio.open_connection(host, int(port),
                                                          local_addr=(source, 0))
            except OSError:
                bump(stats, "slowloris_refused")
                await asyncio.sleep(0.05)
                continue
            writer.write(b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n")
            held.append(writer)
            bump(stats, "slowloris_opened")
            held = [w for w in held if not w.is_closing()]
            stats["slowloris_held_max"] = max(stats.get("slowloris_held_max", 0), len(held))
            if len(held) % 50 == 0:
                for w in held:
                    with contextlib.suppress(Exception):
                        w.write(b"X-a: b\r\n")
                await asyncio.sleep(0.01)
    finally:
        for writer in held:
            writer.close()


async def churn(url: str, source: str, stop_at: float, stats: dict[str, Any]) -> None:
    """A bot game, resigned at once, again and again."""
    client = await Client.open(url, source)
    await client.request("hello")
    try:
        while time.perf_counter() < stop_at:
            reply = await client.request("create", size=9, opponent="bot")
            if reply["type"] != "ok":
                bump(stats, f"create_{reply.get('code')}")
                await asyncio.sleep(0.1)
                continue
            reply = await client.request("resign", game_id=reply["game_id"])
            bump(stats, "finished" if reply["type"] == "ok" else f"resign_{reply.get('code')}")
    finally:
        await client.close()


async def bot_player(url: str, source: str, stop_at: float, stats: dict[str, Any]) -> None:
    """A 25x25 game against the built-in bot, moving as soon as it is our turn."""
    client = await Client.open(url, source)
    await client.request("hello")
    turn = asyncio.Event()
    state = {"rev": 1}

    def on(frame: dict[str, Any], at: float) -> None:
        if frame.get("type") == "update":
            state["rev"] = frame["rev"]
            if frame["event"].get("color") == "white":
                turn.set()

    client.on_push = on
    reply = await client.request("create", size=25, opponent="bot", color="black")
    game_id = reply["game_id"]
    points = [(x, y) for y in range(0, 25, 2) for x in range(0, 25, 2)]
    try:
        for x, y in points:
            if time.perf_counter() >= stop_at:
                break
            turn.clear()
            reply = await client.request("move", game_id=game_id, rev=state["rev"], x=x, y=y)
            if reply["type"] != "ok":
                bump(stats, f"move_{reply.get('code')}")
                continue
            bump(stats, "bot_moves_asked")
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(10):
                    await turn.wait()
    finally:
        await client.close()


# -- the run --------------------------------------------------------------------------------


#: `python -m gameserver` with a probe of its event loop: a task that sleeps 2 ms over and
#: over and appends every wake-up more than 5 ms late (the loop was busy, or the process not
#: scheduled) to the file $ABUSE_LAG_FILE as "unix-time milliseconds"
LAG_PROBE = """
import asyncio, os, runpy, sys, time
path = os.environ["ABUSE_LAG_FILE"]
async def probe():
    with open(path, "a", buffering=1) as out:
        while True:
            t0 = time.perf_counter()
            await asyncio.sleep(0.002)
            late = time.perf_counter() - t0 - 0.002
            if late > 0.005:
                out.write(f"{time.time():.3f} {late * 1000:.1f}\\n")
run = asyncio.Runner.run
def run_with_probe(self, main, **kw):
    async def both():
        task = asyncio.ensure_future(probe())
        try:
            return await main
        finally:
            task.cancel()
    return run(self, both(), **kw)
asyncio.Runner.run = run_with_probe
sys.argv[0] = "gameserver"
runpy.run_module("gameserver", run_name="__main__", alter_sys=True)
"""


def start_server(db: str, port: int, lag_file: str = "",
                 extra: Sequence[str] = ()) -> subprocess.Popen[bytes]:
    options = ["--port", str(port), "--db", db, "--log-level", "warning", "--bot", "builtin",
               *extra]
    if lag_file:
        return subprocess.Popen([sys.executable, "-c", LAG_PROBE, *options], cwd=ROOT,
                                env={**os.environ, "ABUSE_LAG_FILE": lag_file})
    return subprocess.Popen([sys.executable, "-m", "gameserver", *options], cwd=ROOT)


def server_stalls(lag_file: str, start: float, end: float) -> str:
    """With `--loop-lag`: the server's event-loop stalls between two unix times."""
    if not lag_file or not os.path.exists(lag_file):
        return ""
    late = [float(ms) for at, ms in (line.split() for line in Path(lag_file).read_text()
                                     .splitlines()) if start <= float(at) < end]
    return (f"server loop: {len(late)} stalls over 5 ms, {sum(ms > 20 for ms in late)} over "
            f"20 ms, worst {max(late, default=0.0):.0f} ms")


def wait_ready(base: str, proc: subprocess.Popen[bytes]) -> float:
    t0 = time.perf_counter()
    for _ in range(1200):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1).read()
            return time.perf_counter() - t0
        except OSError:
            if proc.poll() is not None:
                raise SystemExit("the server exited") from None
            time.sleep(0.025)
    proc.kill()
    raise SystemExit("the server did not start")


def profile(directory: str, pid: int, phase: str,
            seconds: float) -> subprocess.Popen[bytes] | None:
    """With `--profile DIR`: py-spy (not a dependency of the project: `pip install py-spy`)
    samples the server for the phase into DIR/PHASE.txt, in its raw (collapsed) format."""
    if not directory:
        return None
    os.makedirs(directory, exist_ok=True)
    spy = Path(sys.executable).with_name("py-spy")
    return subprocess.Popen([str(spy), "record", "--pid", str(pid), "--duration",
                             str(max(1, int(seconds))), "--rate", "200", "-f", "raw", "-o",
                             os.path.join(directory, f"{phase}.txt")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def push_latency(base: str) -> dict[str, int]:
    """The server's own histogram of command-to-push latency (`GET /metrics`, which answers
    loopback clients by default): cumulative counts by upper bound (seconds, as text)."""
    text = urllib.request.urlopen(base + "/metrics", timeout=10).read().decode()
    counts = {}
    for line in text.splitlines():
        if line.startswith("gameserver_push_latency_seconds_bucket"):
            bound = line.split('le="', 1)[1].split('"', 1)[0]
            counts[bound] = int(float(line.rsplit(" ", 1)[1]))
    return counts


def server_side(before: dict[str, int], after: dict[str, int]) -> str:
    """What the server itself saw of a phase: its pushes, and how many took over 1 and 5 ms
    from the moment the connection's task took the command (the time a command waits in the
    kernel or behind other callbacks before that is not in it)."""
    total = after.get("+Inf", 0) - before.get("+Inf", 0)

    def over(bound: str) -> int:
        return total - (after.get(bound, 0) - before.get(bound, 0))

    return f"server-side pushes {total}: {over('0.001')} over 1 ms, {over('0.005')} over 5 ms"


def get_json(base: str, path: str) -> Any:
    return orjson.loads(urllib.request.urlopen(base + path, timeout=10).read())


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "abuse.sqlite3")
        port = free_port()
        base, url = f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}/ws"
        args.lag_file = os.path.join(tmp, "lag.txt") if args.loop_lag else ""
        proc = start_server(db, port, args.lag_file, args.server_args.split())
        try:
            await asyncio.to_thread(wait_ready, base, proc)
            await measure(args, proc, base, url)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(30)
        if args.finished:
            await fill_finished(args.finished, db, port)
        finished = None
        restart = start_server(db, port, extra=args.server_args.split())
        try:
            ready = await asyncio.to_thread(wait_ready, base, restart)
            finished = get_json(base, "/api/games?phase=finished&limit=1")["total"]
            held = get_json(base, "/healthz")["games"]
            print(f"\nrestart on the same file: ready in {ready:.2f} s with {finished} finished "
                  f"games stored, {held} games in memory, RSS {rss_mib(restart.pid):.0f} MiB")
        finally:
            restart.send_signal(signal.SIGTERM)
            restart.wait(30)


async def fill_finished(n: int, db: str, port: int) -> None:
    """`n` more finished games in the file (bot games resigned at once, ten per address from
    as many addresses as that takes), on a server of their own, stopped after."""
    proc = start_server(db, port)
    base, url = f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}/ws"
    t0 = time.perf_counter()
    try:
        await asyncio.to_thread(wait_ready, base, proc)

        async def one_address(i: int) -> int:
            client = await Client.open(url, f"127.1.{i // 250}.{i % 250 + 1}")
            try:
                await client.request("hello")
                done = 0
                for _ in range(10):
                    reply = await client.request("create", size=9, opponent="bot",
                                                 color="black")
                    if reply["type"] == "ok":
                        await client.request("resign", game_id=reply["game_id"])
                        done += 1
                return done
            finally:
                await client.close()

        made = 0
        addresses = (n + 9) // 10
        for start in range(0, addresses, 50):
            made += sum(await asyncio.gather(*(one_address(i) for i in
                                               range(start, min(addresses, start + 50)))))
        print(f"\nfilled {made} finished games in {time.perf_counter() - t0:.1f} s; server RSS "
              f"{rss_mib(proc.pid):.0f} MiB, {get_json(base, '/healthz')['games']} games in "
              "memory", flush=True)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)


async def measure(args: argparse.Namespace, proc: subprocess.Popen[bytes], base: str,
                  url: str) -> None:
    meter = Meter()
    stop = asyncio.Event()
    pairs = [asyncio.create_task(ordinary_pair(url, meter, args.interval, stop,
                                               i * args.interval / args.games,
                                               f"127.0.8.{i + 1}"))
             for i in range(args.games)]
    await asyncio.sleep(3)  # warm-up
    rows = []
    # each round is the baseline and then each attack, so an attack is judged against the
    # baseline measured just before it, and several rounds pool what one run cannot show
    phases = [(r, phase) for r in range(args.rounds) for phase in ["baseline", *args.only]]
    ctx = mp.get_context("spawn")
    for index, (round_, phase) in enumerate(phases):
        key = phase if args.rounds == 1 else f"{phase}#{round_ + 1}"
        out = ctx.Queue()
        attacker = None
        go = ctx.Event()
        if phase != "baseline":
            # Started, and its Python up, before the phase: starting a process stalls this
            # (the measuring) loop for a while, which the ordinary moves would count.
            ready = ctx.Event()
            attacker = ctx.Process(target=attack_process,
                                   args=(phase, url, base, args.seconds, out,
                                         args.attacker_nice, ready, go,
                                         "127.0" if round_ == 0 else f"127.{20 + round_}"))
            attacker.start()
            await asyncio.to_thread(ready.wait, 30)
            await asyncio.sleep(0.5)
        meter.phase = key
        rss0 = peak = rss_mib(proc.pid)
        cpu0, wall0, own0 = cpu_seconds(proc.pid), time.perf_counter(), time.process_time()
        load0 = os.getloadavg()[0]
        profiler = profile(args.profile, proc.pid, key, args.seconds)
        pushes0 = await asyncio.to_thread(push_latency, base)
        go.set()
        unix0 = time.time()
        t_end = time.perf_counter() + args.seconds
        probed: tuple[bool, float, str] | None = None
        while time.perf_counter() < t_end:
            await asyncio.sleep(0.25)
            peak = max(peak, rss_mib(proc.pid))
            if probed is None and time.perf_counter() > t_end - args.seconds / 2:
                probed = await probe(url, f"127.0.1.{index + 1}")
        wall = time.perf_counter() - wall0
        server_s = cpu_seconds(proc.pid) - cpu0
        pushes = server_side(pushes0, await asyncio.to_thread(push_latency, base))
        cpu = server_s / wall * 100
        own = (time.process_time() - own0) / wall * 100
        stats: dict[str, Any] = {}
        if attacker is not None:
            stats = await asyncio.to_thread(out.get, True, 30)
            await asyncio.to_thread(attacker.join, 10)  # not on the measuring loop
        attacker_cpu = stats.pop("attacker_cpu_s", 0.0) / wall * 100
        if profiler is not None:
            profiler.wait(30)
        meter.phase = f"settle-{key}"
        await asyncio.sleep(1.0)
        lat = meter.latencies.get(key, [])
        if args.timeline:
            print(f"{key:10} worst ms by second: {meter.by_second(key, wall0)}")
        if args.loop_lag:
            print(f"{key:10} {server_stalls(args.lag_file, unix0, time.time())}")
        assert probed is not None
        rows.append((key, len(lat), percentile(lat, 50) * 1000, percentile(lat, 99) * 1000,
                     rss0, peak, probed, stats, cpu, server_s, attacker_cpu))
        print(f"{key:10} moves {len(lat):5}  p50 {rows[-1][2]:7.1f} ms  p99 "
              f"{rows[-1][3]:7.1f} ms  server CPU {cpu:3.0f} % ({server_s:.2f} s)  attacker "
              f"CPU {attacker_cpu:3.0f} %  measuring client CPU {own:3.0f} %  load "
              f"{load0:.1f}  RSS {rss0:6.0f} -> peak "
              f"{peak:6.0f} MiB  newcomer "
              f"{'served' if probed[0] else 'REFUSED ' + probed[2]} in {probed[1]:.2f} s  "
              f"{stats}", flush=True)
        print(f"{key:10} {pushes}", flush=True)
    stop.set()
    await asyncio.gather(*pairs, return_exceptions=True)
    if args.rounds > 1:
        pooled(args.rounds, ["baseline", *args.only], rows, meter)
        return
    base_p99 = rows[0][3]
    print("\n| attack | ordinary moves | p50 ms | p99 ms | p99 vs baseline | server CPU "
          "(s) | attacker CPU | RSS start -> peak MiB | newcomer served (s) | attacker saw |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for phase, n, p50, p99, rss0, peak, probed, stats, cpu, server_s, attacker_cpu in rows:
        seen = ", ".join(f"{k} {v}" for k, v in sorted(stats.items()))
        print(f"| {phase} | {n} | {p50:.1f} | {p99:.1f} | {p99 / base_p99:.2f}x | {cpu:.0f} % "
              f"({server_s:.2f}) | {attacker_cpu:.0f} % | {rss0:.0f} -> {peak:.0f} | "
              f"{'yes' if probed[0] else 'NO'} ({probed[1]:.2f}) | {seen} |")


def pooled(rounds: int, phases: list[str], rows: list[Any], meter: Meter) -> None:
    """The table of `--rounds`: each phase's moves of every round pooled, the pooled p99
    against the pooled baseline's, and each round's own ratio (against its own baseline)."""
    by_key = {row[0]: row for row in rows}

    def lat(phase: str) -> list[float]:
        return [x for r in range(rounds) for x in meter.latencies.get(f"{phase}#{r + 1}", [])]

    base_p99 = percentile(lat("baseline"), 99) * 1000
    print(f"\npooled over {rounds} rounds (a round: the baseline, then each attack)")
    print("\n| attack | ordinary moves | p50 ms | p99 ms | p99 vs baseline | p99 vs baseline, "
          "each round | server CPU, median | RSS growth, worst MiB | newcomer served |")
    print("|---|---|---|---|---|---|---|---|---|")
    for phase in phases:
        moves = lat(phase)
        p99 = percentile(moves, 99) * 1000
        own = [by_key[f"{phase}#{r + 1}"] for r in range(rounds)]
        each = ", ".join(f"{row[3] / by_key[f'baseline#{r + 1}'][3]:.2f}"
                         for r, row in enumerate(own))
        cpu = statistics.median(row[8] for row in own)
        growth = max(row[5] - row[4] for row in own)
        served = sum(1 for row in own if row[6][0])
        print(f"| {phase} | {len(moves)} | {percentile(moves, 50) * 1000:.1f} | {p99:.1f} | "
              f"{p99 / base_p99:.2f}x | {each} | {cpu:.0f} % | {growth:.0f} | "
              f"{served} of {rounds} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="per attack (and baseline)")
    parser.add_argument("--games", type=int, default=20, help="ordinary games")
    parser.add_argument("--interval", type=float, default=0.25,
                        help="seconds between moves in each ordinary game")
    parser.add_argument("--finished", type=int, default=0,
                        help="before the restart, add this many finished games to the file "
                             "(restart time against games ever played)")
    parser.add_argument("--profile", default="", metavar="DIR",
                        help="sample the server with py-spy during each phase into "
                             "DIR/PHASE.txt (py-spy installed next to this Python)")
    parser.add_argument("--attacker-nice", type=int, default=0, metavar="N",
                        help="run the attacker's process at this niceness (default 0, the "
                             "same as the server): on a machine whose cores the attacker "
                             "shares, 19 lets the server and players go first, as they "
                             "would if the attacker were on another machine")
    parser.add_argument("--loop-lag", action="store_true",
                        help="probe the server's event loop (a 2 ms sleep, over and over) and "
                             "print its stalls per phase: what of the ordinary moves' latency "
                             "is the server's own loop being busy or not scheduled")
    parser.add_argument("--timeline", action="store_true",
                        help="print the worst ordinary move latency in each second of a phase")
    parser.add_argument("--server-args", default="", metavar="ARGS",
                        help="more `python -m gameserver` options, e.g. a cap turned off "
                             "('--bot-games-per-address 0') to see what it defends against")
    parser.add_argument("--rounds", type=int, default=1, metavar="N",
                        help="run the baseline and the attacks N times over, in turn, and "
                             "report each phase's moves pooled (one 8 s phase's p99 is a "
                             "handful of moves); each round attacks from new addresses")
    parser.add_argument("--only", type=lambda s: [a for a in s.split(",") if a],
                        default=list(ATTACKS), help=f"attacks, comma-separated: {ATTACKS}")
    args = parser.parse_args()
    unknown = [a for a in args.only if a not in ATTACKS]
    if unknown:
        parser.error(f"no attack {unknown}; they are {', '.join(ATTACKS)}")
    if not 1 <= args.rounds <= 200 // (len(args.only) + 1):
        parser.error("--rounds: 1 or more, and each phase's newcomer needs its own address "
                     f"(at most {200 // (len(args.only) + 1)} rounds of these phases)")
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
