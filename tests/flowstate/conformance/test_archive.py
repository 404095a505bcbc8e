"""Archived states (`mark_archived`) are stored and read like any other, on every driver: by
id, by `latest_only` queries, rev-checked, across a restart, and a later commit without the
mark makes them ordinary again. (Whether a driver keeps them in memory is its own business:
the memory driver's eviction is tested in tests/flowstate/sqlite/test_archive.py.)"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from flowstate import (
    Engine,
    FlowRegistry,
    RevMismatchError,
    StateCtx,
    archived,
    commit,
    get_state_by_id,
    get_states,
    mark_archived,
    park,
)
from flowstate.testing import FakeClock


async def _archive_one(engine: Engine, id: str) -> StateCtx:
    ctx = StateCtx.new(id, labels={"kind": "game", "phase": "playing"})
    await engine.do(commit(park(ctx)))
    ctx.current.labels = {"kind": "game", "phase": "finished"}
    ctx.current.annotations = {"result": "B+R"}
    mark_archived(ctx)
    await engine.do(commit(park(ctx)))
    return ctx


async def test_an_archived_state_reads_queries_and_rev_checks_like_any_other(
    driver: Any, reopen_driver: Callable[[Any], Any], registry: FlowRegistry, clock: FakeClock
) -> None:
    async with Engine(driver, registry, clock=clock) as engine:
        game = await _archive_one(engine, "g1")
        await engine.do(commit(park(StateCtx.new("other", labels={"kind": "game"}))))
        rev = game.committed.rev
        assert archived(game.committed)

    async with Engine(reopen_driver(driver), registry, clock=clock) as engine:
        loaded = StateCtx()
        await engine.do(get_state_by_id(loaded, "g1"))
        assert loaded.committed.rev == rev and archived(loaded.committed)
        assert loaded.committed.annotations["result"] == "B+R"
        query = get_states({"kind": "game", "phase": "finished"}, latest_only=True)
        await engine.do(query)
        assert query.result is not None
        assert [(s.id, s.rev) for s in query.result.states] == [("g1", rev)]

        stale = StateCtx.from_state(loaded.committed)
        stale.committed = stale.committed.copy()
        stale.committed.rev = rev - 1
        with pytest.raises(RevMismatchError):
            await engine.do(commit(park(stale)))

        again = StateCtx.from_state(loaded.committed)  # a rematch reopens it: ordinary again
        again.current.labels = {"kind": "game", "phase": "playing"}
        again.current.annotations = {}
        await engine.do(commit(park(again)))
        assert not archived(again.committed) and again.committed.rev > rev
        latest = StateCtx()
        await engine.do(get_state_by_id(latest, "g1"))
        assert latest.committed.rev == again.committed.rev
