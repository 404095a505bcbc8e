"""`PostgresDriver`: many engines (processes, machines) on one PostgreSQL database.

    driver = PostgresDriver("postgresql://app@db.internal:5432/app")
    async with Engine(driver, registry) as engine: ...

How it works (the schema and the commit function are in `postgres_schema.py`):

- **Commits.** Each commit is a transaction of one call to `flowstate_commit`, with the rev
  check of every state in SQL. Concurrent commits of one process are batched into one call
  (independent commits: a failed rev check fails only its own commit), so many commits share
  a round trip and a WAL flush. The call takes the commit lock (the `flowstate_head` row)
  first: revs are contiguous and become visible in rev order, so no reader ever sees rev N+1
  while rev N may still commit. An acknowledged commit is durable (PostgreSQL's own
  `synchronous_commit`).
- **Watchers.** Every commit NOTIFYs the schema's channel with the new head rev. Each engine
  LISTENs on a connection of its own and, while it has watchers, reads the new versions by
  rev (`rev > last published`) and publishes them in order, each once; its own commits are
  published at once. After a lost connection it reconnects, LISTENs again and catches up by
  rev, so a missed notification never loses a version.
- **Delays.** Due delays are claimed with `FOR UPDATE SKIP LOCKED` (each by one engine,
  `claimed_by`, for `lease` seconds) and fired by the commit that removes them, which checks
  the claim: a delay fires exactly once across all engines. A commit adding delays NOTIFYs
  their earliest due time, so every engine's timer knows when to wake (no polling).
- **Leases.** Each engine heartbeats its `flowstate_engines` row every `lease / 4` seconds.
  The latest version of every state records the engine that committed it and whether it is
  in flight. An engine whose heartbeat is older than `lease` is dead: another engine deletes
  its row, takes over its in-flight states (and its delay claims) and resumes them through
  committing delays due at once; the rev check keeps a step from committing twice should the
  "dead" engine still be running. An engine that shuts down cleanly releases its work at once.
- **Migrations.** `open()` brings the schema to `SCHEMA_VERSION` under an advisory lock, so
  engines starting together migrate once; a schema newer than the code is refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import asyncpg
import orjson

from flowstate.commands import (
    GetDelayedStatesCommand,
    GetDelayedStatesResult,
    GetStatesCommand,
    GetStatesResult,
)
from flowstate.driver import CommitRequest, DriverEvents
from flowstate.errors import (
    PersistenceError,
    UsageError,
)
from flowstate.postgres_batch import Queued, commit_call, seal_request, settle, take_batch
from flowstate.postgres_schema import MIGRATIONS, SCHEMA_VERSION
from flowstate.snapshots import DelayedEntry
from flowstate.state import State, stored_version

__all__ = ["PostgresDriver", "PostgresError", "PostgresSchemaError"]

log = logging.getLogger("flowstate.postgres")

FETCH_PAGE = 1000  # versions per read of the feed
CLAIM_PAGE = 256  # delays per claim

_STATE_COLUMNS = (
    "rev, id, labels, annotations, committed_at, transition_to, transition_annotations"
)
_DELAY_COLUMNS = (
    "seq, at, do_commit, flow, state_id, state_rev, labels, annotations, committed_at, "
    "transition_annotations"
)


class PostgresError(PersistenceError):
    """The database failed or could not be reached; `detail` is asyncpg's message."""

    def __init__(self, what: str, detail: str) -> None:
        self.what = what
        self.detail = detail
        super().__init__(f"PostgreSQL: {what} failed ({detail})")


class PostgresSchemaError(PersistenceError):
    """The schema was written by a newer flowstate than this one."""

    def __init__(self, schema: str, found: int, supported: int) -> None:
        self.schema = schema
        self.found = found
        self.supported = supported
        super().__init__(
            f"PostgreSQL schema {schema!r} has flowstate schema version {found}, but this "
            f"flowstate supports up to version {supported}: upgrade flowstate to open it"
        )


def _version(row: Any) -> State:
    return stored_version(
        row[1], row[0], row[2], row[3], row[4], row[5], row[6]
    )


