"""Memory and restart time against finished games: N games are played to the end (created,
joined, a few moves, resigned) through `Matches` on a SQLite file, then the server is
restarted on it. Reports the store's resident and archived states, the process RSS after a
collection, and the restart time and RSS of a new process restarting on the file.

    .venv/bin/python bench/bench_finished.py --games 30000

Finished games leave the game server's memory after `finished_grace` (0 here) and, being
archived, the store's memory once they are out of its history window (`--history`,
10,000 versions by default, as `python -m gameserver`) and on disk.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import subprocess
import sys
import tempfile
import time
from typing import Any

from flowstate import MemoryDriver
from flowstate.testing import FakeClock
from gameserver.live.identity import Player
from gameserver.live.runtime import Runtime
from gameserver.settings import Settings
from gameserver.wire import requests as c


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def store_counts(rt: Runtime) -> dict[str, Any]:
    driver = rt.engine.driver
    if not isinstance(driver, MemoryDriver):
        return {}
    resident = getattr(driver, "resident_states", None)  # (a driver before archiving: count)
    return {"resident_states": resident if resident is not None
            else sum(1 for _ in driver.latest_states()),
            "archived_states": getattr(driver, "archived_states", 0)}


async def play(rt: Runtime, clock: FakeClock, games: int, moves: int) -> None:
    matches = rt.matches
    for n in range(games):
        black, white = Player(f"b{n}", "Black"), Player(f"w{n}", "White")
        hub = await matches.create(black, c.Create(None, "go", {"size": 9}, "black"), None)
        gid = hub.match.id
        await matches.join(white, gid, None)
        rev = hub.match.rev
        for i in range(moves):
            mover = black if i % 2 == 0 else white
            action = {"type": "move", "x": i % 9, "y": (i // 9) * 2 + i % 2}
            await matches.command(mover, c.Act(None, gid, rev, action), 0.0)
            rev = matches.hubs[gid].match.rev
        await matches.command(black, c.Act(None, gid, None, {"type": "resign"}), 0.0)
        if n % 200 == 199:
            await clock.advance(1)  # the grace passes: finished games leave the hubs


async def restart(settings: Settings, clock: FakeClock) -> None:
    gc.collect()
    before = rss_mb()
    t0 = time.perf_counter()
    async with Runtime.running(settings, clock=clock) as rt:
        ready = time.perf_counter() - t0
        await rt.matches.indexed.wait()
        indexed = time.perf_counter() - t0
        gc.collect()
        print("after restart (a new process):", {
            **store_counts(rt), "hubs": len(rt.matches.hubs),
            "finished_indexed": len(rt.matches.finished), "ready_s": round(ready, 2),
            "indexed_s": round(indexed, 2), "rss_mb": round(rss_mb()),
            "rss_growth_mb": round(rss_mb() - before)})


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--games", type=int, default=30_000)
    parser.add_argument("--moves", type=int, default=6)
    parser.add_argument("--history", type=int, default=10_000)
    parser.add_argument("--restart", metavar="FILE", help="(internal) only restart on FILE")
    args = parser.parse_args()
    path = args.restart or os.path.join(tempfile.mkdtemp(), "games.sqlite3")
    clock = FakeClock(1_700_000_000.0 + (10 * args.games if args.restart else 0))
    settings = Settings(db=path, loop="none", finished_grace=0.5, history_limit=args.history,
                        lobby_timeout=None, lobby_away=None, abandon_after=None,
                        games=("go",), tune_gc=True).without_address_limits()
    if args.restart:
        await restart(settings, clock)
        return
    if os.environ.get("BENCH_TRACE"):
        import tracemalloc
        tracemalloc.start()
    t0 = time.perf_counter()
    async with Runtime.running(settings, clock=clock) as rt:
        await play(rt, clock, args.games, args.moves)
        await clock.advance(1)
        played = time.perf_counter() - t0
        await rt.engine.driver.snapshots.flush()  # type: ignore[attr-defined]
        gc.unfreeze()  # what the server's 10-minute full collection does (freeze_survivors)
        gc.collect()
        if os.environ.get("BENCH_TRACE"):
            import tracemalloc
            for stat in tracemalloc.take_snapshot().statistics("lineno")[:12]:
                print(stat)
        print(f"played {args.games} games in {played:.1f} s")
        print("after playing:", {**store_counts(rt), "hubs": len(rt.matches.hubs),
                                 "rss_mb": round(rss_mb())})
    print("file_mb:", round(os.stat(path).st_size / 2**20, 1))
    await asyncio.to_thread(subprocess.run, [
        sys.executable, __file__, "--restart", path, "--history", str(args.history),
        "--games", str(args.games)], check=True)


if __name__ == "__main__":
    asyncio.run(main())
