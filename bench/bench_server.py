"""The move path inside the server, without sockets: CPU and allocations per move.

Drives `Matches.command` for N games (two fake watchers each, standing in for sockets and
counting the bytes they would write) through a real `Engine` on a memory driver (or SQLite),
in one event loop: judge, plan, commit, publish, observers: everything a move costs the server
except websocket framing and the kernel.

    .venv/bin/python bench/bench_server.py --games 1000 --moves 40
    .venv/bin/python bench/bench_server.py --profile          # cProfile of the same run
    .venv/bin/python bench/bench_server.py --rate 1000 --seconds 6 --db /tmp/b.sqlite3 --loop uvloop

`--rate` paces the moves (that many a second across all games, as the peer rig's 1,000 games
at a move a second do) instead of running them back to back: the SQLite write-behind then
flushes about 50 commits at a time every 50 ms, as under the rig, and its cost per move is
what the rig sees, not the smaller share it has when one flush carries thousands of commits.
The CPU is split into the event loop's thread and the others (the SQLite writer).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import pstats
import sys
import time
from typing import Any

from flowstate.testing import FakeClock
from gameserver.live.identity import Player
from gameserver.live.runtime import Runtime
from gameserver.settings import Settings
from gameserver.wire import requests as c


class FakeSocket:
    """Stands in for a `Connection`: counts what would be written."""

    __slots__ = ("frames", "octets")

    def __init__(self) -> None:
        self.frames = 0
        self.octets = 0

    def send(self, data: bytes) -> None:
        self.frames += 1
        self.octets += len(data)


def point(size: int, color: str, n: int) -> tuple[int, int]:
    x, row = n % size, n // size
    return (x, row) if color == "black" else (x, size - 1 - row)


async def run(games: int, moves: int, size: int, db: str, durability: str,
              profile: cProfile.Profile | None = None, rate: float = 0.0,
              seconds: float = 0.0) -> dict[str, Any]:
    """`rate` > 0: `rate` moves a second for `seconds`, spread over the games, instead of
    `moves` per game back to back."""
    settings = Settings(db=db, durability=durability).without_address_limits()
    async with Runtime.running(settings, clock=FakeClock()) as rt:
        matches = rt.matches
        hubs = []
        sockets = []
        for i in range(games):
            black, white = Player(f"b{i}", "B"), Player(f"w{i}", "W")
            hub = await matches.create(black, c.Create(None, "go", {"size": size}, "black"),
                                       None)
            await matches.join(white, hub.match.id, None)
            for _ in range(2):
                sock = FakeSocket()
                hub.watchers.add(sock)  # type: ignore[arg-type]
                sockets.append(sock)
            hubs.append((hub, black, white))
        gc.collect()
        gc.freeze()
        blocks0 = sys.getallocatedblocks()
        collections0 = sum(s["collections"] for s in gc.get_stats())
        if profile is not None:
            profile.enable()
        cpu0, loop0, wall0 = time.process_time(), time.thread_time(), time.perf_counter()
        if rate > 0:
            total = await paced(matches, hubs, size, rate, seconds)
        else:
            total = games * moves
            for n in range(moves):
                for hub, black, white in hubs:
                    await play(matches, size, hub, black, white, n)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        loop_cpu = time.thread_time() - loop0
        if profile is not None:
            profile.disable()
        collections = sum(s["collections"] for s in gc.get_stats()) - collections0
        retained = sys.getallocatedblocks() - blocks0
        octets = sum(s.octets for s in sockets)
        return {"games": games, "size": size, "db": db, "durability": durability,
                "moves": total, "cpu_us_per_move": round(cpu / total * 1e6, 1),
                "loop_thread_us_per_move": round(loop_cpu / total * 1e6, 1),
                "other_threads_us_per_move": round((cpu - loop_cpu) / total * 1e6, 1),
                "moves_per_s_one_core": round(total / cpu),
                "push_bytes_per_move": round(octets / total / 2),
                "blocks_retained_per_move": round(retained / total, 1),
                "gc_collections": collections, "wall_s": round(wall, 2)}


async def play(matches: Any, size: int, hub: Any, black: Player, white: Player,
               n: int) -> None:
    """The game's move `n` (black plays the even ones)."""
    color = "black" if n % 2 == 0 else "white"
    x, y = point(size, color, n // 2)
    player = black if color == "black" else white
    move = {"type": "move", "x": x, "y": y}
    await matches.command(player, c.Act(None, hub.match.id, hub.match.rev, move),
                          time.perf_counter())


async def paced(matches: Any, hubs: list[Any], size: int, rate: float, seconds: float) -> int:
    """Moves at `rate` a second in bursts every 10 ms, game after game; returns how many."""
    total = int(rate * seconds)
    burst = max(1, int(rate * 0.01))
    games = len(hubs)
    played = [0] * games
    start = time.perf_counter()
    done = 0
    while done < total:
        for _ in range(min(burst, total - done)):
            i = done % games
            hub, black, white = hubs[i]
            await play(matches, size, hub, black, white, played[i])
            played[i] += 1
            done += 1
        ahead = start + done / rate - time.perf_counter()
        if ahead > 0:
            await asyncio.sleep(ahead)
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=1000)
    parser.add_argument("--moves", type=int, default=40, help="moves per game")
    parser.add_argument("--size", type=int, default=9, help="board size")
    parser.add_argument("--db", default=":memory:", help="a SQLite file, or :memory:")
    parser.add_argument("--durability", choices=["default", "strict"], default="default")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the run")
    parser.add_argument("--rate", type=float, default=0.0,
                        help="moves a second across all games (0: back to back)")
    parser.add_argument("--seconds", type=float, default=6.0, help="how long, with --rate")
    parser.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio",
                        help="the event loop (the server runs on uvloop)")
    args = parser.parse_args()
    if args.rate and args.rate * args.seconds > args.games * args.moves:
        parser.error("--rate * --seconds is more than --games * --moves: games would end")
    profile = cProfile.Profile() if args.profile else None
    bench = run(args.games, args.moves, args.size, args.db, args.durability, profile,
                args.rate, args.seconds)
    if args.loop == "uvloop":
        import uvloop
        result = uvloop.run(bench)
    else:
        result = asyncio.run(bench)
    for key, value in result.items():
        print(f"{key:>28}: {value}")
    if profile is not None:
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