def _delay(row: Any) -> DelayedEntry:
    # seq, at, do_commit, flow, state_id, state_rev, labels, annotations, committed_at, tr
    state = stored_version(row[4], row[5], row[6], row[7], row[8], row[3], row[9])
    return DelayedEntry(row[0], row[1], state, row[2])


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


async def _keep_session(conn: asyncpg.Connection) -> None:
    """The pool's reset: nothing. asyncpg's default runs four statements (a round trip and
    the server's work) each time a connection goes back to the pool, to undo session state
    (advisory locks, cursors, LISTENs, settings) that this driver never leaves on a pooled
    connection: its locks and settings are transaction-scoped and it listens on a connection
    of its own. asyncpg still rolls back a transaction left open before calling this."""


def _jsonb_out(value: Any) -> bytes:
    return _JSONB_VERSION + orjson.dumps(value)


def _jsonb_in(data: bytes) -> Any:
    if data[:1] != _JSONB_VERSION:
        raise ValueError(f"jsonb binary format version {data[:1]!r} is not 1")
    return orjson.loads(memoryview(data)[1:])


_JSONB_VERSION = b"\x01"


async def _init_connection(conn: asyncpg.Connection) -> None:
    # jsonb in its binary format (a version byte, then the JSON text): an array of jsonb then
    # goes as a binary array too, which neither side has to quote, escape or parse as text
    await conn.set_type_codec(
        "jsonb", encoder=_jsonb_out, decoder=_jsonb_in, schema="pg_catalog", format="binary"
    )


