"""Where the engine's states live: built in ONE place from the settings."""

from __future__ import annotations

from typing import Any

from flowstate import MemoryDriver
from gameserver.settings import Settings


def make_driver(settings: Settings) -> MemoryDriver:
    """The engine's driver for `settings.db` / `settings.durability`.

    Today: the in-memory driver, keeping the newest `history_limit` versions (plus every
    state's latest) so memory stays bounded however long the server runs. When flowstate's
    SQLite snapshots land this becomes
    `MemoryDriver(snapshots=SqliteSnapshots(settings.db, ...))` with `durability` choosing
    write-behind or group commit; nothing else in the server changes.
    """
    return MemoryDriver(history_limit=settings.history_limit)


def health(driver: MemoryDriver) -> dict[str, Any]:
    """What /healthz reports about persistence."""
    snapshots = driver.snapshots
    return {
        "driver": "memory" if snapshots is None else type(snapshots).__name__,
        "durable": snapshots is not None,
        "healthy": bool(driver.healthy),
    }
