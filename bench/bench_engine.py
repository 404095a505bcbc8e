"""Engine benchmarks (not tests): commits/s, commit -> watcher wake latency, delay lateness.

    .venv/bin/python bench/bench_engine.py            # everything
    .venv/bin/python bench/bench_engine.py commits    # one part: commits | watchers | delays

Runs on the real clock with uvloop when installed. Figures go to docs/benchmarks.md.
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import sys
import time

from flowstate import (
    Command,
    Engine,
    FlowRegistry,
    MemoryDriver,
    StateCtx,
    commit,
    delay_until,
    get_states,
    park,
    transit,
)
from flowstate.watcher import Watcher


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def bench_commits() -> None:
    async with Engine(MemoryDriver(history_limit=100_000), FlowRegistry(), recovery=False) as e:
        ctx = StateCtx.new("single", labels={"kind": "bench"})
        n = 200_000
        gc.collect()
        t0 = time.perf_counter()
        for _ in range(n):
            await e.do(commit(transit(ctx, "next")))
        dt = time.perf_counter() - t0
        print(f"single-state commit (engine.do(commit(transit))): {n / dt:,.0f} commits/s")

        a, b, c = (StateCtx.new(x, labels={"kind": "bench"}) for x in "abc")
        n3 = 100_000
        t0 = time.perf_counter()
        for _ in range(n3):
            await e.do(commit(transit(a, "x"), transit(b, "y"), park(c)))
        dt = time.perf_counter() - t0
        print(f"3-state commit: {n3 / dt:,.0f} commits/s ({3 * n3 / dt:,.0f} revs/s)")

        registry_ctx = StateCtx.new("flowloop", labels={"kind": "bench"})
        t0 = time.perf_counter()
        for _ in range(n):
            await e.do(commit(park(registry_ctx)))
        dt = time.perf_counter() - t0
        print(f"single-state commit (park): {n / dt:,.0f} commits/s")


async def fanout(n: int) -> None:
    """n watchers on one label, every commit wakes all of them."""
    async with Engine(MemoryDriver(history_limit=50_000), FlowRegistry(), recovery=False) as e:
        stamps: list[float] = []
        woke = asyncio.Event()
        remaining = [0]
        lat: list[float] = []

        async def reader(w: Watcher) -> None:
            async for _ in w:
                lat.append(time.perf_counter() - stamps[-1])
                remaining[0] -= 1
                if remaining[0] == 0:
                    woke.set()

        query = get_states({"kind": "fanout"}, since_latest=True)
        watchers = [e.watch(query) for _ in range(n)]
        tasks = [asyncio.ensure_future(reader(w)) for w in watchers]
        await asyncio.sleep(0.01)
        ctx = StateCtx.new("hot", labels={"kind": "fanout"})
        rounds = max(200, 20_000 // n)
        gc.collect()
        gc.freeze()  # as the server does after start-up: keep old objects out of GC scans
        for _ in range(rounds):
            woke.clear()
            remaining[0] = n
            stamps.append(time.perf_counter())
            await e.do(commit(park(ctx)))
            await woke.wait()
        us = [x * 1e6 for x in lat]
        print(
            f"{n:>5} watchers, all woken by each commit: wake latency "
            f"p50 {pct(us, 0.5):.0f} us, p99 {pct(us, 0.99):.0f} us ({len(us)} wakes)"
        )
        for w in watchers:
            await w.close()
        await asyncio.gather(*tasks)


async def targeted(n: int) -> None:
    """The game-server shape: n watchers each on their own state, a commit wakes one."""
    async with Engine(MemoryDriver(history_limit=50_000), FlowRegistry(), recovery=False) as e:
        lat: list[float] = []
        got = asyncio.Event()
        stamp = [0.0]

        async def reader(w: Watcher) -> None:
            async for _ in w:
                lat.append(time.perf_counter() - stamp[0])
                got.set()

        ws = [e.watch(get_states({"game": str(i)}, since_latest=True)) for i in range(n)]
        tasks = [asyncio.ensure_future(reader(w)) for w in ws]
        await asyncio.sleep(0.01)
        ctxs = [StateCtx.new(f"g{i}", labels={"game": str(i)}) for i in range(n)]
        for i in range(5000):
            got.clear()
            stamp[0] = time.perf_counter()
            await e.do(commit(park(ctxs[i % n])))
            await got.wait()
        us = [x * 1e6 for x in lat]
        print(
            f"{n:>5} watchers on distinct states, one woken per commit: "
            f"p50 {pct(us, 0.5):.0f} us, p99 {pct(us, 0.99):.0f} us"
        )
        for w in ws:
            await w.close()
        await asyncio.gather(*tasks)


async def bench_watchers(counts: tuple[int, ...] = (1, 100, 1000)) -> None:
    for n in counts:
        await fanout(n)
        await targeted(n)


async def bench_delays(pending: int = 100_000, spread: float = 10.0) -> None:
    registry = FlowRegistry()
    lateness: list[float] = []
    done = asyncio.Event()

    async def fire(ctx: StateCtx, engine: Engine) -> Command:
        due = float(ctx.current.transition.annotations["flowstate.delay.until"])
        lateness.append(time.time() - due)
        if len(lateness) == pending:
            done.set()
        return park(ctx)

    registry.set_flow("fire", fire)
    async with Engine(MemoryDriver(history_limit=10_000), registry, recovery=False) as e:
        start = time.time() + 8.0  # scheduling 100k delays takes a few seconds
        for i in range(pending):
            ctx = StateCtx.new(f"d{i}")
            at = round(start + spread * i / pending, 3)
            await e.do(delay_until(ctx, "fire", at, commit=False))
        print(f"{pending:,} delays pending, first due in {start - time.time():.2f} s")
        gc.collect()
        gc.freeze()
        await asyncio.wait_for(done.wait(), timeout=spread + 60)
    ms = [x * 1e3 for x in lateness]
    print(
        f"delay firing lateness over {pending:,} delays in {spread:.0f} s: "
        f"p50 {pct(ms, 0.5):.2f} ms, p99 {pct(ms, 0.99):.2f} ms, max {max(ms):.2f} ms, "
        f"mean {statistics.mean(ms):.2f} ms"
    )


async def main(parts: list[str]) -> None:
    print(f"python {sys.version.split()[0]}, loop {type(asyncio.get_running_loop()).__module__}")
    if not parts or "commits" in parts:
        await bench_commits()
    if not parts or "watchers" in parts:
        await bench_watchers()
    if not parts or "delays" in parts:
        await bench_delays()


if __name__ == "__main__":
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:  # pragma: no cover
        runner = asyncio.run  # type: ignore[assignment]
    runner(main(sys.argv[1:]))
