"""Where the engine's states live: built in ONE place from the settings."""

from __future__ import annotations

from typing import Any

from flowstate import Driver, MemoryDriver, PostgresDriver, open_driver
from flowstate.sqlite import SqliteSnapshots
from gameserver.settings import Settings

MEMORY = ":memory:"


def make_driver(settings: Settings) -> Driver:
    """The engine's driver for `settings.db` / `settings.durability`.

    `db` is ":memory:", a SQLite file path, or a driver URL (`memory:`, `sqlite:///path`,
    `postgresql://...`; see `flowstate.open_driver`). The in-memory driver is the source of
    truth while running, keeping the newest `history_limit` versions (plus every state's
    latest) so memory stays bounded. With a SQLite file it is backed by write-behind
    snapshots in that file (WAL): `durability="default"` acknowledges commits at memory speed
    and flushes within milliseconds; `"strict"` makes each commit wait until its batch is
    fsynced (group commit). On PostgreSQL every commit is a transaction (one server process
    per database for now: several game servers on one database is not supported yet).
    A new driver is made for every app lifespan: the store is loaded back on start.
    """
    db = settings.db
    if db == MEMORY:
        return MemoryDriver(history_limit=settings.history_limit)
    if db.startswith("memory:"):
        return open_driver(db, history_limit=settings.history_limit)
    if db.startswith("sqlite:"):
        return open_driver(db, history_limit=settings.history_limit,
                           durability=settings.durability)
    if "://" in db:
        return open_driver(db)
    snapshots = SqliteSnapshots(db, durability=settings.durability)
    return MemoryDriver(history_limit=settings.history_limit, snapshots=snapshots)


def health(driver: Driver) -> dict[str, Any]:
    """What /healthz reports about persistence."""
    if isinstance(driver, PostgresDriver):
        return {"driver": "PostgresDriver", "durable": True, "healthy": bool(driver.healthy),
                "schema": driver.schema}
    snapshots = driver.snapshots if isinstance(driver, MemoryDriver) else None
    report: dict[str, Any] = {
        "driver": "memory" if snapshots is None else type(snapshots).__name__,
        "durable": snapshots is not None,
        "healthy": bool(driver.healthy),
    }
    if isinstance(snapshots, SqliteSnapshots):  # no path: /healthz is public
        report["durability"] = snapshots.durability
    return report


def flush_figures(driver: Driver) -> list[tuple[str, str, float]]:
    """Snapshot writer counters and the store's residency for /metrics (none for a driver
    that keeps nothing in memory)."""
    if not isinstance(driver, MemoryDriver):
        return []
    resident = [
        ("flowstate_states_resident", "States whose latest version is in memory.",
         float(driver.resident_states)),
        ("flowstate_states_archived", "Archived states out of memory (on disk only).",
         float(driver.archived_states)),
    ]
    snapshots = driver.snapshots
    if not isinstance(snapshots, SqliteSnapshots):
        return resident
    return [
        *resident,
        ("flowstate_snapshot_flushes", "Batches written to SQLite.", float(snapshots.flushes)),
        ("flowstate_snapshot_rows_written", "Rows written to SQLite.",
         float(snapshots.rows_written)),
        ("flowstate_snapshot_failed_flushes", "SQLite flushes that failed (retried).",
         float(snapshots.failed_flushes)),
    ]
