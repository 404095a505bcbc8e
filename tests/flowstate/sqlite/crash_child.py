"""The process the crash test kills: commits a numbered sequence and reports each
acknowledgement on stdout as `<n> <monotonic seconds>`.

Run as `python -m tests.flowstate.sqlite.crash_child PATH MODE FLUSH_INTERVAL`. MODE "strict"
acknowledges after the commit is on disk, "default" at memory speed. State `n<i>` is the
i-th commit of the whole sequence; a restarted child continues after the states it finds.
After every completed flush it also reports `F <last n on disk> <started> <finished>`
(monotonic seconds: the asyncio loop's clock is `time.monotonic`).
"""

from __future__ import annotations

import asyncio
import sys
import time

from flowstate import Engine, FlowRegistry, MemoryDriver, StateCtx, commit, park
from flowstate.sqlite import SqliteSnapshots


async def run(path: str, mode: str, flush_interval: float) -> None:
    snapshots = SqliteSnapshots(path, flush_interval=flush_interval)
    driver = MemoryDriver(history_limit=1000, snapshots=snapshots)
    out = sys.stdout
    async with Engine(driver, FlowRegistry(), durability=mode) as engine:
        n = first = sum(1 for _ in driver.latest_states())
        out.write(f"ready {n}\n")
        out.flush()

        async def report_flushes() -> None:
            while True:
                if await snapshots.wait_flush_attempt() is None:
                    started, finished = snapshots.last_flush
                    # one batch per commit: ticket t is the t-th commit of this run
                    done = first + snapshots.durable_ticket - 1
                    out.write(f"F {done} {started:.6f} {finished:.6f}\n")
                    out.flush()

        reporter = asyncio.ensure_future(report_flushes())  # lives until the kill
        while True:
            await engine.do(commit(park(StateCtx.new(f"n{n}", labels={"crash": "test"}))))
            out.write(f"{n} {time.monotonic():.6f}\n")
            out.flush()
            n += 1
            if mode != "strict" and n % 8 == 0:
                await asyncio.sleep(0)  # let the writer run, as a busy server would
        reporter.cancel()


if __name__ == "__main__":
    asyncio.run(run(sys.argv[1], sys.argv[2], float(sys.argv[3])))
