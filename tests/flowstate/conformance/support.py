"""Helpers shared by the conformance tests: the visit tracker and plain views of states."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from flowstate import Engine, State, StateCtx, get_states

# A driver factory gets the test's tmp_path and the previous engine's driver (or None).
DriverFactory = Callable[[Path, Any], Any]

# Only a guard against a hung test: every wait below is woken by the engine, never polled.
GUARD_SECONDS = 1.0


class Tracker:
    """Records, in order, the flow each visit ran (`transition.to`), like the Go tracker.

    `include_id` appends `:<state id>`; `include_state` appends `:resumed` / `:paused` when
    the state's `state` annotation says so.
    """

    def __init__(self, *, include_id: bool = False, include_state: bool = False) -> None:
        self.include_id = include_id
        self.include_state = include_state
        self._visited: list[str] = []
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []

    def track(self, visited: StateCtx | State) -> None:
        state = visited.current if isinstance(visited, StateCtx) else visited
        entry = state.transition.to
        if self.include_state and state.annotation("state") in ("resumed", "paused"):
            entry += ":" + state.annotation("state")
        if self.include_id:
            entry += ":" + state.id
        self._visited.append(entry)
        for count, future in self._waiters:
            if len(self._visited) >= count and not future.done():
                future.set_result(None)

    def clear(self) -> None:
        self._visited.clear()

    @property
    def visited(self) -> list[str]:
        return list(self._visited)

    def visited_sorted(self) -> list[str]:
        return sorted(self._visited)

    async def wait_visited(self, count: int) -> list[str]:
        """Return the visits once there are at least `count` of them."""
        if len(self._visited) < count:
            future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters.append((count, future))
            try:
                async with asyncio.timeout(GUARD_SECONDS):
                    await future
            finally:
                self._waiters.remove((count, future))
        return self.visited


def without_system_states(states: list[State]) -> list[State]:
    """Drop the engine's own bookkeeping states (ids starting with `flowstate.`), if any."""
    return [s for s in states if not s.id.startswith("flowstate.")]


async def all_states(engine: Engine) -> list[State]:
    """Every stored version, ascending by rev, read page by page."""
    states: list[State] = []
    since_rev = 0
    while True:
        cmd = get_states(since_rev=since_rev, limit=50)
        await engine.do(cmd)
        states.extend(cmd.result.states)
        if not cmd.result.states or not cmd.result.more:
            return states
        since_rev = cmd.result.states[-1].rev


def view(state: State) -> tuple[object, ...]:
    """A plain, comparable picture of a state version (maps as dicts)."""
    return (
        state.id,
        state.rev,
        dict(state.labels),
        dict(state.annotations),
        state.committed_at,
        state.transition.to,
        dict(state.transition.annotations),
    )


def ctx_view(ctx: StateCtx) -> tuple[object, ...]:
    """A plain, comparable picture of a whole ctx: current, committed, transitions, datas."""
    return (
        view(ctx.current),
        view(ctx.committed),
        [(t.to, dict(t.annotations)) for t in ctx.transitions],
        {alias: (d.rev, bytes(d.blob), dict(d.annotations)) for alias, d in ctx.datas.items()},
    )


async def collect(watcher: AsyncIterator[State], count: int) -> list[State]:
    """The next `count` states a watcher yields, skipping the engine's own states."""
    states: list[State] = []
    async with asyncio.timeout(GUARD_SECONDS):
        async for state in watcher:
            if state.id.startswith("flowstate."):
                continue
            states.append(state)
            if len(states) >= count:
                break
    return states
