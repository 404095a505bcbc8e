"""The worker queue example for real: 3 worker processes on one PostgreSQL database, 1,000 jobs,
one worker killed with SIGKILL twice (its replacement too); every job is done exactly once and
none is lost. Real processes and real time: every wait is on an event (a watcher pushed by the
workers' commits, a line on a pipe) with a bounded timeout."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
import uuid
from pathlib import Path

import asyncpg

from flowstate import Engine, FlowRegistry, State, get_states, open_driver, parked
from flowstate.postgres_server import TemporaryPostgres

from . import worker_queue

ROOT = Path(__file__).resolve().parents[1]
JOBS = 1000
LEASE = 2.0
SLOW = 0.3  # seconds per job on the worker that is killed


class Worker:
    def __init__(self, db: str, name: str, work_seconds: float = 0.02) -> None:
        self.db = db
        self.name = name
        self.work_seconds = work_seconds
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> Worker:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "examples.worker_queue", "worker", "--db", self.db,
            "--name", self.name, "--concurrency", "10", "--work-seconds", str(self.work_seconds),
            "--lease", str(LEASE),
            cwd=ROOT, stdout=asyncio.subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        assert self.proc.stdout is not None
        async with asyncio.timeout(30):
            line = await self.proc.stdout.readline()
        assert b"ready" in line, line
        return self

    async def kill(self) -> float:
        assert self.proc is not None
        killed_at = time.monotonic()
        self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()
        return killed_at

    async def kill_mid_job(self, conn: asyncpg.Connection) -> set[str]:
        """SIGKILL once this worker's engine has jobs in flight (a loaded machine may starve
        it for a while); returns those jobs, read from the store after its death."""
        assert self.proc is not None
        query = ("SELECT l.id FROM flowstate_latest l JOIN flowstate_engines e ON e.id = l.owner"
                 " WHERE l.in_flight AND e.pid = $1")
        # No event says "a worker in another process has a job in flight": ask the store,
        # every 20 ms for up to 30 s.
        for _ in range(1500):
            if await conn.fetch(query, self.proc.pid):
                break
            await asyncio.sleep(0.02)
        else:
            raise AssertionError(f"worker {self.name} never had a job in flight")
        await self.kill()
        return {row["id"] for row in await conn.fetch(query, self.proc.pid)}

    async def stop(self) -> int | None:
        """SIGTERM; the exit code (0: run_until_signal shut the engine down cleanly)."""
        if self.proc is None or self.proc.returncode is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            async with asyncio.timeout(30):
                return await self.proc.wait()
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()
            raise


async def test_three_workers_one_killed_twice(postgres: TemporaryPostgres) -> None:
    """Every job is parked exactly once, none lost, and the killed workers' jobs were resumed."""
    db = f"{postgres.dsn}?schema=wq_{uuid.uuid4().hex[:8]}"
    await worker_queue.enqueue(db, JOBS)
    # The worker to kill runs slow jobs, and is killed while the store says it has jobs in
    # flight (between two jobs it would only hold claims, which are released too).
    workers = [await Worker(db, "w0", SLOW).start()]
    workers += [await Worker(db, f"w{n}").start() for n in (1, 2)]
    done: dict[str, str] = {}
    twice: list[State] = []  # parked versions of a job already done: must stay empty
    progress = asyncio.Event()
    in_flight: set[str] = set()  # the killed workers' running jobs, at their deaths
    schema = db.rsplit("schema=", 1)[1]
    conn = await asyncpg.connect(postgres.dsn, server_settings={"search_path": schema})
    try:
        async with Engine(open_driver(db), FlowRegistry(), recovery=False) as engine:

            async def count() -> None:
                async with engine.watch(get_states(worker_queue.JOBS)) as versions:
                    last = 0
                    async for state in versions:
                        assert state.rev > last, "a watcher yields each version once, in order"
                        last = state.rev
                        if parked(state):
                            if state.id in done:
                                twice.append(state)
                            done[state.id] = state.annotations["done_by"]
                            progress.set()

            async def until(condition: object, seconds: float) -> None:
                async with asyncio.timeout(seconds):
                    while not condition():  # type: ignore[operator]
                        progress.clear()
                        await progress.wait()

            counter = asyncio.ensure_future(count())
            await until(lambda: "w0" in done.values() and len(done) >= 150, 60)
            in_flight |= await workers[0].kill_mid_job(conn)
            workers[0] = await Worker(db, "w0b", SLOW).start()
            await until(lambda: "w0b" in done.values() and len(done) >= 400, 60)
            in_flight |= await workers[0].kill_mid_job(conn)
            workers[0] = await Worker(db, "w0c").start()
            await until(lambda: len(done) == JOBS, 120)
            counter.cancel()
        codes = [await w.stop() for w in workers]
        assert codes == [0, 0, 0], "SIGTERM shuts every worker down cleanly"
        assert len(done) == JOBS
        parks = await conn.fetch(
            "SELECT id, count(*) AS n FROM flowstate_states WHERE transition_to = '' "
            "GROUP BY id"
        )
        resumed = {row["id"] for row in await conn.fetch(
            "SELECT DISTINCT id FROM flowstate_states "
            "WHERE transition_annotations ? 'flowstate.recovery.attempt'"
        )}
        pending = await conn.fetchval("SELECT count(*) FROM flowstate_delays")
    finally:
        await conn.close()
        for w in workers:
            if w.proc is not None and w.proc.returncode is None:
                w.proc.kill()
                await w.proc.wait()
    assert len(parks) == JOBS and all(row["n"] == 1 for row in parks), "each job done once"
    assert twice == [], "the watcher delivered a parked version twice"
    assert in_flight, "each kill landed with jobs in flight"
    assert in_flight <= resumed, "every job in flight at a kill was taken over by recovery"
    assert pending == 0
    by = {name: sum(1 for w in done.values() if w == name) for name in set(done.values())}
    assert set(by) <= {"w0", "w0b", "w0c", "w1", "w2"}, by
    assert await worker_queue.status(db) == worker_queue.Status(JOBS, JOBS, by)

