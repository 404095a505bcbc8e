"""The built-in bot thinks in the bot service's worker processes, not on the event loop."""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from flowstate.testing import FakeClock
from gameserver.games.go.bots import pool as pool_module
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


class WatchedPool(ProcessPoolExecutor):
    """The real process pool, noting the thread that made it and each that submitted to it."""

    made: list[WatchedPool] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.threads = {threading.get_ident()}
        WatchedPool.made.append(self)

    def submit(self, *args: Any, **kwargs: Any) -> Any:
        if not self._processes:  # type: ignore[attr-defined]  # (the stdlib's, tests only)
            self.spawned_on = threading.get_ident()  # this submit starts the first worker
        return super().submit(*args, **kwargs)


@pytest.fixture
def watched(monkeypatch: pytest.MonkeyPatch) -> list[WatchedPool]:
    WatchedPool.made = []
    monkeypatch.setattr(pool_module, "ProcessPoolExecutor", WatchedPool)
    return WatchedPool.made


async def test_the_workers_start_off_the_event_loop(watched: list[WatchedPool]) -> None:
    """Starting a worker process blocks its caller for milliseconds: the pool is made and its
    processes started on a helper thread, and searches that arrive meanwhile share that one
    start."""
    pool = ThinkPool(1)
    try:
        pids = await asyncio.gather(*(pool.run(worker_pid) for _ in range(3)))
        assert len(watched) == 1
        loop_thread = threading.get_ident()
        assert watched[0].spawned_on != loop_thread
        assert loop_thread not in watched[0].threads
        assert len(set(pids)) == 1 and pids[0] != os.getpid()
        assert await pool.run(worker_pid) == pids[0]  # later searches reuse the workers
    finally:
        pool.close()


async def test_a_pool_closed_while_starting_stops_the_workers_it_started(
    watched: list[WatchedPool],
) -> None:
    """A search waiting for the start fails when the pool closes, and the pool that start
    made is shut down as soon as it exists: no worker outlives the bot service."""
    pool = ThinkPool(1)
    search = asyncio.create_task(pool.run(worker_pid))
    await asyncio.sleep(0)  # the start is under way on its thread
    pool.close()
    with pytest.raises(RuntimeError, match="closed"):
        await search
    assert not pool.started
    assert watched and watched[0].spawned_on  # the start did spawn a worker
    assert await exited(worker_pids(os.getpid()))  # and it ends: the pool was shut down


async def exited(pids: list[int], within: float = 10.0) -> bool:
    """Whether every process in `pids` ends within `within` seconds, woken by each exit (a
    process's pidfd turns readable when it ends), not by polling."""
    loop = asyncio.get_running_loop()
    fds: list[int] = []
    ends: list[asyncio.Future[None]] = []
    try:
        for pid in pids:
            try:
                fd = os.pidfd_open(pid)
            except ProcessLookupError:
                continue  # gone already
            fds.append(fd)
            end: asyncio.Future[None] = loop.create_future()
            loop.add_reader(fd, lambda end=end: end.done() or end.set_result(None))
            ends.append(end)
        async with asyncio.timeout(within):
            await asyncio.gather(*ends)
        return True
    except TimeoutError:
        return False
    finally:
        for fd in fds:
            loop.remove_reader(fd)
            os.close(fd)


def worker_pids(pid: int) -> list[int]:
    """The multiprocessing children of process `pid` (the bot workers), whichever of its
    threads started them."""
    children = [int(p) for task in Path(f"/proc/{pid}/task").iterdir()
                for p in _read(task / "children").split()]
    return [p for p in children if "spawn_main" in _read(Path(f"/proc/{p}/cmdline"))]


def _read(path: Path) -> str:
    try:
        return path.read_bytes().decode(errors="replace")
    except (FileNotFoundError, ProcessLookupError):
        return ""  # a thread or a process that ended meanwhile


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
            # each worker checks every second whether the server is still there
            assert await exited(workers, within=10.0)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
