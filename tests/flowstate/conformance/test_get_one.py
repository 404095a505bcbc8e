"""Loading one state into a ctx: GetOneByIDAndRev, GetOneLatestByID, GetOneLatestByLabel and
GetOneNotFound from the Go suite."""

from __future__ import annotations

import pytest

from flowstate import (
    Engine,
    NotFoundError,
    StateCtx,
    commit,
    get_state_by_id,
    get_state_by_labels,
    park,
)

from .support import view


async def _commit_three_versions(engine: Engine, ctx: StateCtx) -> list[StateCtx]:
    """Commit versions v=1, 2, 3 of ctx; return a copy of the ctx after each commit."""
    after: list[StateCtx] = []
    for v in ("1", "2", "3"):
        ctx.current.annotations["v"] = v
        await engine.do(commit(park(ctx)))
        after.append(ctx.copy())
    return after


def _assert_loaded(found: StateCtx, expected: StateCtx) -> None:
    assert view(found.current) == view(expected.current)
    assert view(found.committed) == view(expected.committed)
    assert found.transitions == []


async def test_get_one_by_id_and_rev(engine: Engine) -> None:
    """get_state_by_id with a rev loads exactly that version, current and committed."""
    versions = await _commit_three_versions(engine, StateCtx.new("aTID"))

    found = StateCtx()
    await engine.do(get_state_by_id(found, "aTID", versions[0].committed.rev))

    _assert_loaded(found, versions[0])
    assert found.current.annotations["v"] == "1"


async def test_get_one_latest_by_id(engine: Engine) -> None:
    """get_state_by_id with rev 0 loads the latest version."""
    versions = await _commit_three_versions(engine, StateCtx.new("aTID"))

    found = StateCtx()
    await engine.do(get_state_by_id(found, "aTID", 0))

    _assert_loaded(found, versions[-1])
    assert found.current.annotations["v"] == "3"


async def test_get_one_latest_by_label(engine: Engine) -> None:
    """get_state_by_labels loads the latest version carrying the labels."""
    versions = await _commit_three_versions(engine, StateCtx.new("aTID", labels={"foo": "fooVal"}))

    found = StateCtx()
    await engine.do(get_state_by_labels(found, {"foo": "fooVal"}))

    _assert_loaded(found, versions[-1])
    assert found.current.annotations["v"] == "3"


async def test_get_one_not_found(engine: Engine) -> None:
    """Loading an id that was never committed raises NotFoundError."""
    with pytest.raises(NotFoundError):
        await engine.do(get_state_by_id(StateCtx(), "notExist", 0))


async def test_get_one_not_found_by_rev_and_labels(engine: Engine) -> None:
    """A missing version of an existing id, or labels nothing carries, raise NotFoundError."""
    await engine.do(commit(park(StateCtx.new("aTID", labels={"foo": "fooVal"}))))

    with pytest.raises(NotFoundError):
        await engine.do(get_state_by_id(StateCtx(), "aTID", 1_000_000))
    with pytest.raises(NotFoundError):
        await engine.do(get_state_by_labels(StateCtx(), {"foo": "other"}))
