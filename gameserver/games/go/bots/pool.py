"""`ThinkPool`: the built-in bot's searches in worker processes, off the event loop.

The built-in bot is pure Python: a search on a big board takes milliseconds of CPU, and on the
event loop those are milliseconds every other game waits. The Go bot service (`GoBots`) owns
one pool for all its built-in bots; each search is a pure function of (game, colour, seed), so
it runs in a worker process and the loop only pickles a position and awaits the answer.
Workers are spawned (never forked from a process running threads and an event loop) on first
use, on a helper thread (starting a process blocks its caller for milliseconds: on the loop
that was a stall every game felt), at a lower priority (nice 10) so that on a busy machine
the server's own work goes first; a worker exits by itself when the server is gone (even
after a `kill -9`); a pool whose worker died is replaced and the search runs again.
`workers=0` thinks on the loop, as before.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

from gameserver.games.go import Color, GoGame, Point, suggest_dead
from gameserver.games.go.bots.builtin import choose_move

log = logging.getLogger("gameserver.bots.pool")

T = TypeVar("T")


def choose_seeded(game: GoGame, color: Color, seed: int) -> Point | None:
    """The built-in bot's move, its randomness drawn from `seed` (runs in a worker)."""
    return choose_move(game, color, random.Random(seed))


def dead_of(game: GoGame) -> frozenset[Point]:
    return suggest_dead(game)


def _ready() -> int:
    """A no-op task: submitting one per worker makes the pool start its processes."""
    return os.getpid()


def _worker_start(server_pid: int) -> None:
    """In each worker: yield the CPU to the server (a long search never delays a move's
    push), and exit when the server is gone, even killed with SIGKILL (no orphans)."""
    os.nice(10)

    def watch() -> None:
        while os.getppid() == server_pid:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="server-watch", daemon=True).start()


class ThinkPool:
    def __init__(self, workers: int = 1) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._starting: asyncio.Future[ProcessPoolExecutor] | None = None
        self.searches = 0  # searches run in a worker

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        """`fn(*args)` in a worker (on the loop when the pool has no workers)."""
        if not self.workers:
            return fn(*args)
        loop = asyncio.get_running_loop()
        for attempt in (1, 2):
            pool = self._pool if self._pool is not None else await self._start()
            try:
                result: T = await loop.run_in_executor(pool, fn, *args)
            except BrokenProcessPool:
                log.warning("a bot worker process died (attempt %d); starting a new pool",
                            attempt)
                pool.shutdown(wait=False, cancel_futures=True)
                if self._pool is pool:
                    self._pool = None
                continue
            self.searches += 1
            return result
        return fn(*args)  # two pools died in a row: think here rather than not at all

    async def _start(self) -> ProcessPoolExecutor:
        """A new pool with its processes running, started on a helper thread; searches that
        arrive meanwhile wait for the same start."""
        if self._starting is None:
            self._starting = asyncio.ensure_future(asyncio.to_thread(self._new_pool))
        starting = self._starting
        try:
            pool = await asyncio.shield(starting)
        except BaseException:
            if self._starting is starting and starting.done():
                self._starting = None  # a start that failed: the next search tries again
            raise
        if self._starting is starting:  # the first search back takes the pool into use
            self._starting, self._pool = None, pool
        if self._pool is not pool:
            raise RuntimeError("the bot pool was closed while its workers started")
        return pool

    def _new_pool(self) -> ProcessPoolExecutor:
        """(On a helper thread.) The pool, each of its workers started by a no-op task."""
        pool = ProcessPoolExecutor(
            self.workers, mp_context=multiprocessing.get_context("spawn"),
            initializer=_worker_start, initargs=(os.getpid(),))
        for _ in range(self.workers):
            pool.submit(_ready)
        return pool

    @property
    def started(self) -> bool:
        """Whether worker processes are running."""
        return self._pool is not None

    def close(self) -> None:
        """Stop the workers (a search still running is abandoned)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        starting, self._starting = self._starting, None
        if starting is not None:  # the pool a start in flight makes is stopped as it comes
            starting.add_done_callback(_stop_started)


def _stop_started(starting: asyncio.Future[ProcessPoolExecutor]) -> None:
    if not starting.cancelled() and starting.exception() is None:
        starting.result().shutdown(wait=False, cancel_futures=True)
