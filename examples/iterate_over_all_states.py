"""Iterate over all states: page through the whole log with get_states, resuming each page
after the last rev seen (`since_rev`) while the result says there is `more`.

Run with `python -m examples.iterate_over_all_states`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from flowstate import Engine, FlowRegistry, MemoryDriver, State, StateCtx, commit, get_states, park


async def all_states(engine: Engine, page_size: int) -> AsyncIterator[list[State]]:
    """Yield the log page by page, ascending by rev, up to the head at the time of reading."""
    since_rev = 0
    while True:
        page = get_states(since_rev=since_rev, limit=page_size)
        await engine.do(page)
        result = page.result
        assert result is not None  # set by engine.do
        if result.states:
            yield list(result.states)
            since_rev = result.states[-1].rev
        if not result.more:
            return


async def main() -> list[list[str]]:
    async with Engine(MemoryDriver(), FlowRegistry()) as engine:
        for i in range(10):
            await engine.do(commit(park(StateCtx.new(f"anID{i}"))))

        pages = []
        async for states in all_states(engine, page_size=4):
            pages.append([s.id for s in states])
            print(f"page {len(pages)}: {pages[-1]}")
        # Everything up to the head has been seen; to keep following new commits, watch
        # from the last rev instead: engine.watch(get_states(since_rev=...)).
        return pages


if __name__ == "__main__":
    asyncio.run(main())
