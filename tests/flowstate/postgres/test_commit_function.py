"""`flowstate_commit` as rewritten by migration step 2 against the function step 1 shipped:
the same random batches of commits (rev checks that pass and fail, data, delays that follow
a written state or not, fired delays still claimed or not) give the same result rows and
leave every table the same. Both run on the session's private PostgreSQL, each in a schema
of its own, called directly with the driver's call (`commit_call`'s SQL)."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import orjson
import pytest

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
                   rng.choice(["tick", "flag"]), state_id, latest.get(state_id, 0),
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
        if delays and rng.random() < 0.5:  # claim some delays, as the timer would
            claim = rng.sample(delays, k=rng.randint(1, len(delays)))
            for conn in pair:
                await conn.execute(
                    "UPDATE flowstate_delays SET claimed_by = 'me' WHERE seq = ANY ($1)", claim)
        args = random_call(rng, latest, delays, 1000.0 + step, data_rev)
        results = [dict(await conn.fetchrow(COMMIT_SQL, *args)) for conn in pair]
        assert results[1] == results[0], f"step {step}"
        failures += bool(results[0]["r_conflict_commits"] or results[0]["r_gone"])
        assert await dump(new) == await dump(old), f"step {step}"
    assert failures > 5  # the failure paths ran too
    tables = await dump(old)
    assert tables["flowstate_datas"] and tables["flowstate_delays"] and tables["flowstate_states"]
