"""SQLite snapshot benchmarks (not tests): sustained revisions/s written, commit latency in
both durability modes, the longest event-loop stall caused by the writer, restart time, and
more SIGKILL crash cycles than the test runs.

    .venv/bin/python bench/bench_sqlite.py                    # everything but crash cycles
    .venv/bin/python bench/bench_sqlite.py throughput latency restart stall
    .venv/bin/python bench/bench_sqlite.py crash --crash-cycles 100
    .venv/bin/python bench/bench_sqlite.py throughput --switch-interval 0.001

Runs on the real clock with uvloop when installed. Figures go to docs/bench-sqlite.md.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from flowstate import Engine, FlowRegistry, MemoryDriver, State, StateCtx, commit, park
from flowstate.snapshots import CommitBatch
from flowstate.sqlite import SqliteSnapshots

ROOT = Path(__file__).resolve().parents[1]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def file_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(f"{path.name}*"))


def fresh(tmp: Path, name: str) -> Path:
    path = tmp / name
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path


class LagMonitor:
    """Wakes every `period` seconds and records how late it woke: the loop's stalls."""

    def __init__(self, period: float = 0.0005) -> None:
        self.period = period
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            expected = loop.time() + self.period
            await asyncio.sleep(self.period)
            self.worst = max(self.worst, loop.time() - expected)

    def __enter__(self) -> LagMonitor:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()


async def bench_throughput(tmp: Path) -> None:
    """Single-state commits as fast as the engine takes them, default mode; the rate counts
    until the last one is on disk."""
    path = fresh(tmp, "throughput.sqlite3")
    n = 300_000
    snapshots = SqliteSnapshots(path)
    driver = MemoryDriver(history_limit=100_000, snapshots=snapshots)
    async with Engine(driver, FlowRegistry(), recovery=False) as engine:
        ctxs = [StateCtx.new(f"s{i}", labels={"kind": "bench"}) for i in range(1000)]
        start = time.perf_counter()
        for i in range(n):
            await engine.do(commit(park(ctxs[i % 1000])))
            if i % 256 == 255:
                await asyncio.sleep(0)  # a server yields between requests
        committed = time.perf_counter() - start
        await snapshots.flush()
        on_disk = time.perf_counter() - start
        flushes, rows = snapshots.flushes, snapshots.rows_written
        longest = snapshots.longest_flush
    print(
        f"throughput: {n} single-state commits, default mode: committed in {committed:.2f} s "
        f"({n / committed:,.0f}/s), all on disk after {on_disk:.2f} s "
        f"({n / on_disk:,.0f} revisions/s written), {flushes} flushes, "
        f"{rows / flushes:,.0f} rows/flush, longest flush {longest * 1e3:.0f} ms"
    )
    # the writer alone: big batches straight into the store
    path = fresh(tmp, "writer.sqlite3")
    snapshots = SqliteSnapshots(path)
    await snapshots.open()
    states = [
        State(f"s{i % 1000}", i + 1, {"kind": "bench"}, {"n": str(i)}, 1.7e9).frozen()
        for i in range(n)
    ]
    start = time.perf_counter()
    for i in range(0, n, 1000):
        snapshots.record(CommitBatch(states=states[i : i + 1000]))
        await asyncio.sleep(0)
    await snapshots.flush()
    took = time.perf_counter() - start
    await snapshots.close()
    print(f"throughput: writer alone, {n} revisions recorded and written: {n / took:,.0f}/s")


async def bench_sustained(tmp: Path) -> None:
    """A producer paced at R commits/s (R/1000 per 1 ms tick, absolute deadlines) for 6 s:
    does the writer keep up? Reports what reached the disk during the run, the deepest
    queue and the longest flush; the writer is behind if the queue or flushes keep growing."""
    for rate in (50_000, 60_000):
        path = fresh(tmp, f"sustained-{rate}.sqlite3")
        snapshots = SqliteSnapshots(path)
        driver = MemoryDriver(history_limit=100_000, snapshots=snapshots)
        async with Engine(driver, FlowRegistry(), recovery=False) as engine:
            ctxs = [StateCtx.new(f"s{i}", labels={"kind": "bench"}) for i in range(1000)]
            loop = asyncio.get_running_loop()
            per_tick, seconds = rate // 1000, 6.0
            deepest = 0
            start = loop.time()
            tick = start
            n = 0
            while tick - start < seconds:
                for _ in range(per_tick):
                    await engine.do(commit(park(ctxs[n % 1000])))
                    n += 1
                deepest = max(deepest, snapshots.queued_batches)
                tick += 0.001
                delay = tick - loop.time()
                await asyncio.sleep(max(0.0, delay))
            took = loop.time() - start
            written = snapshots.durable_ticket
            drain = time.perf_counter()
            await snapshots.flush()
            drain = time.perf_counter() - drain
            longest = snapshots.longest_flush
        print(
            f"sustained: offered {rate:,}/s for {seconds:.0f} s: committed {n / took:,.0f}/s, "
            f"on disk during the run {written / took:,.0f}/s, deepest queue {deepest:,} "
            f"batches, longest flush {longest * 1e3:.0f} ms, final drain {drain * 1e3:.0f} ms"
        )


