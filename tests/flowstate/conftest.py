from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from flowstate import Engine, FlowRegistry, MemoryDriver
from flowstate.testing import FakeClock

from .net.servers import ServerForks


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def registry() -> FlowRegistry:
    return FlowRegistry()


@pytest.fixture
async def engine(registry: FlowRegistry, clock: FakeClock) -> AsyncIterator[Engine]:
    async with Engine(MemoryDriver(), registry, clock=clock) as engine:
        yield engine


@pytest.fixture(scope="session")
def server_forks() -> Iterator[ServerForks]:
    """Forks flowstate server processes on request (one per conformance test on NetDriver)."""
    forks = ServerForks()
    try:
        yield forks
    finally:
        forks.close()
