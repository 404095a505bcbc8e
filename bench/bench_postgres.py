"""PostgreSQL driver benchmarks (not tests), each on a private server started for the run
(fsync on, as in production), processes on this machine.

    .venv/bin/python bench/bench_postgres.py                 # everything
    .venv/bin/python bench/bench_postgres.py commits         # commits | watch | delays | takeover

- commits: single-state commits/s from one process (one task awaiting each commit, then 64
  concurrent tasks) and from 4 processes (64 tasks each);
- watch: a process commits 3,000 states at ~500/s; a watcher in another process receives
  them: latency from the commit call (and from its acknowledgement) to the other process;
- delays: 10,000 pending delays due over 10 s, fired by 3 processes: lateness (fired - due);
- takeover: 3 workers, one running 10 jobs is killed with SIGKILL: seconds from the kill to
  the first of its jobs committed by another worker (default lease, 3 s), 3 times.

Figures go to docs/benchmarks.md.
"""

from __future__ import annotations

import asyncio
import os
import signal
import statistics
import sys
import time
import uuid
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flowstate import (  # noqa: E402
    Command,
    Engine,
    FlowRegistry,
    StateCtx,
    commit,
    delay_until,
    get_delayed_states,
    get_states,
    open_driver,
    park,
    transit,
)
from flowstate.postgres_server import TemporaryPostgres  # noqa: E402


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def spawn(*args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, __file__, *args, cwd=ROOT,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=2**26,
    )


async def expect(proc: asyncio.subprocess.Process, word: str) -> bytes:
    assert proc.stdout is not None
    async with asyncio.timeout(120):
        line = await proc.stdout.readline()
    assert line.startswith(word.encode()), line
    return line


def go(procs: list[asyncio.subprocess.Process]) -> None:
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write(b"go\n")


async def wait_go() -> None:
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)


# -- children ---------------------------------------------------------------------------------


async def child_commits(url: str, name: str, seconds: float, tasks: int) -> None:
    """Commit new single states from `tasks` tasks for `seconds`; print how many."""
    async with Engine(open_driver(url), FlowRegistry(), recovery=False) as engine:
        print("ready", flush=True)
        await wait_go()
        done = [0]
        stop = time.monotonic() + seconds

        async def one(t: int) -> None:
            n = 0
            while time.monotonic() < stop:
                await engine.do(commit(park(StateCtx.new(f"{name}-{t}-{n}"))))
                n += 1
            done[0] += n

        t0 = time.monotonic()
        await asyncio.gather(*(one(t) for t in range(tasks)))
        print(f"done {done[0]} {time.monotonic() - t0:.3f}", flush=True)


async def child_watch_commits(url: str, count: int, rate: float) -> None:
    """Commit `count` states at `rate`/s, each stamped with the time of the call; print the
    acknowledgement times."""
    async with Engine(open_driver(url), FlowRegistry(), recovery=False) as engine:
        print("ready", flush=True)
        await wait_go()
        acks: dict[str, float] = {}

        async def one(n: int) -> None:
            ctx = StateCtx.new(f"w{n}", labels={"bench": "watch"},
                               annotations={"sent": repr(time.monotonic())})
            await engine.do(commit(park(ctx)))
            acks[ctx.current.id] = time.monotonic()

        start = time.monotonic()
        tasks = []
        for n in range(count):
            await asyncio.sleep(max(0.0, start + n / rate - time.monotonic()))
            tasks.append(asyncio.ensure_future(one(n)))
        await asyncio.gather(*tasks)
        print("acks " + orjson.dumps(acks).decode(), flush=True)


async def child_delays(url: str) -> None:
    """Run the `ring` flow for fired delays; print each lateness (fired - due) at the end."""
    late: list[float] = []

    async def ring(ctx: StateCtx, engine: Engine) -> Command:
        due = float(ctx.current.transition.annotations["flowstate.delay.until"])
        late.append(time.time() - due)
        return park(ctx)

    registry = FlowRegistry()
    registry.set_flow("ring", ring)
    async with Engine(open_driver(url), registry):
        print("ready", flush=True)
        await wait_go()  # the parent says when everything fired
        print("late " + orjson.dumps(late).decode(), flush=True)


async def child_worker(url: str, work_seconds: float) -> None:
    async def work(ctx: StateCtx, engine: Engine) -> Command:
        await asyncio.sleep(work_seconds)
        ctx.current.annotations["done_by"] = str(os.getpid())
        return commit(park(ctx))

    registry = FlowRegistry()
    registry.set_flow("work", work, concurrency=10)
    async with Engine(open_driver(url), registry):
        print("ready", flush=True)
        await asyncio.Event().wait()


# -- benchmarks -------------------------------------------------------------------------------


async def bench_commits(pg: TemporaryPostgres) -> None:
    for procs, tasks in ((1, 1), (1, 64), (4, 64)):
        url = f"{pg.dsn}?schema=c_{uuid.uuid4().hex[:8]}"
        children = [await spawn("_commits", url, f"p{n}", "5", str(tasks)) for n in range(procs)]
        for child in children:
            await expect(child, "ready")
        go(children)
        total = 0.0
        for child in children:
            _, n, seconds = (await expect(child, "done")).split()
            total += int(n) / float(seconds)
            await child.wait()
        print(f"single-state commits, {procs} process(es) x {tasks} task(s): {total:,.0f}/s")


