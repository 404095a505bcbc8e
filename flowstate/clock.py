"""Clocks: time is an input. The engine reads `now()` and sleeps with `sleep_until()`."""

from __future__ import annotations

import asyncio
import time
from typing import Protocol, runtime_checkable

__all__ = ["Clock", "RealClock"]


@runtime_checkable
class Clock(Protocol):
    """What the engine needs of time: absolute unix seconds and a way to wait for one."""

    def now(self) -> float: ...

    async def sleep_until(self, deadline: float) -> None: ...


class RealClock:
    """The wall clock (`time.time()`), sleeping on the event loop's timer."""

    __slots__ = ()

    def now(self) -> float:
        return time.time()

    async def sleep_until(self, deadline: float) -> None:
        await asyncio.sleep(max(0.0, deadline - time.time()))
