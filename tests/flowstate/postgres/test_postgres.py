"""What the PostgreSQL driver promises beyond the conformance suite: revisions exposed in order
under concurrent committers in several processes, watchers pushed across processes and
catching up after a lost connection, each due delay fired once across engines, in-flight
work taken over from a dead engine, and versioned migrations. Against a real private
PostgreSQL (the session's `postgres` fixture), each test in a schema of its own."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from flowstate import (
    Command,
    Data,
    Engine,
    FlowRegistry,
    PostgresDriver,
    RevMismatchError,
    StateCtx,
    commit,
    delay,
    get_states,
    park,
    store_data,
    transit,
)
from flowstate.postgres import PostgresSchemaError
from flowstate.postgres_schema import SCHEMA_VERSION
from flowstate.postgres_server import TemporaryPostgres
from flowstate.testing import FakeClock

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def schema() -> str:
    return "p_" + uuid.uuid4().hex[:12]


@pytest.fixture
async def raw(postgres: TemporaryPostgres, schema: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(postgres.dsn, server_settings={"search_path": schema})
    yield conn
    await conn.close()


async def start_committers(
    url: str, count: int, commits: int, tasks: int
) -> list[asyncio.subprocess.Process]:
    procs = []
    for n in range(count):
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.flowstate.postgres.committer", url, f"p{n}",
            str(commits), str(tasks),
            cwd=ROOT, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        procs.append(proc)
    for proc in procs:
        assert proc.stdout is not None
        async with asyncio.timeout(30):
            assert await proc.stdout.readline() == b"ready\n"
    return procs


async def test_revs_are_exposed_in_order_under_concurrent_committers(
    postgres: TemporaryPostgres, schema: str, raw: asyncpg.Connection
) -> None:
    """3 processes x 16 tasks commit at once. A watcher in a fourth process yields every rev
    exactly once, 1, 2, 3, ... with no gap; a reader polling the table directly never sees a
    rev above the number of rows (no hole: nobody sees rev N+k while rev N could still
    commit)."""
    url = f"{postgres.dsn}?schema={schema}"
    async with Engine(PostgresDriver(postgres.dsn, schema=schema), FlowRegistry()) as engine:
        procs = await start_committers(url, 3, 300, 16)
        seen: list[int] = []
        holes: list[tuple[int, int]] = []

        async def watch() -> None:
            async with engine.watch(get_states({"kind": "ordered"})) as watcher:
                async for state in watcher:
                    seen.append(state.rev)
                    if len(seen) == 900:
                        return

        async def poll() -> None:
            while len(seen) < 900:
                top, rows = await raw.fetchrow("SELECT max(rev), count(*) FROM flowstate_states")
                if top is not None and top != rows:
                    holes.append((top, rows))

        watching = asyncio.ensure_future(watch())
        polling = asyncio.ensure_future(poll())
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write(b"go\n")
        async with asyncio.timeout(60):
            await watching
            await polling
            for proc in procs:
                assert proc.stdout is not None
                assert await proc.stdout.readline() == b"done\n"
                assert await proc.wait() == 0
    assert seen == list(range(1, 901))
    assert holes == []


async def test_watcher_catches_up_after_losing_its_connection(
    postgres: TemporaryPostgres, schema: str, raw: asyncpg.Connection
) -> None:
    """The LISTEN connection is killed server-side; versions committed meanwhile by another
    engine still arrive, in order, once the driver reconnected and read on by rev."""
    writer = Engine(PostgresDriver(postgres.dsn, schema=schema), FlowRegistry())
    reader_driver = PostgresDriver(postgres.dsn, schema=schema)
    async with writer, Engine(reader_driver, FlowRegistry()) as reader:
        async with reader.watch(get_states({"k": "v"})) as watcher:
            await writer.do(commit(park(StateCtx.new("a", labels={"k": "v"}))))
            async with asyncio.timeout(5):
                assert (await anext(watcher)).id == "a"
            await raw.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE query LIKE 'LISTEN%' AND pid <> pg_backend_pid()"
            )
            for name in "bcd":
                await writer.do(commit(park(StateCtx.new(name, labels={"k": "v"}))))
            async with asyncio.timeout(10):
                got = [(await anext(watcher)).id for _ in range(3)]
            assert got == ["b", "c", "d"]
        assert reader_driver.healthy


async def test_each_due_delay_fires_once_across_engines(
    postgres: TemporaryPostgres, schema: str
) -> None:
    """300 delays fall due together under 3 engines: each fires exactly once."""
    fired: list[tuple[str, int]] = []
    clock = FakeClock()

    def registry(n: int) -> FlowRegistry:
        async def ring(ctx: StateCtx, engine: Engine) -> Command:
            fired.append((ctx.current.id, n))
            return commit(park(ctx))

        reg = FlowRegistry()
        reg.set_flow("ring", ring)
        return reg

    engines = [
        Engine(PostgresDriver(postgres.dsn, schema=schema), registry(n), clock=clock)
        for n in range(3)
    ]
    for engine in engines:
        await engine.start()
    try:
        cmds = []
        for i in range(300):
            ctx = StateCtx.new(f"d{i}")
            cmds += [park(ctx), delay(ctx, "ring", 5)]
        await engines[0].do(commit(*cmds))
        await clock.advance(5)
        async with asyncio.timeout(20):
            while len(fired) < 300:
                await clock.advance(0)
    finally:
        for engine in engines:
            await engine.shutdown()
    ids = [i for i, _ in fired]
    assert sorted(ids) == sorted(f"d{i}" for i in range(300)) and len(set(ids)) == 300
    assert sum(engine.delayer_stats().fired for engine in engines) == 300


async def test_dead_engines_in_flight_work_is_taken_over(
    postgres: TemporaryPostgres, schema: str, raw: asyncpg.Connection
) -> None:
    """An engine stops heartbeating with a state in flight; another one takes the state over
    after the lease and runs it; the rev check refuses the late commit of the "dead" one."""
    gate = asyncio.Event()
    ran: list[str] = []

    async def slow(ctx: StateCtx, engine: Engine) -> Command:
        ran.append("first engine")
        await gate.wait()
        return commit(park(ctx, {"by": "first"}))

    async def quick(ctx: StateCtx, engine: Engine) -> Command:
        ran.append("second engine")
        return commit(park(ctx, {"by": "second"}))

    first_reg, second_reg = FlowRegistry(), FlowRegistry()
    first_reg.set_flow("step", slow)
    second_reg.set_flow("step", quick)
    first_driver = PostgresDriver(postgres.dsn, schema=schema, lease=0.5)
    async with Engine(first_driver, first_reg) as first:
        ctx = StateCtx.new("job")
        await first.do(commit(transit(ctx, "step")))
        running = asyncio.ensure_future(first.execute(ctx))
        await asyncio.sleep(0)
        # The first engine "dies": its heartbeats and its timer stop (as if its process was
        # gone), while its flow is still blocked in the middle of the step.
        first_driver._tasks[2].cancel()
        assert first._timer_task is not None
        first._timer_task.cancel()
        second_driver = PostgresDriver(postgres.dsn, schema=schema, lease=0.5)
        async with Engine(second_driver, second_reg) as second:
            async with asyncio.timeout(10):
                async with second.watch(get_states(since_rev=0)) as versions:
                    async for state in versions:
                        if state.id == "job" and state.transition.to == "":
                            break
            gate.set()
            await running  # its park conflicts: it ends quietly
            final = await raw.fetch(
                "SELECT transition_annotations, annotations FROM flowstate_states "
                "WHERE id = 'job' AND transition_to = ''"
            )
            assert len(final) == 1 and final[0]["transition_annotations"] == '{"by": "second"}'
    assert ran == ["first engine", "second engine"]


async def test_migrations_are_versioned(
    postgres: TemporaryPostgres, schema: str, raw: asyncpg.Connection
) -> None:
    """Engines starting together migrate once; a schema from a newer flowstate is refused."""
    drivers = [PostgresDriver(postgres.dsn, schema=schema) for _ in range(3)]
    engines = [Engine(d, FlowRegistry()) for d in drivers]
    await asyncio.gather(*(e.start() for e in engines))
    for engine in engines:
        await engine.shutdown()
    assert await raw.fetchval("SELECT version FROM flowstate_schema") == SCHEMA_VERSION
    await raw.execute("UPDATE flowstate_schema SET version = version + 1")
    with pytest.raises(PostgresSchemaError, match=f"version {SCHEMA_VERSION + 1}"):
        await Engine(PostgresDriver(postgres.dsn, schema=schema), FlowRegistry()).start()


async def test_a_commit_is_one_transaction(
    postgres: TemporaryPostgres, schema: str, raw: asyncpg.Connection
) -> None:
    """Many states, data and delays in one commit land together; a stale one stops all."""
    async with Engine(PostgresDriver(postgres.dsn, schema=schema), FlowRegistry()) as engine:
        a, b = StateCtx.new("a"), StateCtx.new("b")
        await engine.do(commit(park(a)))
        stale = a.copy()
        await engine.do(commit(park(a)))
        b.datas["blob"] = Data(b"x" * 1000)
        before = await raw.fetchval("SELECT count(*) FROM flowstate_states")
        with pytest.raises(RevMismatchError, match="'a'"):
            await engine.do(
                commit(store_data(b, "blob"), park(b), delay(b, "later", 5), park(stale))
            )
        assert await raw.fetchval("SELECT count(*) FROM flowstate_states") == before
        assert await raw.fetchval("SELECT count(*) FROM flowstate_delays") == 0
        assert await raw.fetchval("SELECT count(*) FROM flowstate_datas") == 0


async def test_a_pooled_read_is_one_round_trip(postgres: TemporaryPostgres, schema: str) -> None:
    """A read through the pool runs its statement and nothing else: no session reset (four
    statements asyncpg runs by default when a connection goes back to its pool; the feed
    reads every other engine's versions through the pool, so that was a round trip and the
    server's work per read). A transaction left open is still rolled back on release."""
    driver = PostgresDriver(postgres.dsn, schema=schema, pool_size=1)
    async with Engine(driver, FlowRegistry()) as engine:
        await engine.do(commit(park(StateCtx.new("a"))))
        pool = driver._pool
        assert pool is not None
        seen: list[str] = []
        async with pool.acquire() as conn:  # the pool's only connection
            conn.add_query_logger(lambda record: seen.append(record.query))
            await conn.execute("BEGIN")
        assert await driver.read_state("a") is not None
        async with pool.acquire() as conn:
            assert not conn.is_in_transaction()
        assert "ROLLBACK" in seen
        assert any("flowstate_states" in query for query in seen), seen  # the read, logged
        assert not any("RESET ALL" in query for query in seen), seen
