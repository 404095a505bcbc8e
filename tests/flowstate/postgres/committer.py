"""A process that commits on PostgreSQL for the tests next to it.

    python -m tests.flowstate.postgres.committer URL NAME COMMITS TASKS

Prints `ready`, waits for a line on stdin (so every committer starts together), then commits
COMMITS new states named `NAME-<n>` from TASKS concurrent tasks and prints `done`.
"""

from __future__ import annotations

import asyncio
import sys

from flowstate import Engine, FlowRegistry, StateCtx, commit, open_driver, park


async def run(url: str, name: str, commits: int, tasks: int) -> None:
    async with Engine(open_driver(url), FlowRegistry(), recovery=False) as engine:
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        counter = iter(range(commits))

        async def committer() -> None:
            for n in counter:
                ctx = StateCtx.new(f"{name}-{n}", labels={"kind": "ordered"})
                await engine.do(commit(park(ctx)))

        await asyncio.gather(*(committer() for _ in range(tasks)))
        print("done", flush=True)


if __name__ == "__main__":
    asyncio.run(run(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
