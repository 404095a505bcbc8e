"""Clock benchmark (not a test): many concurrent games with running clocks in one process.

    .venv/bin/python bench/bench_clocks.py                 # 100k games, 2,000 flags due
    .venv/bin/python bench/bench_clocks.py --games 10000 --due 500

Builds the server's own match layer (engine, `Matches`, `Timers`) without sockets: every game is
created and joined through `Matches` like a websocket client would, so each one holds a running
absolute clock and a pending flag delay on its timer state. Most clocks have an hour left (idle
games); `--due` of them flag during a short window. Reports:

- memory per idle game (RSS growth / games),
- the firing lateness of the due flags on the real clock: when the flow starts (engine timer
  lateness) and when the timeout has been judged and committed (what a player sees, minus the
  socket), as p50/p99/max in ms.

Figures go to docs/bench-clocks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import resource
import time

from flowstate import Command, Engine, FlowRegistry, MemoryDriver, RealClock, StateCtx
from gameserver.core.match import DEADLINES, Limits
from gameserver.core.timecontrol import TimeControl
from gameserver.live.identity import Player
from gameserver.live.matches import Matches
from gameserver.live.metrics import Metrics
from gameserver.live.runtime import default_games
from gameserver.live.server import freeze_survivors, tune_gc
from gameserver.live.timers import AT, Timers
from gameserver.wire import requests as c


def rss_mb() -> float:
    with open(f"/proc/{os.getpid()}/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run(games: int, due: int, window: float, history: int, gc_tuned: bool) -> None:
    clock = RealClock()
    registry = FlowRegistry()
    timers = Timers(registry)
    started: list[float] = []  # lateness at flow start (s)
    judged: list[float] = []  # lateness once the timeout is committed (s)
    all_fell = asyncio.Event()

    async def measured(ctx: StateCtx, engine: Engine) -> Command:
        at = float(ctx.committed.annotation(AT))
        started.append(time.time() - at)
        cmd = await timers.flow(ctx, engine)
        judged.append(time.time() - at)
        if len(judged) >= due:
            all_fell.set()
        return cmd

    for flow in DEADLINES:
        registry.set_flow(flow, measured)
    gc.collect()
    base = rss_mb()
    async with Engine(MemoryDriver(history_limit=history), registry, clock=clock,
                      recovery=False) as engine:
        matches = Matches(engine, default_games(), Metrics(), now=clock.now, history=4,
                          max_open_games=10, limits=Limits())
        timers.attach(matches)
        matches.loaded.set()
        hour = TimeControl.from_dict({"system": "absolute", "main": 3600})
        t = time.perf_counter()
        for i in range(games):
            await _game(matches, i, hour)
        setup = time.perf_counter() - t
        gc.collect()
        idle = rss_mb()
        per_game = (idle - base) * 2**20 / games
        print(f"{games} games created and joined in {setup:.1f} s "
              f"({games / setup:,.0f}/s); pending delays {engine.driver.pending_delays}")
        print(f"RSS {base:.0f} MB -> {idle:.0f} MB: {per_game / 1024:.1f} KiB per idle game "
              f"(match value, hub, game + timer states, delay)")
        survivors = None
        if gc_tuned:  # as `python -m gameserver` runs (gameserver.live.server)
            tune_gc()
            survivors = asyncio.create_task(freeze_survivors())
        # the due games: flags spread over `window` seconds starting 2 s from now
        start = time.time() + 2
        for i in range(due):
            main = (start + window * i / due) - time.time()
            tc = TimeControl.from_dict({"system": "absolute", "main": round(main, 3)})
            await _game(matches, games + i, tc)
        try:
            async with asyncio.timeout(window + 10):
                await all_fell.wait()
        except TimeoutError:
            pass
        ms = [x * 1000 for x in started]
        done = [x * 1000 for x in judged]
        print(f"{len(judged)}/{due} flags fell over {window:.0f} s with {games:,} clocks "
              "pending")
        print(f"  flow start lateness ms: p50 {pct(ms, .5):.2f}  p99 {pct(ms, .99):.2f}  "
              f"max {max(ms):.2f}")
        print(f"  timeout committed   ms: p50 {pct(done, .5):.2f}  p99 {pct(done, .99):.2f}  "
              f"max {max(done):.2f}")
        if survivors is not None:
            survivors.cancel()
        print(f"  gc tuned as the server runs: {gc_tuned}")
        print(f"  maxrss {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


async def _game(matches: Matches, i: int, tc: TimeControl) -> None:
    black, white = Player(f"b{i}", f"B{i}"), Player(f"w{i}", f"W{i}")
    cmd = c.Create(None, game="go", options={"size": 19}, time_control=tc, color="black")
    hub = await matches.create(black, cmd, None)
    await matches.join(white, hub.match.id, None)
    matches.delivered(hub, 1)
    matches.delivered(hub, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--games", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=2_000)
    parser.add_argument("--window", type=float, default=10.0, help="seconds the flags span")
    parser.add_argument("--history", type=int, default=100_000,
                        help="engine history_limit (the server's default)")
    parser.add_argument("--no-tune-gc", action="store_true",
                        help="leave the garbage collector as Python sets it up")
    ns = parser.parse_args()
    coro = run(ns.games, ns.due, ns.window, ns.history, not ns.no_tune_gc)
    try:
        import uvloop
    except ImportError:  # pragma: no cover
        asyncio.run(coro)
    else:
        uvloop.run(coro)


if __name__ == "__main__":
    main()