async def bench_latency(tmp: Path) -> None:
    """Commit latency: default mode (memory speed), strict with one client (one fsync per
    commit) and strict with 50 concurrent clients (group commit)."""
    for mode, clients, n in (("default", 1, 20_000), ("strict", 1, 2_000), ("strict", 50, 200)):
        path = fresh(tmp, f"latency-{mode}-{clients}.sqlite3")
        snapshots = SqliteSnapshots(path)
        driver = MemoryDriver(history_limit=100_000, snapshots=snapshots)
        async with Engine(driver, FlowRegistry(), recovery=False, durability=mode) as engine:
            samples: list[float] = []

            async def client(
                c: int,
                engine: Engine = engine,
                samples: list[float] = samples,
                n: int = n,
                mode: str = mode,
            ) -> None:
                ctx = StateCtx.new(f"c{c}")
                for _ in range(n):
                    t = time.perf_counter()
                    await engine.do(commit(park(ctx)))
                    samples.append(time.perf_counter() - t)
                    if mode == "default":
                        await asyncio.sleep(0)

            start = time.perf_counter()
            async with asyncio.TaskGroup() as group:
                for c in range(clients):
                    group.create_task(client(c))
            took = time.perf_counter() - start
            flushes = snapshots.flushes
        total = clients * n
        print(
            f"latency: {mode:7} {clients:2} client(s): p50 {pct(samples, 0.5) * 1e3:.3f} ms, "
            f"p99 {pct(samples, 0.99) * 1e3:.3f} ms, max {max(samples) * 1e3:.3f} ms; "
            f"{total / took:,.0f} commits/s, {total / max(flushes, 1):.1f} commits per flush"
        )


