"""Test helpers: `FakeClock` moves time only when a test says so."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Awaitable, Callable

__all__ = ["FakeClock"]

IdleHook = Callable[[], Awaitable[None]]


class FakeClock:
    """A clock whose time moves only on `advance()`.

    `await clock.advance(seconds)` steps through every sleeper that falls due in order, setting
    `now()` to each one's deadline, and returns once everything that fell due has fired and
    run (engines attached to this clock report when they are idle), so tests never sleep.
    """

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        # Integer nanoseconds, so that advancing 0.1 twice lands exactly on "+0.2".
        self._ns = round(start * 1e9)
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()
        self._idle_hooks: list[IdleHook] = []

    def now(self) -> float:
        return self._ns / 1e9

    @property
    def _now(self) -> float:
        return self._ns / 1e9

    async def sleep_until(self, deadline: float) -> None:
        if deadline <= self._now:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (deadline, next(self._seq), future))
        await future

    def add_idle_hook(self, hook: IdleHook) -> None:
        """Called by engines: `advance` awaits every hook before moving time on."""
        self._idle_hooks.append(hook)

    def remove_idle_hook(self, hook: IdleHook) -> None:
        if hook in self._idle_hooks:
            self._idle_hooks.remove(hook)

    def next_deadline(self) -> float | None:
        self._drop_cancelled()
        return self._sleepers[0][0] if self._sleepers else None

    async def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError(f"cannot advance a clock backwards ({seconds} s)")
        target = self._ns + round(seconds * 1e9)
        await self.settle()
        while True:
            deadline = self.next_deadline()
            if deadline is None or deadline > target / 1e9:  # as `now()` will compare it
                break
            self._ns = max(self._ns, _at_or_after(deadline))
            while self._sleepers and self._sleepers[0][0] <= self._now:
                _, _, future = heapq.heappop(self._sleepers)
                if not future.done():
                    future.set_result(None)
            await self.settle()
        self._ns = max(self._ns, target)
        await self.settle()

    async def settle(self) -> None:
        """Let the loop run until every attached engine is idle."""
        for _ in range(3):
            await asyncio.sleep(0)
        for hook in list(self._idle_hooks):
            await hook()

    def _drop_cancelled(self) -> None:
        while self._sleepers and self._sleepers[0][2].done():
            heapq.heappop(self._sleepers)


def _at_or_after(deadline: float) -> int:
    """The first whole nanosecond whose `now()` is not before `deadline`: rounding alone can
    land one float step short (1700000000.05 s is 1700000000049999872 ns), and a sleeper
    whose deadline is still ahead of `now()` would never be woken."""
    ns = round(deadline * 1e9)
    while ns / 1e9 < deadline:
        ns += 1
    return ns
