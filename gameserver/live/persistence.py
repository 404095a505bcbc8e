"""Where the engine's states live: built in ONE place from the settings."""

from __future__ import annotations

from typing import Any

from flowstate import MemoryDriver
from flowstate.sqlite import SqliteSnapshots
from gameserver.settings import Settings

MEMORY = ":memory:"


def make_driver(settings: Settings) -> MemoryDriver:
    """The engine's driver for `settings.db` / `settings.durability`.

    The in-memory driver is the source of truth while running, keeping the newest
    `history_limit` versions (plus every state's latest) so memory stays bounded. Unless
    `db` is ":memory:", it is backed by write-behind SQLite snapshots in that file (WAL):
    `durability="default"` acknowledges commits at memory speed and flushes within
    milliseconds; `"strict"` makes each commit wait until its batch is fsynced (group commit).
    A new driver is made for every app lifespan: the file is loaded back on start.
    """
    if settings.db == MEMORY:
        return MemoryDriver(history_limit=settings.history_limit)
    snapshots = SqliteSnapshots(settings.db, durability=settings.durability)
    return MemoryDriver(history_limit=settings.history_limit, snapshots=snapshots)


def health(driver: MemoryDriver) -> dict[str, Any]:
    """What /healthz reports about persistence."""
    snapshots = driver.snapshots
    report: dict[str, Any] = {
        "driver": "memory" if snapshots is None else type(snapshots).__name__,
        "durable": snapshots is not None,
        "healthy": bool(driver.healthy),
    }
    if isinstance(snapshots, SqliteSnapshots):
        report["path"] = snapshots.path
        report["durability"] = snapshots.durability
    return report


def flush_figures(driver: MemoryDriver) -> list[tuple[str, str, float]]:
    """Snapshot writer counters for /metrics (none for a memory-only driver)."""
    snapshots = driver.snapshots
    if not isinstance(snapshots, SqliteSnapshots):
        return []
    return [
        ("flowstate_snapshot_flushes", "Batches written to SQLite.", float(snapshots.flushes)),
        ("flowstate_snapshot_rows_written", "Rows written to SQLite.",
         float(snapshots.rows_written)),
        ("flowstate_snapshot_failed_flushes", "SQLite flushes that failed (retried).",
         float(snapshots.failed_flushes)),
    ]
