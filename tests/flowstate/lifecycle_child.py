"""The process the lifecycle tests signal: an engine on a driver URL, run by `run_until_signal`.

    python -m tests.flowstate.lifecycle_child URL COMMITS

Commits COMMITS states (`c<n>`, default durability: acknowledged before they are on disk),
printing `acked <n>` after the last, then waits until a signal stops it and prints
`stopped <signal>`.
"""

from __future__ import annotations

import asyncio
import sys

from flowstate import Engine, FlowRegistry, StateCtx, commit, open_driver, park, run_until_signal


async def run(url: str, commits: int) -> None:
    async def main(engine: Engine) -> None:
        for n in range(commits):
            await engine.do(commit(park(StateCtx.new(f"c{n}"))))
        print(f"acked {commits}", flush=True)
        await asyncio.Event().wait()  # serve until stopped

    signum = await run_until_signal(Engine(open_driver(url), FlowRegistry()), main)
    print(f"stopped {signum}", flush=True)


if __name__ == "__main__":
    asyncio.run(run(sys.argv[1], int(sys.argv[2])))
