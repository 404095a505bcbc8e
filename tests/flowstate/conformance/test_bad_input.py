"""Misuse gets an error whose message names the problem, and leaves the store untouched."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from flowstate import (
    Data,
    Engine,
    FlowRegistry,
    FlowstateError,
    StateCtx,
    commit,
    delay,
    execute,
    get_data,
    get_state_by_id,
    get_states,
    park,
    store_data,
    transit,
)

from .support import all_states, view

# A "ValueError-style" error: the engine's own errors or the builtin argument errors.
# AttributeError, KeyError and friends are bugs, not answers.
MISUSE = (ValueError, TypeError, FlowstateError)


@pytest.fixture
async def seeded(engine: Engine) -> AsyncIterator[Engine]:
    """An engine whose store holds a little history; the test must leave it exactly so."""
    ctx = StateCtx.new("seedTID", labels={"kind": "seed"})
    await engine.do(commit(park(ctx)))
    await engine.do(commit(transit(ctx, "somewhere")))
    before = [view(s) for s in await all_states(engine)]
    yield engine
    assert [view(s) for s in await all_states(engine)] == before, "misuse changed the store"


async def _misuse(engine: Engine, build: Callable[[], Awaitable[object]], match: str) -> None:
    with pytest.raises(MISUSE, match=match):
        await build()


async def test_empty_state_id(seeded: Engine) -> None:
    """An empty state id is rejected with a message saying the id is empty."""

    async def new_ctx() -> object:
        return StateCtx.new("")

    async def commit_blank() -> object:
        return await seeded.do(commit(park(StateCtx())))

    async def load_blank() -> object:
        return await seeded.do(get_state_by_id(StateCtx(), ""))

    await _misuse(seeded, new_ctx, r"(?i)(state )?id.*empty|empty.*id")
    await _misuse(seeded, commit_blank, r"(?i)(state )?id.*empty|empty.*id")
    await _misuse(seeded, load_blank, r"(?i)(state )?id.*empty|empty.*id")


async def test_empty_flow_id(seeded: Engine, registry: FlowRegistry) -> None:
    """transit to an empty flow id, or executing a ctx with no flow, names the flow id."""

    async def transit_empty() -> object:
        return await seeded.do(commit(transit(StateCtx.new("aTID"), "")))

    async def execute_nowhere() -> object:
        return await seeded.execute(StateCtx.new("aTID"))

    await _misuse(seeded, transit_empty, r"(?i)flow.*empty|empty.*flow")
    await _misuse(seeded, execute_nowhere, r"(?i)flow|transition|parked")


async def test_nested_commit(seeded: Engine) -> None:
    """A commit inside a commit is rejected and nothing of either is applied."""
    ctx = StateCtx.new("aTID")

    async def nested() -> object:
        return await seeded.do(commit(park(ctx), commit(park(StateCtx.new("bTID")))))

    await _misuse(seeded, nested, r"(?i)commit.*(inside|nested|within).*commit|nested")
    assert ctx.committed.rev == 0


async def test_unknown_command(seeded: Engine) -> None:
    """Something that is not a command, or not allowed inside commit, is named in the error."""
    ctx = StateCtx.new("aTID")

    async def not_a_command() -> object:
        return await seeded.do("park")  # type: ignore[arg-type]

    async def not_a_command_in_commit() -> object:
        return await seeded.do(commit(park(ctx), object()))  # type: ignore[arg-type]

    async def execute_in_commit() -> object:
        return await seeded.do(commit(park(ctx), execute(ctx)))

    async def query_in_commit() -> object:
        return await seeded.do(commit(park(ctx), get_states()))

    await _misuse(seeded, not_a_command, r"(?i)command|str")
    await _misuse(seeded, not_a_command_in_commit, r"(?i)command|object")
    await _misuse(seeded, execute_in_commit, r"(?i)execute.*(not allowed|inside)|commit")
    await _misuse(
        seeded, query_in_commit, r"(?i)(getstates|get_states).*(not allowed|inside)|commit"
    )
    assert ctx.committed.rev == 0


async def test_negative_revs(seeded: Engine) -> None:
    """A negative rev, since_rev or data rev is rejected, naming the argument."""

    async def by_id() -> object:
        return await seeded.do(get_state_by_id(StateCtx(), "seedTID", -1))

    async def since() -> object:
        return await seeded.do(get_states(since_rev=-1))

    async def data_rev() -> object:
        return Data(b"x", rev=-1)

    await _misuse(seeded, by_id, r"(?i)rev")
    await _misuse(seeded, since, r"(?i)since_rev")
    await _misuse(seeded, data_rev, r"(?i)rev")


async def test_negative_committed_rev(seeded: Engine) -> None:
    """A ctx whose committed rev was set negative by hand is misuse, not a rev conflict."""
    ctx = StateCtx.new("aTID")
    ctx.committed.rev = -5
    with pytest.raises((ValueError, TypeError), match=r"(?i)rev.*(-5|negative|>= ?0)"):
        await seeded.do(commit(park(ctx)))


async def test_wrong_types(seeded: Engine) -> None:
    """Arguments of the wrong type are rejected with a message naming what was expected."""
    ctx = StateCtx.new("aTID")

    async def flow_id_int() -> object:
        return await seeded.do(commit(transit(ctx, 42)))  # type: ignore[arg-type]

    async def ctx_str() -> object:
        return await seeded.do(commit(park("aTID")))  # type: ignore[arg-type]

    async def labels_str() -> object:
        return await seeded.do(get_states("kind=seed"))  # type: ignore[arg-type]

    async def label_value_int() -> object:
        return StateCtx.new("aTID", labels={"n": 1})  # type: ignore[dict-item]

    async def blob_str() -> object:
        return Data(blob="text")  # type: ignore[arg-type]

    async def state_id_int() -> object:
        return await seeded.do(get_state_by_id(StateCtx(), 7))  # type: ignore[arg-type]

    async def store_missing_alias() -> object:
        return await seeded.do(commit(store_data(ctx, "nothing"), park(ctx)))

    await _misuse(seeded, flow_id_int, r"(?i)flow id.*(str|int)")
    await _misuse(seeded, ctx_str, r"(?i)StateCtx")
    await _misuse(seeded, labels_str, r"(?i)labels")
    await _misuse(seeded, label_value_int, r"(?i)labels")
    await _misuse(seeded, blob_str, r"(?i)blob.*bytes|bytes.*blob")
    await _misuse(seeded, state_id_int, r"(?i)id.*str")
    await _misuse(seeded, store_missing_alias, r"(?i)nothing|alias")
    assert ctx.committed.rev == 0


async def test_empty_and_duplicate_commands(seeded: Engine) -> None:
    """Empty commits, empty do(), one state twice in a commit and non-queries are rejected."""
    ctx = StateCtx.new("aTID")

    async def empty_commit() -> object:
        return await seeded.do(commit())

    async def empty_do() -> object:
        return await seeded.do()

    async def same_state_twice() -> object:
        return await seeded.do(commit(park(ctx), transit(ctx, "somewhere")))

    async def watch_a_park() -> object:
        return seeded.watch(park(ctx))  # type: ignore[arg-type]

    await _misuse(seeded, empty_commit, r"(?i)commit.*(at least|empty|no command)")
    await _misuse(seeded, empty_do, r"(?i)do.*(at least|empty|no command)")
    await _misuse(seeded, same_state_twice, r"aTID")
    await _misuse(seeded, watch_a_park, r"(?i)get_states|GetStates|query")
    assert ctx.committed.rev == 0
    assert ctx.transitions == []


async def test_bad_query_and_delay_arguments(seeded: Engine) -> None:
    """Bad limits, times and delays, and loading data never referenced, name the argument."""
    ctx = StateCtx.new("aTID")

    async def zero_limit() -> object:
        return get_states(limit=0)

    async def since_time_text() -> object:
        return get_states(since_time="yesterday")  # type: ignore[arg-type]

    async def delay_backwards() -> object:
        return await seeded.do(delay(ctx, "later", -1))

    async def delay_nowhere() -> object:
        return await seeded.do(delay(ctx, "", 5))

    async def data_never_stored() -> object:
        return await seeded.do(get_data(ctx, "nothing"))

    await _misuse(seeded, zero_limit, r"limit")
    await _misuse(seeded, since_time_text, r"since_time")
    await _misuse(seeded, delay_backwards, r"seconds")
    await _misuse(seeded, delay_nowhere, r"(?i)flow.*empty|empty.*flow")
    await _misuse(seeded, data_never_stored, r"nothing")
    assert seeded.delayer_stats().added == 0
