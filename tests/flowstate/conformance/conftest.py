"""Fixtures of the driver conformance suite.

Every test here runs once per driver: `memory`, `memory+sqlite` and `postgres`. A factory
gets the test's `tmp_path` and the driver a previous engine used (`None` for the first engine
of a test) and returns the driver for the next engine: restart tests open the same storage
again through it. Adding a driver is one entry in `DRIVER_FACTORIES` (or, for one that needs
a server, in `driver_factory`).

PostgreSQL: one private server for the whole session (the root `conftest.py`); each test
gets a schema of its own, named after its `tmp_path`, so a restart finds its data again and
tests never see each other's.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from flowstate import Engine, FlowRegistry, MemoryDriver, PostgresDriver
from flowstate.sqlite import SqliteSnapshots
from flowstate.testing import FakeClock

from .support import DriverFactory, Tracker

DRIVER_FACTORIES: dict[str, DriverFactory] = {
    "memory": lambda tmp_path, previous: previous if previous is not None else MemoryDriver(),
    "memory+sqlite": lambda tmp_path, previous: MemoryDriver(
        snapshots=SqliteSnapshots(tmp_path / "fs.sqlite3")
    ),
}


def schema_for(tmp_path: Path) -> str:
    """A schema name of its own for each test (and each Hypothesis example's directory)."""
    return "t_" + hashlib.sha1(str(tmp_path).encode()).hexdigest()[:16]


@pytest.fixture(params=[*sorted(DRIVER_FACTORIES), "postgres"])
def driver_factory(request: pytest.FixtureRequest) -> DriverFactory:
    if request.param == "postgres":
        dsn = request.getfixturevalue("postgres").dsn
        return lambda tmp_path, previous: PostgresDriver(dsn, schema=schema_for(tmp_path))
    factory: DriverFactory = DRIVER_FACTORIES[request.param]
    return factory


@pytest.fixture
def driver(driver_factory: DriverFactory, tmp_path: Path) -> Any:
    return driver_factory(tmp_path, None)


@pytest.fixture
def reopen_driver(driver_factory: DriverFactory, tmp_path: Path) -> Callable[[Any], Any]:
    """Open the storage a stopped engine used, for the engine that restarts on it."""
    return lambda previous: driver_factory(tmp_path, previous)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def registry() -> FlowRegistry:
    return FlowRegistry()


@pytest.fixture
async def engine(driver: Any, registry: FlowRegistry, clock: FakeClock) -> AsyncIterator[Engine]:
    async with Engine(driver, registry, clock=clock) as started:
        yield started


@pytest.fixture
def tracker() -> Tracker:
    return Tracker()
