"""Fixtures of the SQLite snapshot tests: a file per test and engines opened on it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from flowstate import Engine, FlowRegistry, MemoryDriver, StateCtx, park
from flowstate.sqlite import SqliteSnapshots
from flowstate.testing import FakeClock

OpenEngine = Callable[..., Any]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "fs.sqlite3"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def registry() -> FlowRegistry:
    registry = FlowRegistry()

    async def parker(ctx: StateCtx, engine: Engine) -> Any:
        return park(ctx)

    registry.set_flow("park", parker)
    return registry


@pytest.fixture
def open_engine(db_path: Path, registry: FlowRegistry, clock: FakeClock) -> OpenEngine:
    """`async with open_engine(**snapshot_options) as engine:` on the test's file."""

    @asynccontextmanager
    async def opened(
        *, history_limit: int | None = None, engine_durability: str = "default", **options: Any
    ) -> AsyncIterator[Engine]:
        snapshots = SqliteSnapshots(db_path, **options)
        driver = MemoryDriver(history_limit=history_limit, snapshots=snapshots)
        async with Engine(driver, registry, clock=clock, durability=engine_durability) as engine:
            yield engine

    return opened


def snapshots_of(engine: Engine) -> SqliteSnapshots:
    snapshots = engine.driver.snapshots
    assert isinstance(snapshots, SqliteSnapshots)
    return snapshots
