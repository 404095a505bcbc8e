"""The built-in bot thinks in the bot service's worker processes, not on the event loop."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from flowstate.testing import FakeClock
from gameserver.games.go.bots.brain import GoBots
from gameserver.games.go.bots.pool import ThinkPool
from gameserver.testing import GameClient, serve
from tests.gameserver.helpers import free_port, memory_settings

ROOT = Path(__file__).resolve().parents[2]


def worker_pid() -> int:
    return os.getpid()


async def test_the_builtin_bot_answers_from_a_worker_process(fake_clock: FakeClock) -> None:
    """A game against the built-in bot: its replies come from searches run in the pool (the
    loop only awaited them), and the pool stops with the server."""
    settings = memory_settings(bot="builtin", bot_workers=1)
    async with serve(settings, clock=fake_clock) as server:
        alice = await server.client("Alice")
        reply = await alice.request("create", size=9, opponent="bot", color="black")
        game_id = reply["game_id"]
        await alice.next_push("game")
        rev = 1
        taken: set[tuple[int, int]] = set()
        for _ in range(3):  # the bot's search is randomized: play where it has not
            x, y = next((x, y) for y in range(9) for x in range(9) if (x, y) not in taken)
            taken.add((x, y))
            await alice.request("move", game_id=game_id, rev=rev, x=x, y=y)
            await alice.next_push("update", rev=rev + 1)
            bot_move = await alice.next_push("update", rev=rev + 2)
            assert bot_move["event"]["color"] == "white"
            if bot_move["event"]["kind"] == "move":
                taken.add((bot_move["event"]["x"], bot_move["event"]["y"]))
            rev += 2
        bots = server.runtime.bots._makers["go"]
        assert isinstance(bots, GoBots)
        pool = bots.pool
        assert pool.searches >= 3
        assert await pool.run(worker_pid) != os.getpid()
    assert not pool.started  # closed with the bot service


async def test_a_pool_without_workers_thinks_on_the_loop() -> None:
    """`bot_workers=0` keeps the old behaviour: the search runs in this process."""
    pool = ThinkPool(0)
    assert await pool.run(worker_pid) == os.getpid()


def worker_pids(pid: int) -> list[int]:
    """The multiprocessing children of process `pid` (the bot workers)."""
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(p) for p in text.split()
            if b"multiprocessing" in Path(f"/proc/{p}/cmdline").read_bytes()]


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


async def test_the_bot_workers_go_when_the_server_is_killed() -> None:
    """`python -m gameserver` (one bot worker by default) killed with SIGKILL mid-game: its
    worker processes exit by themselves instead of living on as orphans."""
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "gameserver", "--port", str(port), "--db", ":memory:",
        "--bot", "builtin", cwd=ROOT, stderr=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.DEVNULL)
    assert proc.stderr is not None
    try:
        async with asyncio.timeout(60):
            while b"Uvicorn running on" not in (line := await proc.stderr.readline()):
                assert line, "the server exited"
            client = await GameClient.connect(f"ws://127.0.0.1:{port}/ws")
            await client.hello("Alice")
            game_id = (await client.request("create", size=9, opponent="bot",
                                            color="black"))["game_id"]
            await client.request("move", game_id=game_id, rev=1, x=2, y=2)
            await client.next_push("update", rev=3)  # the bot answered: its worker runs
            workers = worker_pids(proc.pid)
            assert workers
            await client.close()
            proc.kill()
            await proc.wait()
            for _ in range(100):  # each worker checks every second; wait at most 10 s
                if not any(alive(pid) for pid in workers):
                    break
                await asyncio.sleep(0.1)
            assert not any(alive(pid) for pid in workers)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