class PostgresDriver:
    """A `Driver` on a PostgreSQL database shared by any number of engines.

    `dsn`: an asyncpg connection string (`postgresql://user:password@host:port/db`).
    `schema`: where the tables live (created if missing). `lease`: seconds without a
    heartbeat after which an engine counts as dead and its work is taken over (it also
    bounds how long a claimed delay stays claimed). `pool_size`: connections for reads.
    """

    def __init__(
        self,
        dsn: str,
        *,
        schema: str = "flowstate",
        lease: float = 3.0,
        pool_size: int = 4,
    ) -> None:
        if not isinstance(dsn, str) or not dsn:
            raise UsageError(f"dsn must be a PostgreSQL connection string, got {dsn!r}")
        if not isinstance(schema, str) or not schema or len(schema) > 40:
            raise UsageError(f"schema must be a name of 1-40 characters, got {schema!r}")
        if not lease > 0:
            raise UsageError(f"lease must be > 0 seconds, got {lease}")
        if pool_size < 1:
            raise UsageError(f"pool_size must be >= 1, got {pool_size}")
        self.dsn = dsn
        self.schema = schema
        self.lease = float(lease)
        self.pool_size = pool_size
        self.channel = f"flowstate.{schema}"
        self.engine_id = ""
        self._events: DriverEvents | None = None
        self._pool: asyncpg.Pool | None = None
        self._writer: asyncpg.Connection | None = None
        self._listener: asyncpg.Connection | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._queue: list[Queued] = []
        self._queue_kick = asyncio.Event()
        self._feed_kick = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._busy = 0
        self._closing = False
        self._healthy = True
        # the feed: what was published, what is known committed, our commits not yet published
        self._published = 0
        self._target = 0
        self._locals: dict[int, list[State]] = {}
        # delays
        self._next_at: float | None = None
        self._pending = 0
        self.delays_pruned = 0
        # the engine's registered flows (a live view, from its first claim; None: all) and
        # those at their concurrency limit at the last claim: `next_delay_at` is the next
        # delay this engine could start, so a due delay of another process's flow never
        # keeps its timer spinning
        self._flows: Collection[str] | None = None
        self._full: set[str] = set()
        self._runnable: list[str] | None = None
        # due times learnt while a read of the next one is in flight (it may predate them)
        self._refreshing: list[list[float]] = []
        self._check_orphans = asyncio.Event()

    # -- lifecycle -----------------------------------------------------------------------------

    def _connect_kwargs(self) -> dict[str, Any]:
        return {"server_settings": {"search_path": self.schema, "application_name": "flowstate"}}

    async def open(self, events: DriverEvents) -> None:
        if self._pool is not None:
            raise UsageError("this PostgresDriver is already open")
        self._events = events
        self._closing = False
        try:
            await self._migrate()
            self._pool = await asyncpg.create_pool(
                self.dsn, min_size=1, max_size=self.pool_size, init=_init_connection,
                reset=_keep_session, **self._connect_kwargs(),
            )
            self._writer = await self._connect()
            self._listener = await self._listen()
            self.engine_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
            async with self._pool.acquire() as conn:
                await conn.execute(
                    "INSERT INTO flowstate_engines (id, heartbeat_at, started_at, pid, host) "
                    "VALUES ($1, now(), now(), $2, $3)",
                    self.engine_id, os.getpid(), socket.gethostname(),
                )
                head = await conn.fetchrow("SELECT rev, pending FROM flowstate_head")
                self._published = self._target = int(head[0])
                self._pending = int(head[1])
            await self._refresh_next_at()
        except BaseException as exc:
            await self._close_connections()
            if isinstance(exc, (asyncpg.PostgresError, OSError, asyncpg.InterfaceError)):
                raise PostgresError("open", str(exc)) from exc
            raise
        loop = asyncio.get_running_loop()
        self._tasks = [
            loop.create_task(self._write_loop(), name="flowstate-pg-writer"),
            loop.create_task(self._feed_loop(), name="flowstate-pg-feed"),
            loop.create_task(self._lease_loop(), name="flowstate-pg-lease"),
        ]

    async def _connect(self) -> asyncpg.Connection:
        conn: asyncpg.Connection = await asyncpg.connect(self.dsn, **self._connect_kwargs())
        await _init_connection(conn)
        return conn

    async def _listen(self) -> asyncpg.Connection:
        conn = await self._connect()
        await conn.add_listener(self.channel, self._on_notify)
        conn.add_termination_listener(self._on_listener_lost)
        return conn

    async def _migrate(self) -> None:
        conn: asyncpg.Connection = await asyncpg.connect(self.dsn)
        try:
            async with conn.transaction():
                await conn.execute(
                    "SELECT pg_advisory_xact_lock(hashtext($1))", f"flowstate.migrate.{self.schema}"
                )
                await conn.execute(f"CREATE SCHEMA IF NOT EXISTS {_quote(self.schema)}")
                await conn.execute(f"SET LOCAL search_path = {_quote(self.schema)}")
                exists = await conn.fetchval(
                    "SELECT 1 FROM pg_tables WHERE schemaname = $1 "
                    "AND tablename = 'flowstate_schema'",
                    self.schema,
                )
                found = 0
                if exists:
                    found = int(await conn.fetchval("SELECT version FROM flowstate_schema") or 0)
                else:
                    await conn.execute("CREATE TABLE flowstate_schema (version integer NOT NULL)")
                    await conn.execute("INSERT INTO flowstate_schema VALUES (0)")
                if found > SCHEMA_VERSION:
                    raise PostgresSchemaError(self.schema, found, SCHEMA_VERSION)
                for version in range(found, SCHEMA_VERSION):
                    for sql in MIGRATIONS[version]:
                        await conn.execute(sql)
                    await conn.execute("UPDATE flowstate_schema SET version = $1", version + 1)
                if found != SCHEMA_VERSION:
                    log.info(
                        "schema %r migrated from version %d to %d", self.schema, found,
                        SCHEMA_VERSION,
                    )
        finally:
            await conn.close()

    async def close(self) -> None:
        """Write what is queued, release this engine's claims and in-flight work (other
        engines take it over at once) and close the connections."""
        if self._pool is None:
            return
        self._closing = True
        while self._queue:
            await self._write_batch()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        try:
            async with self._pool.acquire() as conn:
                await conn.execute(
                    "UPDATE flowstate_delays SET claimed_by = NULL, claimed_until = NULL "
                    "WHERE claimed_by = $1",
                    self.engine_id,
                )
                await conn.execute("DELETE FROM flowstate_engines WHERE id = $1", self.engine_id)
                await conn.execute("SELECT pg_notify($1, 'left')", self.channel)
        except (asyncpg.PostgresError, OSError, asyncpg.InterfaceError) as exc:
            log.warning("could not release this engine's work at close: %s", exc)
        finally:
            await self._close_connections()
            self._events = None

    async def _close_connections(self) -> None:
        for conn in (self._listener, self._writer):
            if conn is not None and not conn.is_closed():
                with contextlib.suppress(Exception):
                    await conn.close(timeout=5)
        self._listener = self._writer = None
        if self._pool is not None:
            with contextlib.suppress(Exception):
                await self._pool.close()
            self._pool = None

    @property
    def durability(self) -> str:
        return "strict"  # acknowledged once PostgreSQL committed it; nothing to wait for

    @property
    def healthy(self) -> bool:
        return self._healthy

    @property
    def head_rev(self) -> int:
        return self._published

    @property
    def pending_delays(self) -> int:
        return self._pending

    @property
    def busy(self) -> bool:
        return self._busy > 0

    async def settle(self) -> None:
        await self._idle.wait()

    def _enter(self) -> None:
        self._busy += 1
        self._idle.clear()

    def _leave(self) -> None:
        self._busy -= 1
        if self._busy == 0:
            self._idle.set()

    async def _fetch(self, what: str, sql: str, *args: Any) -> list[Any]:
        if self._pool is None:
            raise UsageError("the PostgresDriver is not open")
        self._enter()
        try:
            rows: list[Any] = await self._pool.fetch(sql, *args)
            return rows
        except (asyncpg.PostgresError, OSError, asyncpg.InterfaceError) as exc:
            raise PostgresError(what, str(exc)) from exc
        finally:
            self._leave()

    # -- writes --------------------------------------------------------------------------------

    async def next_data_rev(self, pending: int) -> int:
        rows = await self._fetch("reserving a data rev", "SELECT nextval('flowstate_data_rev')")
        return int(rows[0][0])

    async def commit(self, request: CommitRequest) -> int:
        if self._pool is None or (self._closing and self._writer is None):
            raise UsageError("the PostgresDriver is not open")
        ids = {s.id for s in request.states}
        ids.update(entry.state.id for entry in request.delays)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append(Queued(request, future, ids))
        self._queue_kick.set()
        self._enter()
        try:
            await future
        finally:
            self._leave()
        return 0

    async def wait_durable(self, ticket: int) -> None:
        return None

    async def _write_loop(self) -> None:
        while True:
            if not self._queue:
                self._queue_kick.clear()
                await self._queue_kick.wait()
                continue
            await self._write_batch()

    async def _write_batch(self) -> None:
        batch, self._queue = take_batch(self._queue)
        if not batch:
            return
        conn = self._writer
        try:
            if conn is None or conn.is_closed():
                conn = self._writer = await self._connect()
            if len(batch) == 1 and batch[0].request.finalize is not None:
                async with conn.transaction():
                    head = await conn.fetchrow(
                        "SELECT rev, committed_at FROM flowstate_head FOR UPDATE"
                    )
                    request = batch[0].request
                    seal_request(request, int(head[0]) + 1, max(request.now, float(head[1])), [])
                    assert request.finalize is not None
                    request.finalize(request)
                    row = await conn.fetchrow(*commit_call(batch, self.engine_id, self.channel))
            else:
                row = await conn.fetchrow(*commit_call(batch, self.engine_id, self.channel))
        except (asyncpg.PostgresError, OSError, asyncpg.InterfaceError) as exc:
            self._healthy = False
            error = PostgresError(f"commit of {len(batch)} batched commit(s)", str(exc))
            if isinstance(exc, (OSError, asyncpg.InterfaceError)):
                error = PostgresError(
                    "commit (the connection was lost: whether it was stored is unknown)",
                    str(exc),
                )
            for item in batch:
                if not item.future.done():
                    item.future.set_exception(error)
            return
        except BaseException as exc:
            for item in batch:
                if not item.future.done():
                    item.future.set_exception(exc)
            raise
        self._healthy = True
        self.delays_pruned += int(row[6])
        self._pending = int(row[7])
        written = settle(batch, row)
        if written:
            self._local(written)
        if any(item.request.delays for item in batch):
            self._events_delays_changed(
                min(entry.at for item in batch for entry in item.request.delays)
            )

    # -- the feed: publishing committed versions in rev order ---------------------------------

    def _local(self, states: list[State]) -> None:
        """Versions this engine just committed: published now if nothing comes before them."""
        self._target = max(self._target, states[-1].rev)
        if states[0].rev <= self._published + 1:
            self._publish(states)
        else:
            self._locals[states[0].rev] = states
            self._feed_kick.set()

    def _publish(self, states: Sequence[State]) -> None:
        """Publish what follows `_published` (versions may arrive both from this engine's
        commits and from a read of the log: each is published once, in rev order)."""
        fresh = [s for s in states if s.rev > self._published]
        if not fresh:
            return
        if fresh[0].rev != self._published + 1:
            raise AssertionError(f"rev {self._published + 1} would be skipped")
        self._published = fresh[-1].rev
        if self._events is not None:
            self._events.published(fresh)

    def _on_notify(self, conn: Any, pid: int, channel: str, payload: str) -> None:
        head, _, at = payload.partition(" ")
        if head == "left":
            self._check_orphans.set()
            return
        with contextlib.suppress(ValueError):
            rev = int(head)
            if rev > self._target:
                self._target = rev
                self._feed_kick.set()
        if at:
            with contextlib.suppress(ValueError):
                self._events_delays_changed(float(at))

    def _events_delays_changed(self, at: float) -> None:
        for seen in self._refreshing:
            seen.append(at)
        if self._next_at is None or at < self._next_at:
            self._next_at = at
            if self._events is not None:
                self._events.delays_changed()

    def _on_listener_lost(self, conn: Any) -> None:
        if not self._closing:
            log.warning("lost the LISTEN connection; reconnecting and catching up by rev")
            self._healthy = False
            self._listener = None
            self._feed_kick.set()

    async def _feed_loop(self) -> None:
        backoff = 0.05
        while True:
            await self._feed_kick.wait()
            self._feed_kick.clear()
            try:
                if self._listener is None or self._listener.is_closed():
                    self._listener = await self._listen()
                    await self._catch_up_head()
                    self._healthy = True
                while self._published < self._target:
                    before = self._published
                    await self._feed_step()
                    if self._published == before:
                        break  # nothing visible yet: the next notification kicks again
                backoff = 0.05
            except (asyncpg.PostgresError, OSError, asyncpg.InterfaceError) as exc:
                log.warning("feed: %s; retrying in %.2f s", exc, backoff)
                self._healthy = False
                await asyncio.sleep(backoff)
                backoff = min(2.0, backoff * 2)
                self._feed_kick.set()

    async def _catch_up_head(self) -> None:
        """After (re)connecting: whatever was committed while nobody listened."""
        rows = await self._fetch("reading the head", "SELECT rev FROM flowstate_head")
        self._target = max(self._target, int(rows[0][0]))
        await self._refresh_next_at()
        self._check_orphans.set()

    async def _feed_step(self) -> None:
        for first in [first for first, mine in self._locals.items()
                      if mine[-1].rev <= self._published + 1 or first <= self._published + 1]:
            self._publish(self._locals.pop(first))
        if self._published >= self._target:
            return
        upto = min(self._target, min(self._locals, default=self._target + 1) - 1)
        if self._events is None or not self._events.watching():
            self._published = max(self._published, upto)  # nobody reads them here: skip
            return
        rows = await self._fetch(
            "reading new versions",
            f"SELECT {_STATE_COLUMNS} FROM flowstate_states WHERE rev > $1 AND rev <= $2 "
            "ORDER BY rev LIMIT $3",
            self._published, upto, FETCH_PAGE,
        )
        if not rows:
            return  # the notification came before our snapshot saw it: the next kick reads it
        self._publish([_version(row) for row in rows])

    # -- reads ---------------------------------------------------------------------------------

    async def read_state(self, id: str, rev: int = 0) -> State | None:
        if rev == 0:
            rows = await self._fetch(
                "reading a state",
                f"SELECT {', '.join('s.' + c for c in _STATE_COLUMNS.split(', '))} "
                "FROM flowstate_latest l JOIN flowstate_states s ON s.rev = l.rev "
                "WHERE l.id = $1",
                id,
            )
        else:
            rows = await self._fetch(
                "reading a state",
                f"SELECT {_STATE_COLUMNS} FROM flowstate_states WHERE rev = $1 AND id = $2",
                rev, id,
            )
        return _version(rows[0]) if rows else None

    @staticmethod
    def _labels_sql(ors: tuple[dict[str, str], ...], first: int) -> tuple[str, list[Any]]:
        if not ors:
            return "true", []
        terms = [f"labels @> ${first + n}" for n in range(len(ors))]
        return "(" + " OR ".join(terms) + ")", list(ors)

    async def read_latest(
        self, ors: tuple[dict[str, str], ...], max_rev: int | None = None
    ) -> State | None:
        where, args = self._labels_sql(ors, 2)
        rows = await self._fetch(
            "reading the latest matching version",
            f"SELECT {_STATE_COLUMNS} FROM flowstate_states WHERE rev <= $1 AND {where} "
            "ORDER BY rev DESC LIMIT 1",
            max_rev if max_rev is not None else 2**62, *args,
        )
        return _version(rows[0]) if rows else None

    async def read_states(self, cmd: GetStatesCommand) -> GetStatesResult:
        since = cmd.since_rev
        if cmd.since_latest:
            latest = await self.read_latest(cmd.labels)
            if latest is None:
                return GetStatesResult([], False)
            since = latest.rev - 1  # the latest matching version is included
        args: list[Any] = [since, cmd.limit + 1]
        conditions = ["rev > $1"]
        if cmd.since_time is not None:
            args.append(cmd.since_time)
            conditions.append(f"committed_at >= ${len(args)}")
        where, labels = self._labels_sql(cmd.labels, len(args) + 1)
        args.extend(labels)
        conditions.append(where)
        where = " AND ".join(conditions)
        if cmd.latest_only:
            sql = (
                f"SELECT * FROM (SELECT DISTINCT ON (id) {_STATE_COLUMNS} FROM flowstate_states "
                f"WHERE {where} ORDER BY id, rev DESC) t ORDER BY rev LIMIT $2"
            )
        else:
            sql = (
                f"SELECT {_STATE_COLUMNS} FROM flowstate_states WHERE {where} "
                "ORDER BY rev LIMIT $2"
            )
        states = [_version(row) for row in await self._fetch("querying states", sql, *args)]
        if len(states) > cmd.limit:
            return GetStatesResult(states[: cmd.limit], True)
        return GetStatesResult(states, False)

    async def read_data(self, rev: int) -> tuple[bytes, Mapping[str, str]] | None:
        rows = await self._fetch(
            "reading data", "SELECT blob, annotations FROM flowstate_datas WHERE rev = $1", rev
        )
        return (bytes(rows[0][0]), rows[0][1]) if rows else None

    async def read_delays(self, cmd: GetDelayedStatesCommand) -> GetDelayedStatesResult:
        rows = await self._fetch(
            "listing delays",
            f"SELECT {_DELAY_COLUMNS} FROM flowstate_delays WHERE seq > $1 "
            "AND ($2::float8 IS NULL OR at >= $2) AND ($3::float8 IS NULL OR at < $3) "
            "ORDER BY seq LIMIT $4",
            cmd.since_seq, cmd.since_time, cmd.until_time, cmd.limit + 1,
        )
        delays = [_delay(row) for row in rows]
        if len(delays) > cmd.limit:
            return GetDelayedStatesResult(delays[: cmd.limit], True)
        return GetDelayedStatesResult(delays, False)

    # -- delays --------------------------------------------------------------------------------

    def next_delay_at(self) -> float | None:
        return self._next_at

    async def _refresh_next_at(self) -> None:
        """The earliest claimable delay of a flow this engine can start now."""
        claimable = "(claimed_until IS NULL OR claimed_until < now())"
        self._runnable = self._runnable_now()
        seen: list[float] = []
        self._refreshing.append(seen)
        try:
            if self._runnable is None:
                rows = await self._fetch(
                    "finding the next delay",
                    f"SELECT min(at) FROM flowstate_delays WHERE {claimable}",
                )
            else:
                rows = await self._fetch(
                    "finding the next delay",
                    f"SELECT min(at) FROM flowstate_delays WHERE {claimable} AND flow = ANY ($1)",
                    self._runnable,
                )
        finally:
            self._refreshing.remove(seen)
        found: float | None = rows[0][0]
        self._next_at = min([found, *seen]) if found is not None else min(seen, default=None)

    def _runnable_now(self) -> list[str] | None:
        if self._flows is None:
            return None
        return sorted(flow for flow in self._flows if flow not in self._full)

    async def claim_due_delays(
        self, now: float, limits: Mapping[str, int], flows: Collection[str]
    ) -> list[DelayedEntry]:
        self._flows = flows
        self._full = {flow for flow, free in limits.items() if free <= 0}
        runnable = self._runnable_now()
        assert runnable is not None
        if (self._next_at is None or self._next_at > now) and runnable == self._runnable:
            return []  # nothing due that this engine may start (a freed slot asks again)
        unlimited = [flow for flow in runnable if flow not in limits]
        claim = (
            f"UPDATE flowstate_delays d SET claimed_by = $1, "
            f"claimed_until = now() + make_interval(secs => $2) "
            f"WHERE d.seq IN (SELECT seq FROM flowstate_delays "
            f"WHERE at <= $3 AND (claimed_until IS NULL OR claimed_until < now()) AND {{flow}} "
            f"ORDER BY at LIMIT $4 FOR UPDATE SKIP LOCKED) RETURNING {_DELAY_COLUMNS}"
        )
        rows = await self._fetch(
            "claiming due delays",
            claim.format(flow="flow = ANY ($5)"),
            self.engine_id, self.lease, now, CLAIM_PAGE, unlimited,
        )
        for flow, free in limits.items():
            if free > 0 and flow in runnable:
                rows += await self._fetch(
                    "claiming due delays",
                    claim.format(flow="flow = $5"),
                    self.engine_id, self.lease, now, free, flow,
                )
        await self._refresh_next_at()
        entries = [_delay(row) for row in rows]
        entries.sort(key=lambda e: (e.at, e.seq))
        return entries

    # -- leases and take-over ------------------------------------------------------------------

    async def adopt_orphans(self, now: float) -> list[State]:
        rows = await self._fetch(
            "taking over in-flight states",
            "SELECT * FROM flowstate_adopt($1, $2)", self.engine_id, self.lease,
        )
        states = [_version(row) for row in rows]
        if states:
            log.info("took over %d in-flight state(s) nobody runs", len(states))
        previous = self._next_at
        await self._refresh_next_at()  # the dead engines' claims were released: due now?
        if self._next_at is not None and self._events is not None:
            if previous is None or self._next_at <= previous:
                self._events.delays_changed()
        return states

    async def _lease_loop(self) -> None:
        """Heartbeat; find dead engines and orphaned work; refresh the next delay."""
        interval = self.lease / 4
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(interval):
                    await self._check_orphans.wait()
            self._check_orphans.clear()
            try:
                await self._heartbeat()
            except (PostgresError, asyncpg.PostgresError, OSError) as exc:
                log.warning("heartbeat failed: %s", exc)
                self._healthy = False

    async def _heartbeat(self) -> None:
        assert self._pool is not None
        async with self._pool.acquire() as conn:
            beat = await conn.fetchval(
                "UPDATE flowstate_engines SET heartbeat_at = now() WHERE id = $1 RETURNING 1",
                self.engine_id,
            )
            if beat is None:
                log.error(
                    "engine %s was presumed dead (no heartbeat for %.1f s) and its work taken "
                    "over; registering again", self.engine_id, self.lease,
                )
                await conn.execute(
                    "INSERT INTO flowstate_engines (id, heartbeat_at, started_at, pid, host) "
                    "VALUES ($1, now(), now(), $2, $3)",
                    self.engine_id, os.getpid(), socket.gethostname(),
                )
            orphans = await conn.fetchval(
                "SELECT EXISTS (SELECT 1 FROM flowstate_engines "
                "WHERE heartbeat_at < now() - make_interval(secs => $1)) "
                "OR EXISTS (SELECT 1 FROM flowstate_latest l WHERE l.in_flight AND NOT EXISTS "
                "(SELECT 1 FROM flowstate_engines e WHERE e.id = l.owner))",
                self.lease,
            )
        previous = self._next_at
        await self._refresh_next_at()
        if self._next_at is not None and (previous is None or self._next_at < previous):
            if self._events is not None:
                self._events.delays_changed()
        if orphans and self._events is not None:
            self._events.orphaned()

