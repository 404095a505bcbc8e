from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from flowstate import Engine, FlowRegistry, MemoryDriver
from flowstate.testing import FakeClock


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
