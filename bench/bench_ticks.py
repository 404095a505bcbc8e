"""Tick lateness of the real-time game: N light-cycles races at R ticks per second, on the wall
clock, in one server process.

Every tick is the race's durable flowstate timer firing (`gameserver.live.timers`): the delay
commits, `Matches.fire` judges the deadline, the tick is applied, committed with the timer
armed again, and its update written to the race's two watchers (fake sockets that count bytes:
websocket framing and the kernel are not in it). A tick's lateness is the time from the instant
it fell due to the moment its update was written (a global observer, called right after the
sockets). Each rider steers a serpentine through `Matches.command` (the input path), so races
last minutes; a race that ends anyway is replaced by a new one. Races start at random instants,
as players' do, so their ticks are spread over the period. Like `python -m gameserver`: uvloop,
the tuned garbage collector, a SQLite file with write-behind durability (`--db`, `--loop`).

    .venv/bin/python bench/bench_ticks.py --games 200 --rate 20 --seconds 20
    .venv/bin/python bench/bench_ticks.py --db :memory:    # no SQLite file behind the engine

`--floor` runs bare event-loop timers at the same instants instead (nothing committed, nothing
sent): the lateness the machine alone adds, to read the figures against on a shared box.

`--fixed N` instead runs N ticks of every race on the fake clock, as fast as they go, and
prints the CPU per tick: a deterministic run for profilers (`--profile` for cProfile, or under
`valgrind --tool=callgrind`).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import os
import pstats
import random
import statistics
import tempfile
import time
from typing import Any

from bench_server import FakeSocket  # this directory is on sys.path when run as a script

from flowstate.testing import FakeClock
from gameserver.core.plan import Plan
from gameserver.live.identity import Player
from gameserver.live.matches import Hub, Matches
from gameserver.live.runtime import Runtime
from gameserver.settings import Settings
from gameserver.wire import requests as c

SIZE = 100
MARGIN = 2  # cells from a wall where a rider turns (a late steer has two ticks to spare)
#: red works down from row 25, blue up from row 74: they meet after about 2,300 ticks
VERTICAL = {"red": "down", "blue": "up"}


class Races:
    """Keeps `count` races going, steers their riders and times their ticks."""

    def __init__(self, matches: Matches, count: int, rate: int) -> None:
        self.matches = matches
        self.count = count
        self.rate = rate
        self.players: dict[str, dict[str, Player]] = {}  # game id -> seat -> player
        self.due: dict[str, float] = {}  # game id -> the instant its next tick falls due
        self.back: dict[tuple[str, str], str] = {}  # (game, seat) -> the next horizontal
        self.lateness: list[float] = []
        self.recording = False
        self.ticks = 0
        self.steers: asyncio.Queue[tuple[Player, str, str]] = asyncio.Queue()
        self.ended: asyncio.Queue[str] = asyncio.Queue()
        self.finished = 0
        self.sockets: list[FakeSocket] = []
        self.serial = 0

    async def open(self) -> None:
        self.serial += 1
        n = self.serial
        red, blue = Player(f"r{n}", "Red"), Player(f"b{n}", "Blue")
        options = {"size": SIZE, "tick_rate": self.rate, "countdown": 0}
        hub = await self.matches.create(red, c.Create(None, "cycles", options, "red"), None)
        gid = hub.match.id
        self.players[gid] = {"red": red, "blue": blue}
        self.back[(gid, "red")], self.back[(gid, "blue")] = "left", "right"
        for _ in range(2):
            sock = FakeSocket()
            hub.watchers.add(sock)  # type: ignore[arg-type]
            self.sockets.append(sock)
        await self.matches.join(blue, gid, None)

    def observe(self, hub: Hub, outcome: Plan, t0: float) -> None:
        gid = hub.match.id
        event = outcome.event
        kind = event.get("kind")
        if kind == "tick":
            due = self.due.get(gid)
            if due is not None:
                self.ticks += 1
                if self.recording:
                    self.lateness.append(time.time() - due)
            self._steer(gid, outcome.match.state)
        self.due[gid] = outcome.deadline[0] if outcome.deadline is not None else 0.0
        if outcome.phase == "finished" and gid in self.players:
            self.ended.put_nowait(gid)

    def _steer(self, gid: str, arena: Any) -> None:
        for seat, rider in zip(arena.seats, arena.riders, strict=True):
            if not rider.alive:
                continue
            heading = rider.heading
            turn = None
            if heading in ("left", "right"):
                if (heading == "right" and rider.x >= SIZE - 1 - MARGIN) or (
                        heading == "left" and rider.x <= MARGIN):
                    turn = VERTICAL[seat]
                    self.back[(gid, seat)] = "left" if heading == "right" else "right"
            else:
                turn = self.back[(gid, seat)]
            if turn is not None and rider.turn != turn:
                self.steers.put_nowait((self.players[gid][seat], gid, turn))

    async def steer_loop(self) -> None:
        while True:
            player, gid, direction = await self.steers.get()
            action = {"type": "steer", "dir": direction}
            try:
                await self.matches.command(player, c.Act(None, gid, None, action),
                                           time.perf_counter())
            except Exception:  # a race that ended meanwhile refuses it (wrong_phase)
                pass

    async def replace_loop(self) -> None:
        while True:
            gid = await self.ended.get()
            self.players.pop(gid, None)
            self.finished += 1
            await self.open()


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run(games: int, rate: int, seconds: float, warmup: float, db: str,
              durability: str) -> dict[str, Any]:
    settings = Settings(db=db, durability=durability, games=("cycles",), lobby_timeout=None,
                        tune_gc=True,  # as python -m gameserver does
                        lobby_away=None, abandon_after=None)
    async with Runtime.running(settings) as rt, asyncio.TaskGroup() as tasks:
        races = Races(rt.matches, games, rate)
        rt.matches.observers.append(races.observe)
        steering = tasks.create_task(races.steer_loop())
        replacing = tasks.create_task(races.replace_loop())
        spread = 1.0  # seconds over which the races start: random phases within a period
        for _ in range(games):
            await races.open()
            await asyncio.sleep(random.uniform(0, 2 * spread / games))
        await asyncio.sleep(warmup)
        gc.collect()
        races.recording = True
        ticks0, finished0 = races.ticks, races.finished
        cpu0, wall0 = time.process_time(), time.perf_counter()
        await asyncio.sleep(seconds)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        races.recording = False
        steering.cancel()
        replacing.cancel()
        late = [x * 1000 for x in races.lateness]
        ticks = races.ticks - ticks0
        return {
            "games": games, "rate": rate, "db": db, "durability": durability,
            "seconds": round(wall, 1), "ticks": ticks,
            "ticks_per_s": round(ticks / wall), "target_ticks_per_s": games * rate,
            "lateness_ms_p50": round(statistics.median(late), 2),
            "lateness_ms_p99": round(_percentile(late, 0.99), 2),
            "lateness_ms_p999": round(_percentile(late, 0.999), 2),
            "lateness_ms_max": round(max(late), 2),
            "cpu_percent_of_one_core": round(cpu / wall * 100),
            "cpu_us_per_tick": round(cpu / max(1, ticks) * 1e6),
            "races_finished": races.finished - finished0,
            "push_bytes_per_tick": round(sum(s.octets for s in races.sockets)
                                         / max(1, sum(s.frames for s in races.sockets))),
        }


async def floor(games: int, rate: int, seconds: float) -> dict[str, Any]:
    """`games` bare timers each firing `rate` times a second at random phases: lateness of
    `loop.call_at` alone."""
    loop = asyncio.get_running_loop()
    period = 1 / rate
    late: list[float] = []
    done = loop.create_future()
    end = time.time() + seconds
    left = [games]  # timers still going

    def fire(due: float) -> None:
        now = time.time()
        late.append((now - due) * 1000)
        nxt = due + period
        if nxt > end:
            left[0] -= 1
            if not left[0]:
                done.set_result(None)
            return
        loop.call_at(loop.time() + (nxt - time.time()), fire, nxt)

    start = time.time()
    for _ in range(games):
        due = start + random.uniform(0, period)
        loop.call_at(loop.time() + (due - time.time()), fire, due)
    cpu0 = time.process_time()
    await done
    return {"games": games, "rate": rate, "timers": len(late),
            "lateness_ms_p50": round(statistics.median(late), 2),
            "lateness_ms_p99": round(_percentile(late, 0.99), 2),
            "lateness_ms_max": round(max(late), 2),
            "cpu_percent_of_one_core": round((time.process_time() - cpu0) / seconds * 100)}


async def fixed(games: int, rate: int, ticks: int, db: str,
                profile: cProfile.Profile | None) -> dict[str, Any]:
    """`ticks` ticks of each race on the fake clock (no steering): the CPU of the tick path."""
    clock = FakeClock()
    settings = Settings(db=db, games=("cycles",), lobby_timeout=None, lobby_away=None,
                        tune_gc=True,
                        abandon_after=None)
    async with Runtime.running(settings, clock=clock) as rt:
        races = Races(rt.matches, games, rate)
        rt.matches.observers.append(lambda hub, outcome, t0: None)
        for _ in range(games):
            await races.open()
        # the countdown (one period), then up to a period more to the race's tick phase
        await clock.advance(2 / rate)
        before = sum(hub.match.state.tick for hub in rt.matches.hubs.values())
        gc.collect()
        if profile is not None:
            profile.enable()
        cpu0 = time.process_time()
        for _ in range(ticks - 1):
            await clock.advance(1 / rate)
        cpu = time.process_time() - cpu0
        if profile is not None:
            profile.disable()
        total = games * (ticks - 1)
        done = sum(hub.match.state.tick for hub in rt.matches.hubs.values()) - before
        assert done == total, (done, total)
        return {"games": games, "ticks": total, "db": db,
                "cpu_us_per_tick": round(cpu / total * 1e6, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=200)
    parser.add_argument("--rate", type=int, default=20, help="ticks per second (10-20)")
    parser.add_argument("--seconds", type=float, default=20.0, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds before measuring")
    parser.add_argument("--db", default="", help="a SQLite file (default: a temporary one), "
                                                 "or :memory:")
    parser.add_argument("--durability", choices=["default", "strict"], default="default")
    parser.add_argument("--fixed", type=int, default=0, metavar="N",
                        help="run N ticks per race on the fake clock and print CPU per tick")
    parser.add_argument("--profile", action="store_true", help="cProfile the --fixed run")
    parser.add_argument("--floor", action="store_true",
                        help="bare loop timers at the same rate: the machine's own lateness")
    parser.add_argument("--loop", choices=["uvloop", "asyncio"], default="uvloop",
                        help="the event loop (python -m gameserver runs on uvloop)")
    args = parser.parse_args()
    runner: Any = asyncio.run
    if args.loop == "uvloop":
        import uvloop

        runner = uvloop.run
    if args.floor:
        result = runner(floor(args.games, args.rate, args.seconds))
        profile = None
    elif args.fixed:
        profile = cProfile.Profile() if args.profile else None
        result = asyncio.run(fixed(args.games, args.rate, args.fixed, args.db or ":memory:",
                                   profile))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            db = args.db or os.path.join(tmp, "ticks.sqlite3")
            result = runner(run(args.games, args.rate, args.seconds, args.warmup, db,
                                     args.durability))
        profile = None
    for key, value in result.items():
        print(f"{key:>26}: {value}")
    if profile is not None:
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
