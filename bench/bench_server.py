"""The move -> broadcast path inside the server, without sockets: how long from a command's
arrival to its update being queued on the watchers, and the CPU per move.

Drives `Matches.command` for N games (two fake watchers each, counting the bytes they would
send) through a real `Engine` + `Broadcaster` on a memory driver, in one event loop.

    .venv/bin/python bench/bench_server.py --games 1000 --moves 40
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import time
from typing import Any

from flowstate.testing import FakeClock
from gameserver.live.identity import Player
from gameserver.live.runtime import Runtime
from gameserver.settings import Settings
from gameserver.wire import requests as c

SIZE = 19


class FakeSocket:
    """Stands in for a `Connection`: records when each push was queued."""

    def __init__(self, sink: list[float]) -> None:
        self.sink = sink

    def send(self, text: str) -> None:
        self.sink.append(time.perf_counter())


def point(color: str, n: int) -> tuple[int, int]:
    x, row = n % SIZE, n // SIZE
    return (x, row) if color == "black" else (x, SIZE - 1 - row)


async def drained(hubs: list[Any]) -> None:
    """Yield loop turns until the broadcaster has delivered every pending push."""
    while any(hub.pending for hub, _, _ in hubs):  # noqa: ASYNC110
        await asyncio.sleep(0)


async def run(games: int, moves: int, db: str, durability: str) -> dict[str, Any]:
    settings = Settings(db=db, durability=durability)
    async with Runtime.running(settings, clock=FakeClock()) as rt:
        matches = rt.matches
        hubs = []
        for i in range(games):
            black, white = Player(f"b{i}", "B"), Player(f"w{i}", "W")
            hub = await matches.create(black, c.Create(None, "go", {"size": SIZE},
                                                        c.UNTIMED, "black"), None)
            await matches.join(white, hub.match.id, None)
            hubs.append((hub, black, white))
        await drained(hubs)  # the broadcaster has delivered the setup commits
        sent: list[float] = []
        starts: list[float] = []
        for hub, _, _ in hubs:
            for _ in range(2):
                hub.watchers[FakeSocket(sent)] = hub.match.rev  # type: ignore[index]
        gc.collect()
        gc.freeze()
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for n in range(moves):
            for hub, black, white in hubs:
                color = "black" if n % 2 == 0 else "white"
                player = black if color == "black" else white
                x, y = point(color, n // 2)
                t0 = time.perf_counter()
                starts.append(t0)
                await matches.command(player, c.Move(None, hub.match.id, hub.match.rev, x, y),
                                      t0)
                await asyncio.sleep(0)  # one loop turn: the broadcaster delivers
        await drained(hubs)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        lat = sorted(sent[2 * i + 1] - starts[i] for i in range(len(starts)))
        total = len(starts)

        def pct(p: float) -> float:
            return round(lat[min(total - 1, int(total * p / 100))] * 1e6, 1)

        return {"games": games, "db": db, "durability": durability, "moves": total,
                "cpu_us_per_move": round(cpu / total * 1e6, 1),
                "moves_per_s_one_core": round(total / cpu),
                "command_to_both_queued_p50_us": pct(50), "p99_us": pct(99),
                "p999_us": pct(99.9), "wall_s": round(wall, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=1000)
    parser.add_argument("--moves", type=int, default=40, help="moves per game")
    parser.add_argument("--db", default=":memory:", help="a SQLite file, or :memory:")
    parser.add_argument("--durability", choices=["default", "strict"], default="default")
    args = parser.parse_args()
    result = asyncio.run(run(args.games, args.moves, args.db, args.durability))
    for key, value in result.items():
        print(f"{key:>32}: {value}")


if __name__ == "__main__":
    main()