async def bench_stall(tmp: Path) -> None:
    """How long the loop is held while the writer flushes big batches: a lag monitor ticks
    every 0.5 ms while ~40k commits/s are recorded and flushed. The writer's own loop-side
    steps (taking the queued rows, waking waiters) and GC pauses are timed separately."""
    steps: dict[str, float] = {}

    def timed(name: str, fn: Any) -> Any:
        def wrapper(*args: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(*args)
            finally:
                steps[name] = max(steps.get(name, 0.0), time.perf_counter() - start)

        return wrapper

    pauses: list[float] = []
    gc_start = [0.0]

    def on_gc(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            gc_start[0] = time.perf_counter()
        else:
            pauses.append(time.perf_counter() - gc_start[0])

    path = fresh(tmp, "stall.sqlite3")
    snapshots = SqliteSnapshots(path)
    for name in ("record", "_take", "_wake_waiters"):
        setattr(snapshots, name, timed(name, getattr(snapshots, name)))
    driver = MemoryDriver(history_limit=10_000, snapshots=snapshots)
    async with Engine(driver, FlowRegistry(), recovery=False) as engine:
        ctxs = [StateCtx.new(f"s{i}", annotations={"pad": "x" * 200}) for i in range(500)]
        with LagMonitor() as idle:
            await asyncio.sleep(0.5)
        gc.collect()
        gc.freeze()  # as the server does: the long-lived heap is not rescanned
        gc.callbacks.append(on_gc)
        try:
            with LagMonitor() as busy:
                for i in range(100_000):
                    await engine.do(commit(park(ctxs[i % 500])))
                    if i % 40 == 39:
                        await asyncio.sleep(0.001)  # 40 commits per 1 ms tick: <= 40k/s
                await snapshots.flush()
        finally:
            gc.callbacks.remove(on_gc)
            gc.unfreeze()
        flushes = snapshots.flushes
    print(
        f"stall: 100k commits written in {flushes} flushes; worst loop lag idle "
        f"{idle.worst * 1e3:.2f} ms, busy {busy.worst * 1e3:.2f} ms (40-commit bursts and GC "
        f"included); worst GC pause {max(pauses, default=0) * 1e3:.2f} ms; longest writer "
        f"step on the loop: take {steps['_take'] * 1e3:.3f} ms, wake waiters "
        f"{steps['_wake_waiters'] * 1e3:.3f} ms; longest record() {steps['record'] * 1e3:.3f} ms"
    )


async def populate(path: Path, states: int, versions: int) -> None:
    snapshots = SqliteSnapshots(path)
    driver = MemoryDriver(history_limit=states, snapshots=snapshots)
    await driver.open()
    rev = driver.head_rev
    for _ in range(versions):
        for first in range(0, states, 1000):
            batch = CommitBatch()
            for i in range(first, min(states, first + 1000)):
                rev += 1
                batch.states.append(
                    State(
                        f"game-{i}",
                        rev,
                        {"kind": "game", "room": str(i % 50)},
                        {"players": "alice,bob", "moves": str(rev)},
                        1.7e9,
                    ).frozen()
                )
            driver.apply(batch)
        await snapshots.flush()
    await driver.close()


async def bench_restart(tmp: Path) -> None:
    """Engine start on a file of N states (3 versions each, history_limit=N): open, load,
    decode and rebuild the driver's indexes."""
    for states in (10_000, 100_000):
        path = fresh(tmp, f"restart-{states}.sqlite3")
        await populate(path, states, 3)
        size = file_size(path)
        best = float("inf")
        for _ in range(3):
            driver = MemoryDriver(history_limit=states, snapshots=SqliteSnapshots(path))
            start = time.perf_counter()
            async with Engine(driver, FlowRegistry(), recovery=True):
                took = time.perf_counter() - start
                assert sum(1 for _ in driver.latest_states()) == states
            best = min(best, took)
        print(
            f"restart: {states:,} states (+{states:,} history), file {size / 1e6:.1f} MB: "
            f"engine started in {best:.3f} s"
        )


async def bench_crash(tmp: Path, cycles: int) -> None:
    """More SIGKILL cycles than the test, reporting the loss seen in default mode."""
    sys.path.insert(0, str(ROOT))
    from tests.flowstate.sqlite import test_crash as crash

    rng = random.Random(7)
    for mode in ("strict", "default"):
        path = fresh(tmp, f"crash-{mode}.sqlite3")
        lost = 0
        oldest_lost = 0.0
        acked = 0
        widest = 0.0
        longest = 0.0
        for _ in range(cycles):
            cycle = await crash.crash_once(path, mode, rng.uniform(0.02, 0.4))
            count = await crash.check_file(path, mode, cycle)
            acked += len(cycle.acks)
            gone = [cycle.killed_at - t for n, t in cycle.acks if n >= count]
            lost += len(gone)
            oldest_lost = max([oldest_lost, *gone])
            if cycle.flushes:
                widest = max(widest, cycle.window())
            longest = max(longest, cycle.longest_flush())
        print(
            f"crash: {mode:7} {cycles} SIGKILL cycles, {acked:,} acknowledged commits, "
            f"{lost:,} lost (oldest acknowledged {oldest_lost * 1e3:.0f} ms before the kill); "
            f"widest window (kill - start of the last completed flush) {widest * 1e3:.0f} ms, "
            f"longest flush {longest * 1e3:.0f} ms; integrity_check ok every time"
        )


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "parts", nargs="*", default=["throughput", "sustained", "latency", "stall", "restart"]
    )
    parser.add_argument("--crash-cycles", type=int, default=50)
    parser.add_argument(
        "--switch-interval",
        type=float,
        default=None,
        help="sys.setswitchinterval(...) for this process (the GIL hand-off period)",
    )
    args = parser.parse_args()
    if args.switch_interval is not None:
        sys.setswitchinterval(args.switch_interval)
    logging.basicConfig(level=logging.WARNING)
    print(
        f"# {platform.node()} {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, "
        f"SQLite {__import__('sqlite3').sqlite_version}, "
        f"loop {type(asyncio.get_running_loop()).__module__}, "
        f"GIL switch interval {sys.getswitchinterval() * 1e3:g} ms"
    )
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_DIR")) as tmp:
        for part in args.parts:
            if part == "crash":
                await bench_crash(Path(tmp), args.crash_cycles)
            else:
                await globals()[f"bench_{part}"](Path(tmp))


if __name__ == "__main__":
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(main())