async def bench_watch(pg: TemporaryPostgres) -> None:
    url = f"{pg.dsn}?schema=w_{uuid.uuid4().hex[:8]}"
    count = 3000
    received: dict[str, tuple[float, float]] = {}
    async with Engine(open_driver(url), FlowRegistry(), recovery=False) as engine:
        child = await spawn("_watch", url, str(count), "500")
        await expect(child, "ready")
        async with engine.watch(get_states({"bench": "watch"})) as watcher:
            go([child])
            async for state in watcher:
                received[state.id] = (time.monotonic(), float(state.annotations["sent"]))
                if len(received) == count:
                    break
        acks = orjson.loads((await expect(child, "acks"))[5:])
        await child.wait()
    from_call = [(got - sent) * 1000 for got, sent in received.values()]
    from_ack = [(received[i][0] - acks[i]) * 1000 for i in received]
    print(
        f"commit -> watcher in another process ({count} commits at 500/s): from the call "
        f"p50 {pct(from_call, 0.5):.2f} ms, p99 {pct(from_call, 0.99):.2f} ms; from the ack "
        f"p50 {pct(from_ack, 0.5):.2f} ms, p99 {pct(from_ack, 0.99):.2f} ms"
    )


async def bench_delays(pg: TemporaryPostgres) -> None:
    url = f"{pg.dsn}?schema=d_{uuid.uuid4().hex[:8]}"
    count, spread = 10_000, 10.0
    children = [await spawn("_delays", url) for _ in range(3)]
    for child in children:
        await expect(child, "ready")
    start = time.time() + 3.0
    async with Engine(open_driver(url), FlowRegistry(), recovery=False) as engine:
        for chunk in range(0, count, 500):
            cmds: list[Command] = []
            for n in range(chunk, chunk + 500):
                ctx = StateCtx.new(f"d{n}")
                cmds.append(delay_until(ctx, "ring", round(start + spread * n / count, 3),
                                        commit=False))
            await engine.do(commit(*cmds))
        async with asyncio.timeout(spread + 60):
            while True:  # the benchmark's own progress check (the engines are not polling)
                await asyncio.sleep(0.5)
                left = get_delayed_states(limit=1)
                await engine.do(left)
                if not left.must_result().delays:
                    break
        await asyncio.sleep(0.5)  # the last fired flows finish
    go(children)
    late: list[float] = []
    for child in children:
        late += orjson.loads((await expect(child, "late"))[5:])
        await child.wait()
    ms = [x * 1000 for x in late]
    print(
        f"delay lateness, {count:,} pending due over {spread:.0f} s, 3 processes "
        f"({len(ms):,} fired): p50 {pct(ms, 0.5):.2f} ms, p99 {pct(ms, 0.99):.2f} ms, "
        f"max {max(ms):.2f} ms"
    )


async def bench_takeover(pg: TemporaryPostgres) -> None:
    results = []
    for _ in range(3):
        url = f"{pg.dsn}?schema=t_{uuid.uuid4().hex[:8]}"
        victim = await spawn("_worker", url, "60")  # its jobs never finish on their own
        await expect(victim, "ready")
        async with Engine(open_driver(url), FlowRegistry(), recovery=False) as engine:
            cmds: list[Command] = []
            for n in range(10):
                job = StateCtx.new(f"job{n}", labels={"bench": "takeover"})
                cmds += [transit(job, "work"), delay_until(job, "work", 0)]
            async with engine.watch(get_states({"bench": "takeover"})) as watcher:
                await engine.do(commit(*cmds))
                running = 0
                async for state in watcher:  # wait until the victim runs all 10
                    if state.transition.to == "work" and state.rev > 10:
                        running += 1
                        if running == 10:
                            break
                others = [await spawn("_worker", url, "0.01") for _ in range(2)]
                for other in others:
                    await expect(other, "ready")
                killed = time.monotonic()
                victim.send_signal(signal.SIGKILL)
                await victim.wait()
                async for state in watcher:
                    if state.transition.to == "" and state.annotations.get("done_by"):
                        results.append(time.monotonic() - killed)
                        break
            for other in others:
                other.kill()
                await other.wait()
    print(
        "kill -9 -> its work committed by another worker (lease 3 s): "
        + ", ".join(f"{r:.2f} s" for r in results)
        + f" (median {statistics.median(results):.2f} s)"
    )


async def main(parts: list[str]) -> None:
    with TemporaryPostgres(durable=True) as pg:
        for part in parts:
            await {"commits": bench_commits, "watch": bench_watch, "delays": bench_delays,
                   "takeover": bench_takeover}[part](pg)


if __name__ == "__main__":
    args = sys.argv[1:]
    if args and args[0].startswith("_"):
        kind, rest = args[0], args[1:]
        if kind == "_commits":
            asyncio.run(child_commits(rest[0], rest[1], float(rest[2]), int(rest[3])))
        elif kind == "_watch":
            asyncio.run(child_watch_commits(rest[0], int(rest[1]), float(rest[2])))
        elif kind == "_delays":
            asyncio.run(child_delays(rest[0]))
        elif kind == "_worker":
            asyncio.run(child_worker(rest[0], float(rest[1])))
        sys.exit(0)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
    asyncio.run(main(args or ["commits", "watch", "delays", "takeover"]))
