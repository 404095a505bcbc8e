"""Fixtures of the driver conformance suite.

Every test here runs once per driver: `memory`, `memory+sqlite`, `postgres` and `net`. A factory
gets the test's `tmp_path` and the driver a previous engine used (`None` for the first engine
of a test) and returns the driver for the next engine: restart tests open the same storage
again through it. Adding a driver is one entry in `DRIVER_FACTORIES` (or, for one that needs
a server, in `driver_factory`).

PostgreSQL: one private server for the whole session (the root `conftest.py`); each test
gets a schema of its own, named after its `tmp_path`, so a restart finds its data again and
tests never see each other's.

Net: `NetDriver` against a flowstate server process of its own per test (forked, on a
`memory:` store); a restart is a new `NetDriver` (a new client engine) on the same server.
A new store (Hypothesis examples ask for one each) stops the test's earlier servers.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from flowstate import Engine, FlowRegistry, MemoryDriver, NetDriver, PostgresDriver
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


@pytest.fixture(params=[*sorted(DRIVER_FACTORIES), "postgres", "net"])
def driver_factory(request: pytest.FixtureRequest) -> Iterator[DriverFactory]:
    if request.param == "postgres":
        dsn = request.getfixturevalue("postgres").dsn
        yield lambda tmp_path, previous: PostgresDriver(dsn, schema=schema_for(tmp_path))
        return
    if request.param == "net":
        forks = request.getfixturevalue("server_forks")
        started: list[int] = []

        def net(tmp_path: Path, previous: Any) -> NetDriver:
            if previous is not None:
                return NetDriver(previous.url)
            while started:
                forks.stop(started.pop())
            pid, url = forks.spawn("memory:")
            started.append(pid)
            return NetDriver(url)

        yield net
        for pid in started:
            forks.stop(pid)
        return
    factory: DriverFactory = DRIVER_FACTORIES[request.param]
    yield factory


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
