"""`flowstate_commit` as rewritten by migration step 2 against the function step 1 shipped:
the same random batches of commits (rev checks that pass and fail, data, delays that follow
a written state or not, fired delays still claimed or not) give the same result rows and
leave every table the same. Both run on the session's private PostgreSQL, each in a schema
of its own, called directly with the driver's call (`commit_call`'s SQL). Also: step 2's
lookups go through the indexes, and a schema at step 1 upgrades in place."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import orjson
import pytest

from flowstate import (
    Engine,
    FlowRegistry,
    PostgresDriver,
    RevMismatchError,
    StateCtx,
    commit,
    get_state_by_id,
    park,
)
from flowstate.postgres_batch import COMMIT_SQL
from flowstate.postgres_schema import MIGRATIONS
from flowstate.postgres_server import TemporaryPostgres

IDS = ["a", "b", "c", "d", "e", "f"]
TABLES = {
    "flowstate_head": "one",
    "flowstate_states": "rev",
    "flowstate_latest": "id",
    "flowstate_datas": "rev",
    "flowstate_delays": "seq",
}


async def make_schema(dsn: str, steps: int) -> asyncpg.Connection:
    name = "c_" + uuid.uuid4().hex[:12]
    conn = await asyncpg.connect(dsn)
    await conn.execute(f"CREATE SCHEMA {name}; SET search_path = {name}")
    for step in MIGRATIONS[:steps]:
        for sql in step:
            await conn.execute(sql)
    return conn


@pytest.fixture
async def pair(postgres: TemporaryPostgres) -> AsyncIterator[list[asyncpg.Connection]]:
    """A schema at version 1 (the shipped function) and one at the current version."""
    conns = [await make_schema(postgres.dsn, 1), await make_schema(postgres.dsn, len(MIGRATIONS))]
    yield conns
    for conn in conns:
        await conn.close()


def js(value: Any) -> str:
    return orjson.dumps(value).decode()


def random_call(rng: random.Random, latest: dict[str, int], delays: list[int], now: float,
                data_rev: list[int]) -> tuple[Any, ...]:
    """The arguments of one call: a batch of 1-5 independent commits (no id in two)."""
    free = list(IDS)
    rng.shuffle(free)
    consumable = [*delays, 10_000 + rng.randrange(5)]  # and one that does not exist
    rng.shuffle(consumable)
    s: list[list[Any]] = [[] for _ in range(8)]
    d: list[list[Any]] = [[] for _ in range(4)]
    ls: list[list[Any]] = [[] for _ in range(11)]
    c: list[list[Any]] = [[], []]
    for n in range(rng.randint(1, 5)):
        base = len(s[0])
        mine = [free.pop() for _ in range(min(len(free), rng.randint(0, 2)))]
        for state_id in mine:
            expected = latest.get(state_id, 0)
            if rng.random() < 0.15:
                expected += rng.choice([-1, 1, 7])
            row = [n, state_id, expected, js({"kind": rng.choice("xy"), "id": state_id}),
                   js({"n": str(rng.randrange(100))}), rng.choice(["", "next"]),
                   js({"by": str(n)}), rng.random() < 0.3]
            for column, value in zip(s, row, strict=True):
                column.append(value)
        if rng.random() < 0.3:
            data_rev[0] += 1
            for column, value in zip(d, [n, data_rev[0], b"blob%d" % data_rev[0],
                                         js({"size": "5"})], strict=True):
                column.append(value)
        for _ in range(rng.randint(0, 2)):
            # as the driver batches: a delay's state is the commit's own (one it writes,
            # or another that no other commit of the batch touches)
            if mine and rng.random() < 0.7:
                pick = rng.randrange(len(mine))
                follows, state_id = base + pick + 1, mine[pick]
            elif free:
                follows, state_id = 0, free.pop()
            else:
                continue
            row = [n, follows, now + rng.randrange(1, 60), rng.random() < 0.7,
                   rng.choice(["tick", "flag"]), state_id,
                   latest.get(state_id, 0) - rng.choice([0, 0, 1]),  # its latest, or not
                   js({"kind": "timer"}), js({"t": str(n)}), now - 1.0, js({})]
            for column, value in zip(ls, row, strict=True):
                column.append(value)
        if consumable and rng.random() < 0.3:
            c[0].append(n)
            c[1].append(consumable.pop())
    return (now, "me", "chan", *s, *d, *ls, *c)


async def dump(conn: asyncpg.Connection) -> dict[str, list[tuple[Any, ...]]]:
    return {
        table: [tuple(row) for row in await conn.fetch(f"SELECT * FROM {table} ORDER BY {key}")]
        for table, key in TABLES.items()
    }


@pytest.mark.parametrize("seed", range(6))
async def test_the_rewritten_commit_function_does_what_the_shipped_one_did(
    pair: list[asyncpg.Connection], seed: int
) -> None:
    rng = random.Random(seed)
    old, new = pair
    data_rev = [0]
    failures = 0
    for step in range(60):
        latest = {row["id"]: row["rev"] for row in await old.fetch(
            "SELECT id, rev FROM flowstate_latest")}
        delays = [row["seq"] for row in await old.fetch("SELECT seq FROM flowstate_delays")]
        if delays and rng.random() < 0.5:  # claim some delays, as timers would
            claim = rng.sample(delays, k=rng.randint(1, len(delays)))
            owner = rng.choice(["me", "me", "another engine"])
            for conn in pair:
                await conn.execute(
                    "UPDATE flowstate_delays SET claimed_by = $2 WHERE seq = ANY ($1)",
                    claim, owner)
        args = random_call(rng, latest, delays, 1000.0 + step, data_rev)
        results = [dict(await conn.fetchrow(COMMIT_SQL, *args)) for conn in pair]
        assert results[1] == results[0], f"step {step}"
        failures += bool(results[0]["r_conflict_commits"] or results[0]["r_gone"])
        assert await dump(new) == await dump(old), f"step {step}"
    assert failures > 5  # the failure paths ran too
    tables = await dump(old)
    assert tables["flowstate_datas"] and tables["flowstate_delays"] and tables["flowstate_states"]


async def test_a_commit_looks_rows_up_through_the_indexes(postgres: TemporaryPostgres) -> None:
    """With hundreds of states and delays (analyzed), commits of every kind (rev checks,
    a delay that follows a state and one that waits on a latest version, a fired delay, a
    failed commit) scan no table whole: the function's plans are generic, so a lookup must
    not depend on the planner guessing a call's size (a hash join over a whole table would
    cost every commit a scan of it)."""
    conn = await make_schema(postgres.dsn, len(MIGRATIONS))
    try:
        schema = await conn.fetchval("SELECT current_schema()")
        await conn.execute("""
            INSERT INTO flowstate_latest SELECT 'x' || i, i, 'me', true
              FROM generate_series(1, 300) AS i;
            INSERT INTO flowstate_delays
            SELECT i, 2000 + i, true, 'flag', 'x' || i, i, '{}', '{}', 1000, '{}', 'me', NULL
              FROM generate_series(1, 300) AS i;
            SELECT setval('flowstate_delay_seq', 300);
            UPDATE flowstate_head SET rev = 300, pending = 300;
            ANALYZE""")

        async def scans() -> dict[str, int]:
            await conn.execute("SELECT pg_stat_force_next_flush()")
            rows = await conn.fetch(
                "SELECT relname, seq_scan FROM pg_stat_user_tables WHERE schemaname = $1 "
                "AND relname <> 'flowstate_head'", schema)
            return {row["relname"]: row["seq_scan"] for row in rows}

        await scans()  # once to flush what came before
        before = await scans()
        latest = {"a": 0, "b": 0}
        for n in range(20):
            fire = 1 + n  # a delay claimed by this engine, fired by this commit
            stale = n % 4 == 3  # and now and then a commit that fails its rev check
            # commit 0 writes a and b, stores a data, adds a delay that follows a and one
            # that waits on x<100+n>'s latest version, fires a delay; commit 1 writes y<n>
            states = [[0, 0, 1], ["a", "b", f"y{n}"],
                      [latest["a"], latest["b"], 7 if stale else 0],
                      ['{"kind": "game"}'] * 3, ["{}"] * 3, [""] * 3, ["{}"] * 3, [False] * 3]
            datas = [[0], [n + 1], [b"blob"], ["{}"]]
            delays = [[0, 0], [1, 0], [3000.0 + n, 3000.0], [True, True], ["flag", "flag"],
                      ["a", f"x{100 + n}"], [0, 100 + n], ["{}"] * 2, ["{}"] * 2,
                      [1000.0, 1000.0], ["{}"] * 2]
            args = (1000.0 + n, "me", "chan", *states, *datas, *delays, [0], [fire])
            result = await conn.fetchrow(COMMIT_SQL, *args)
            assert list(result["r_conflict_commits"]) == ([1] if stale else [])
            assert list(result["r_gone"]) == []
            latest = {"a": result["r_first_rev"], "b": result["r_first_rev"] + 1}
        after = await scans()
        assert after == before, {table: after[table] - before.get(table, 0) for table in after}
        waiting = await conn.fetchval(
            "SELECT count(*) FROM flowstate_latest WHERE id LIKE 'x1__' AND NOT in_flight")
        assert waiting == 20
    finally:
        await conn.close()


async def test_a_schema_at_step_1_upgrades_in_place_and_goes_on(
    postgres: TemporaryPostgres,
) -> None:
    """A database that went through step 1 only (with states, a pending delay) is migrated
    by the next engine that opens it: its states read back, a stale commit on one of them is
    refused, a fresh one commits and prunes the delay that followed the old version."""
    conn = await make_schema(postgres.dsn, 1)
    try:
        schema = await conn.fetchval("SELECT current_schema()")
        await conn.execute("CREATE TABLE flowstate_schema (version integer NOT NULL);"
                           "INSERT INTO flowstate_schema VALUES (1)")
        args = (1000.0, "old engine", "chan", [0], ["a"], [0], [js({"k": "v"})],
                [js({"n": "1"})], [""], ["{}"], [False], [], [], [], [],
                [0], [1], [2000.0], [True], ["flag"], ["a"], [0], ["{}"], ["{}"], [0.0],
                ["{}"], [], [])
        await conn.fetchrow(COMMIT_SQL, *args)
        driver = PostgresDriver(postgres.dsn, schema=schema)
        async with Engine(driver, FlowRegistry()) as engine:
            assert await conn.fetchval("SELECT version FROM flowstate_schema") == len(MIGRATIONS)
            a = StateCtx.new("a")
            await engine.do(get_state_by_id(a, "a"))
            assert (a.committed.rev, a.committed.annotations) == (1, {"n": "1"})
            stale = StateCtx.new("a")  # as if it were new: expects no version yet
            with pytest.raises(RevMismatchError):
                await engine.do(commit(park(stale)))
            a.current.annotations = {"n": "2"}
            await engine.do(commit(park(a)))
            assert a.committed.rev == 2
            # the new commit superseded the step-1 delay that followed version 1
            assert await conn.fetchval("SELECT count(*) FROM flowstate_delays") == 0
    finally:
        await conn.close()
