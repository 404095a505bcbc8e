"""SQLite and a restart: an order flow whose process stops in the middle; the next process on
the same file picks up exactly where it was.

- The first run commits "reserve" and stops before the flow ran (as if it crashed right
  after the commit), and sets a reminder (a committing delay) for tomorrow.
- The second run, on the same file, resumes the in-flight order at start (no waiting for
  `retry_after`), and the reminder is still pending, due at its time.

Run with `python -m examples.sqlite_restart [FILE]` (a temporary file by default).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from flowstate import (
    Command,
    Engine,
    FlowRegistry,
    StateCtx,
    commit,
    delay,
    get_delayed_states,
    get_state_by_id,
    open_driver,
    park,
    transit,
)

DAY = 24 * 3600.0


@dataclass
class Outcome:
    first_run_done: list[str]
    second_run_done: list[str]
    order_status: str
    pending_reminders: list[str]


async def main(path: str | None = None) -> Outcome:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{path or Path(tmp) / 'orders.sqlite3'}"
        done: list[str] = []
        shipped = asyncio.Event()

        async def reserve(ctx: StateCtx, engine: Engine) -> Command:
            done.append(f"reserved {ctx.current.id}")
            return commit(transit(ctx, "ship"))

        async def ship(ctx: StateCtx, engine: Engine) -> Command:
            done.append(f"shipped {ctx.current.id}")
            shipped.set()
            return commit(park(ctx, {"status": "shipped"}))

        registry = FlowRegistry()
        registry.set_flow("reserve", reserve)
        registry.set_flow("ship", ship)

        # First process: commit the order and a reminder, then stop before running it.
        async with Engine(open_driver(url), registry) as engine:
            order = StateCtx.new("order-7", labels={"kind": "order"})
            await engine.do(commit(transit(order, "reserve")))
            note = StateCtx.new("remind-7")
            await engine.do(commit(park(note), delay(note, "remind", DAY)))
        first = list(done)
        done.clear()

        # Second process on the same file: the order resumes at once.
        async with Engine(open_driver(url), registry) as engine:
            async with asyncio.timeout(10):
                await shipped.wait()  # the resumed flow runs on the engine's own task
            stored = StateCtx()
            await engine.do(get_state_by_id(stored, "order-7"))
            pending = get_delayed_states()
            await engine.do(pending)
            outcome = Outcome(
                first, list(done), stored.committed.annotation("status"),
                [d.state.id for d in pending.must_result().delays],
            )
        print(outcome)
        return outcome


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else None))
