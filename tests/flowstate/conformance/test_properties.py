"""Property: any sequence of commits, some from stale ctxs, leaves the store exactly as a
simple model says: successful commits append versions with increasing revs, failed ones
change nothing and name exactly their stale ids, and a watcher sees the same log."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flowstate import Engine, FlowRegistry, RevMismatchError, StateCtx, commit, get_states, park
from flowstate.testing import FakeClock

from .support import DriverFactory, all_states, collect, ctx_view

# Each step commits some of the ids "a", "b", "c"; the value says how many versions behind
# the latest the ctx used for that id is (0 = up to date).
steps_strategy = st.lists(
    st.dictionaries(st.sampled_from("abc"), st.integers(0, 2), min_size=1),
    max_size=15,
)


async def _check_against_model(driver: object, steps: list[dict[str, int]]) -> None:
    versions = {i: [StateCtx.new(i, labels={"p": "1"})] for i in "abc"}
    log: list[tuple[str, str]] = []
    async with Engine(driver, FlowRegistry(), clock=FakeClock()) as engine:  # type: ignore[arg-type]
        async with engine.watch(get_states({"p": "1"})) as watcher:
            for step, picks in enumerate(steps):
                ctxs = []
                for state_id, back in sorted(picks.items()):
                    history = versions[state_id]
                    ctx = history[max(0, len(history) - 1 - back)].copy()
                    ctx.current.annotations["step"] = str(step)
                    ctxs.append(ctx)
                stale = {
                    c.current.id
                    for c in ctxs
                    if c.committed.rev != versions[c.current.id][-1].committed.rev
                }
                before = [ctx_view(c) for c in ctxs]
                try:
                    await engine.do(commit(*(park(c) for c in ctxs)))
                except RevMismatchError as err:
                    assert set(err.ids) == stale
                    assert [ctx_view(c) for c in ctxs] == before
                    continue
                assert not stale
                for c in ctxs:
                    versions[c.current.id].append(c.copy())
                    log.append((c.current.id, str(step)))

            stored = await all_states(engine)
            assert [(s.id, s.annotations["step"]) for s in stored] == log
            revs = [s.rev for s in stored]
            assert revs == sorted(set(revs))
            watched = await collect(watcher, len(log)) if log else []
            assert [(s.id, s.rev) for s in watched] == [(s.id, s.rev) for s in stored]


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(steps=steps_strategy)
def test_commits_match_model(driver_factory: DriverFactory, steps: list[dict[str, int]]) -> None:
    """Stale commits fail whole and name their stale ids; the log and watchers agree."""
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(_check_against_model(driver_factory(Path(tmp), None), steps))


LABEL_SETS = [{"k": "v"}, {"k": "w"}, {"j": "x"}, {"k": "v", "j": "x"}, {}]
QUERIES: list[tuple[str, object]] = [
    ("k=v", {"k": "v"}),
    ("k=v or j=x", [{"k": "v"}, {"j": "x"}]),
    ("k=v and j=x", {"k": "v", "j": "x"}),
    ("everything", None),
]


def _matches(query: object, labels: dict[str, str]) -> bool:
    if query is None:
        return True
    ors = query if isinstance(query, list) else [query]
    return any(all(labels.get(k) == v for k, v in q.items()) for q in ors)


watch_ops = st.lists(
    st.one_of(
        st.tuples(st.just("commit"), st.integers(0, len(LABEL_SETS) - 1)),
        st.tuples(st.just("read"), st.integers(1, 4)),
    ),
    max_size=40,
)


async def _check_watcher(
    driver: object, query_index: int, prefix: int, buffer: int, ops: list[tuple[str, int]]
) -> None:
    name, query = QUERIES[query_index]
    committed: list[tuple[str, int, dict[str, str]]] = []
    async with Engine(driver, FlowRegistry(), clock=FakeClock()) as engine:  # type: ignore[arg-type]

        async def commit_one(labels: dict[str, str]) -> None:
            ctx = StateCtx.new(f"s{len(committed)}", labels=labels)
            await engine.do(commit(park(ctx)))
            committed.append((ctx.current.id, ctx.committed.rev, dict(labels)))

        for i in range(prefix):
            await commit_one(LABEL_SETS[i % len(LABEL_SETS)])
        since_rev = committed[-1][1] if committed else 0

        def expected() -> list[tuple[str, int]]:
            return [(i, r) for i, r, lab in committed if r > since_rev and _matches(query, lab)]

        delivered: list[tuple[str, int]] = []
        cmd = get_states(query, since_rev=since_rev)  # type: ignore[arg-type]
        async with engine.watch(cmd, buffer=buffer) as watcher:
            for op, arg in ops:
                if op == "commit":
                    await commit_one(LABEL_SETS[arg])
                    continue
                ready = len(expected()) - len(delivered)
                for s in await collect(watcher, min(arg, ready)) if ready else []:
                    delivered.append((s.id, s.rev))
            rest = len(expected()) - len(delivered)
            for s in await collect(watcher, rest) if rest else []:
                delivered.append((s.id, s.rev))
        assert delivered == expected(), f"watching {name} since rev {since_rev}"


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    query_index=st.integers(0, len(QUERIES) - 1),
    prefix=st.integers(0, 6),
    buffer=st.integers(1, 4),
    ops=watch_ops,
)
def test_watcher_matches_model(
    driver_factory: DriverFactory,
    query_index: int,
    prefix: int,
    buffer: int,
    ops: list[tuple[str, int]],
) -> None:
    """A watcher yields exactly the matching versions after its start, in order, once."""
    # Whatever the interleaving of commits and reads, and however small its buffer.
    with tempfile.TemporaryDirectory() as tmp:
        driver = driver_factory(Path(tmp), None)
        asyncio.run(_check_watcher(driver, query_index, prefix, buffer, ops))
