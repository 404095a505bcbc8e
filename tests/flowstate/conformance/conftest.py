"""Fixtures of the driver conformance suite.

Every test here runs once per entry of `DRIVER_FACTORIES`. A factory gets the test's
`tmp_path` and the driver a previous engine used (`None` for the first engine of a test)
and returns the driver for the next engine: restart tests open the same storage again
through it. Adding a driver is one line, e.g.
`"sqlite": lambda tmp_path, previous: MemoryDriver(snapshots=SqliteSnapshots(tmp_path / "fs.db"))`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from flowstate import Engine, FlowRegistry, MemoryDriver
from flowstate.sqlite import SqliteSnapshots
from flowstate.testing import FakeClock

from .support import DriverFactory, Tracker

DRIVER_FACTORIES: dict[str, DriverFactory] = {
    "memory": lambda tmp_path, previous: previous if previous is not None else MemoryDriver(),
    "memory+sqlite": lambda tmp_path, previous: MemoryDriver(
        snapshots=SqliteSnapshots(tmp_path / "fs.sqlite3")
    ),
}


@pytest.fixture(params=sorted(DRIVER_FACTORIES))
def driver_factory(request: pytest.FixtureRequest) -> DriverFactory:
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
