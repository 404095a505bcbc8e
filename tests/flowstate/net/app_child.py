"""An application process on NetDriver, for the real-process tests.

    python -m tests.flowstate.net.app_child URL delay ID SECONDS   commit a delay, then exit
    python -m tests.flowstate.net.app_child URL hang ID            commit ID in flight at flow
                                                                   `work`, whose flow hangs
    python -m tests.flowstate.net.app_child URL run                run flows until stdin closes

Flows: `fire` prints `fired <id> <unix time>` and parks; `work` parks (after `hang`: hangs).
Prints `ready` once its engine runs.
"""

from __future__ import annotations

import asyncio
import sys
import time

from flowstate import (
    Command,
    Engine,
    FlowRegistry,
    NetDriver,
    StateCtx,
    commit,
    delay,
    park,
    transit,
)


async def main(url: str, mode: str, args: list[str]) -> None:
    hang = asyncio.Event()

    async def fire(ctx: StateCtx, engine: Engine) -> Command:
        print(f"fired {ctx.current.id} {time.time()}", flush=True)
        return commit(park(ctx))

    async def work(ctx: StateCtx, engine: Engine) -> Command:
        if mode == "hang":
            print("working", flush=True)
            await hang.wait()
        print(f"worked {ctx.current.id}", flush=True)
        return commit(park(ctx))

    registry = FlowRegistry()
    registry.set_flow("fire", fire)
    registry.set_flow("work", work)
    async with Engine(NetDriver(url), registry) as engine:
        print("ready", flush=True)
        if mode == "delay":
            ctx = StateCtx.new(args[0])
            before = time.time()  # the delay counts from inside the commit, between the two
            await engine.do(commit(park(ctx), delay(ctx, "fire", float(args[1]))))
            print(f"delayed {before} {time.time()}", flush=True)
            return
        if mode == "hang":
            ctx = StateCtx.new(args[0])
            await engine.do(commit(transit(ctx, "work")))
            await engine.execute(ctx)
            return
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, sys.stdin.read)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3:]))
