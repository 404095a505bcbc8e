"""A worker queue on PostgreSQL: any number of worker processes share one database; each job
is claimed by one of them, at most `--concurrency` at a time per worker, and the jobs of a
worker that dies are taken over by the others once its lease runs out.

A job is a state committed with its flow and a committing delay due now:

    commit(transit(job, "work"), delay(job, "work", 0))

The delay is claimed by exactly one engine (`FOR UPDATE SKIP LOCKED`), which commits the
transit (rev-checked) and runs the flow. `set_flow("work", work, concurrency=N)` caps how
many run at once on each engine; the others stay pending for whoever has a free slot. The
flow's last step, `commit(park(job))`, is rev-checked too: a job resumed elsewhere after a
crash can run again, but it is done (parked) exactly once.

    python -m examples.worker_queue worker --db postgresql://user@host/db --name w1
    python -m examples.worker_queue enqueue --db postgresql://user@host/db --jobs 1000
    python -m examples.worker_queue status --db postgresql://user@host/db

(`--db` is any `open_driver` URL; `?schema=name` picks the schema.)

A worker runs until SIGTERM or SIGINT (`run_until_signal`), then shuts down cleanly: the jobs
it was running are released to the other workers at once, without waiting for its lease.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from dataclasses import dataclass

from flowstate import (
    Command,
    Engine,
    FlowRegistry,
    StateCtx,
    commit,
    delay,
    get_states,
    open_driver,
    park,
    parked,
    run_until_signal,
    set_max_recovery_attempts,
    transit,
)

JOBS = {"queue": "jobs"}


def registry_for(name: str, concurrency: int, work_seconds: float) -> FlowRegistry:
    async def work(ctx: StateCtx, engine: Engine) -> Command:
        await asyncio.sleep(work_seconds)  # the job's real work goes here
        ctx.current.annotations["done_by"] = name
        return commit(park(ctx))

    registry = FlowRegistry()
    registry.set_flow("work", work, concurrency=concurrency)
    return registry


async def worker(db: str, name: str, concurrency: int, work_seconds: float, lease: float) -> None:
    engine = Engine(open_driver(db, lease=lease), registry_for(name, concurrency, work_seconds))
    print(f"worker {name} (pid {os.getpid()}) ready", flush=True)
    signum = await run_until_signal(engine)
    print(f"worker {name} stopped by signal {signum}", flush=True)


async def enqueue(db: str, jobs: int, first: int = 0) -> None:
    async with Engine(open_driver(db), FlowRegistry(), recovery=False) as engine:
        for start in range(first, first + jobs, 100):
            cmds = []
            for n in range(start, min(first + jobs, start + 100)):
                job = StateCtx.new(f"job-{n:05d}", labels=JOBS)
                set_max_recovery_attempts(job, 10)
                cmds += [transit(job, "work"), delay(job, "work", 0)]
            await engine.do(commit(*cmds))


@dataclass
class Status:
    jobs: int
    done: int
    done_by: dict[str, int]


async def status(db: str) -> Status:
    async with Engine(open_driver(db), FlowRegistry(), recovery=False) as engine:
        latest: list[StateCtx] = []
        since = 0
        while True:
            page = get_states(JOBS, since_rev=since, latest_only=True, limit=1000)
            await engine.do(page)
            result = page.must_result()
            latest += [StateCtx.from_state(s) for s in result.states]
            if not result.more:
                break
            since = result.states[-1].rev
        done_by: dict[str, int] = {}
        for ctx in latest:
            if parked(ctx.committed):
                by = ctx.committed.annotations.get("done_by", "?")
                done_by[by] = done_by.get(by, 0) + 1
        return Status(len(latest), sum(done_by.values()), done_by)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m examples.worker_queue")
    parser.add_argument("command", choices=["worker", "enqueue", "status"])
    parser.add_argument("--db", required=True, help="an open_driver URL (postgresql://...)")
    parser.add_argument("--name", default=f"w{os.getpid()}")
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--work-seconds", type=float, default=0.01)
    parser.add_argument("--lease", type=float, default=3.0)
    parser.add_argument("--jobs", type=int, default=1000)
    ns = parser.parse_args(argv)
    if ns.command == "worker":
        asyncio.run(worker(ns.db, ns.name, ns.concurrency, ns.work_seconds, ns.lease))
    elif ns.command == "enqueue":
        asyncio.run(enqueue(ns.db, ns.jobs))
    else:
        print(asyncio.run(status(ns.db)))


if __name__ == "__main__":
    main(sys.argv[1:])
