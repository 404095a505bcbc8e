"""A commit is all or nothing: one stale state fails the whole commit and changes nothing."""

from __future__ import annotations

import pytest

from flowstate import (
    Command,
    Data,
    Engine,
    FlowRegistry,
    RevMismatchError,
    StateCtx,
    commit,
    delay,
    park,
    stack,
    store_data,
    transit,
    unstack,
)
from flowstate.testing import FakeClock

from .support import all_states, ctx_view, view


async def _three_committed(engine: Engine) -> tuple[StateCtx, StateCtx, StateCtx]:
    a, b, c = StateCtx.new("aTID"), StateCtx.new("bTID"), StateCtx.new("cTID")
    await engine.do(commit(park(a), park(b), park(c)))
    return a, b, c


async def _update_behind_the_back(engine: Engine, ctx: StateCtx) -> None:
    other = ctx.copy()
    other.current.annotations["by"] = "someone else"
    await engine.do(commit(park(other)))


async def test_stale_rev_fails_whole_commit(
    engine: Engine, registry: FlowRegistry, clock: FakeClock
) -> None:
    """With one stale state of three: no state, no data, no delay; ctxs as they were."""
    ran: list[str] = []

    async def later(ctx: StateCtx, engine: Engine) -> Command:
        ran.append(ctx.current.id)
        return park(ctx)

    registry.set_flow("later", later)
    registry.set_flow("next", later)

    a, b, c = await _three_committed(engine)
    await _update_behind_the_back(engine, b)

    a.current.annotations["step"] = "2"
    a.datas["blob"] = Data(blob=b"payload")
    before_store = [view(s) for s in await all_states(engine)]
    before_ctx = [ctx_view(x) for x in (a, b, c)]
    before_delays = engine.delayer_stats()

    with pytest.raises(RevMismatchError) as caught:
        await engine.do(
            commit(
                store_data(a, "blob"),
                park(a),
                transit(b, "next"),
                delay(c, "later", 60),
            )
        )

    assert caught.value.ids == ("bTID",)
    assert "bTID" in str(caught.value)
    assert [view(s) for s in await all_states(engine)] == before_store
    assert [ctx_view(x) for x in (a, b, c)] == before_ctx
    assert a.datas["blob"].rev == 0
    assert "flowstate.data.blob" not in a.current.annotations
    after_delays = engine.delayer_stats()
    assert (after_delays.added, after_delays.pending) == (
        before_delays.added,
        before_delays.pending,
    )

    await clock.advance(120)
    assert ran == []


async def test_rev_mismatch_lists_every_conflicting_id(engine: Engine) -> None:
    """RevMismatchError carries every stale id of the commit, and only those."""
    a, b, c = await _three_committed(engine)
    await _update_behind_the_back(engine, a)
    await _update_behind_the_back(engine, c)

    with pytest.raises(RevMismatchError) as caught:
        await engine.do(commit(park(a), park(b), park(c)))

    assert sorted(caught.value.ids) == ["aTID", "cTID"]


async def test_new_state_that_exists_is_a_conflict(engine: Engine) -> None:
    """Committing rev 0 for an id that already exists is a rev mismatch on that id."""
    await engine.do(commit(park(StateCtx.new("aTID"))))

    fresh = StateCtx.new("aTID")
    with pytest.raises(RevMismatchError) as caught:
        await engine.do(commit(park(fresh), park(StateCtx.new("bTID"))))

    assert caught.value.ids == ("aTID",)
    assert [s.id for s in await all_states(engine)] == ["aTID"]
    assert fresh.committed.rev == 0


async def test_successful_commit_updates_every_ctx(engine: Engine, clock: FakeClock) -> None:
    """A commit gives each of its states a new, distinct, increasing rev and the clock's time."""
    a, b, c = await _three_committed(engine)
    revs = [x.committed.rev for x in (a, b, c)]
    assert len(set(revs)) == 3 and min(revs) > 0
    assert all(x.current.rev == x.committed.rev for x in (a, b, c))
    assert all(x.committed.committed_at == clock.now() for x in (a, b, c))
    assert all(x.transitions == [] for x in (a, b, c))

    await engine.do(commit(park(a), park(b)))
    assert a.committed.rev > max(revs) and b.committed.rev > max(revs)


async def test_failed_commit_rolls_back_stack_and_unstack(engine: Engine) -> None:
    """Stack and unstack inside a failed commit leave carrier and target ctxs as they were."""
    inner = StateCtx.new("innerTID")
    await engine.do(commit(park(inner)))
    carrier = StateCtx.new("carrierTID")
    await engine.do(commit(stack(carrier, inner, "stacked"), park(carrier)))
    stale = StateCtx.new("staleTID")
    await engine.do(commit(park(stale)))
    await _update_behind_the_back(engine, stale)

    target, fresh = StateCtx(), StateCtx.new("freshTID")
    ctxs = (carrier, target, stale, fresh)
    before_ctx = [ctx_view(x) for x in ctxs]
    before_store = [view(s) for s in await all_states(engine)]

    with pytest.raises(RevMismatchError) as caught:
        await engine.do(
            commit(
                unstack(carrier, target, "stacked"),
                park(target),
                stack(fresh, stale, "caller"),
                park(carrier),
                park(fresh),
                park(stale),
            )
        )

    assert caught.value.ids == ("staleTID",)
    assert [ctx_view(x) for x in ctxs] == before_ctx
    assert [view(s) for s in await all_states(engine)] == before_store
