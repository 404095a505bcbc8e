"""A queue: producers commit parked states under a queue label; a consumer watches the label
and executes each queued state in order, taking it off the queue as it does.

Run with `python -m examples.queue`.
"""

from __future__ import annotations

import asyncio

from flowstate import (
    Command,
    Engine,
    FlowRegistry,
    MemoryDriver,
    StateCtx,
    commit,
    get_states,
    park,
    transit,
)

QUEUE = {"queue": "emails"}


async def main() -> list[str]:
    processed: list[str] = []

    async def send_email(ctx: StateCtx, engine: Engine) -> Command:
        processed.append(ctx.current.id)
        return commit(park(ctx))

    registry = FlowRegistry()
    registry.set_flow("send_email", send_email)

    async with Engine(MemoryDriver(), registry) as engine:
        for i in range(10):
            await engine.do(commit(park(StateCtx.new(f"email-{i}", labels=QUEUE))))

        async with engine.watch(get_states(QUEUE)) as queued:
            async for state in queued:
                ctx = StateCtx.from_state(state)
                # Taking the label off dequeues it: its later versions no longer match.
                del ctx.current.labels["queue"]
                await engine.do(commit(transit(ctx, "send_email")))
                # One at a time, in queue order; `engine.do(execute(ctx))` would run them
                # concurrently instead.
                await engine.execute(ctx)
                if len(processed) == 10:
                    break

        print(f"processed {processed}")
        return processed


if __name__ == "__main__":
    asyncio.run(main())
