"""Property: whatever sequence of commits, data, delays and trims the driver sees, a driver
reopened on the file holds the same latest states, retained history, data, delays and
counters as the one that wrote it, and the file holds no other state versions."""

from __future__ import annotations

import asyncio
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from flowstate import CommitRequest, MemoryDriver, State, Transition, get_states
from flowstate.snapshots import CommitBatch, DelayedEntry
from flowstate.sqlite import SqliteSnapshots


@dataclass(frozen=True)
class Commit:
    ids: tuple[str, ...]  # states committed together (distinct)
    data: bool  # store a data version with them, referenced by the first state
    delay_at: float | None  # add a delay for the first state


@dataclass(frozen=True)
class Fire:
    now: float  # pop every delay due at `now`


@dataclass(frozen=True)
class Flush:
    pass


ids = st.sampled_from(["a", "b", "c", "d", "e"])
ops = st.one_of(
    st.builds(
        Commit,
        st.lists(ids, min_size=1, max_size=3, unique=True).map(tuple),
        st.booleans(),
        st.none() | st.floats(0, 100),
    ),
    st.builds(Fire, st.floats(0, 100)),
    st.just(Flush()),
)


async def apply(driver: MemoryDriver, op: Commit | Fire, clock: float) -> None:
    if isinstance(op, Fire):
        # each due delay is claimed, then removed by the (here empty) commit that fires it
        for entry in await driver.claim_due_delays(op.now, {}):
            await driver.commit(CommitRequest([], [], [], [], [], [], clock, entry.seq))
        return
    batch = CommitBatch()
    rev = driver.head_rev
    for n, id in enumerate(op.ids):
        rev += 1
        annotations = {"step": str(rev)}
        if op.data and n == 0:
            data_rev = driver.data_rev + 1
            batch.datas.append((data_rev, b"blob %d" % data_rev, {"rev": str(data_rev)}))
            annotations["flowstate.data.x"] = str(data_rev)
        state = State(id, rev, {"k": id}, annotations, clock, Transition("f" if n else ""))
        batch.states.append(state.frozen())
    if op.delay_at is not None:
        entry = DelayedEntry(driver.delay_seq + 1, op.delay_at, batch.states[0], commit=True)
        batch.delays_added.append(entry)
    driver.apply(batch)


def snapshot(driver: MemoryDriver) -> dict[str, object]:
    history = driver.query(get_states(since_rev=driver.oldest_rev - 1, limit=10**6)).states
    referenced = sorted(
        int(v)
        for s in [*driver.latest_states(), *history]
        for k, v in s.annotations.items()
        if k.startswith("flowstate.data.")
    )
    return {
        "latest": sorted(driver.latest_states(), key=lambda s: s.id),
        "oldest": driver.oldest_rev,
        "history": history,
        "datas": {rev: driver.get_data(rev) for rev in referenced},
        "all_datas": [r for r in range(1, driver.data_rev + 1) if driver.get_data(r) is not None],
        "delays": sorted(driver.pending_delay_entries(), key=lambda e: e.seq),
        "counters": (driver.head_rev, driver.data_rev, driver.delay_seq),
    }


async def run(path: Path, history_limit: int | None, script: list[Commit | Fire | Flush]) -> None:
    snapshots = SqliteSnapshots(path, flush_interval=3600)
    driver = MemoryDriver(history_limit=history_limit, snapshots=snapshots)
    await driver.open()
    for clock, op in enumerate(script):
        if isinstance(op, Flush):
            await snapshots.flush()
        else:
            await apply(driver, op, float(clock))
    before = snapshot(driver)
    await driver.close()
    with sqlite3.connect(path) as conn:
        rows = {rev for (rev,) in conn.execute("SELECT rev FROM states")}
        data_rows = {rev for (rev,) in conn.execute("SELECT rev FROM datas")}
    conn.close()
    assert data_rows == set(before["all_datas"]), "data dropped from memory is gone too"  # type: ignore[call-overload]
    kept = {s.rev for s in before["latest"]} | {s.rev for s in before["history"]}  # type: ignore[attr-defined]
    assert rows == kept, "compaction keeps exactly the latest versions and the retained history"
    reopened = MemoryDriver(history_limit=history_limit, snapshots=SqliteSnapshots(path))
    await reopened.open()
    try:
        assert snapshot(reopened) == before
    finally:
        await reopened.close()


@settings(max_examples=40, deadline=None)
@given(history_limit=st.none() | st.integers(1, 6), script=st.lists(ops, max_size=25))
def test_a_reopened_driver_equals_the_one_that_wrote(
    history_limit: int | None, script: list[Commit | Fire | Flush]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run(Path(tmp) / "model.sqlite3", history_limit, script))
