"""Watchers: async iterators over committed versions, pushed by commits (no polling).

Each watcher has a bounded buffer. A commit appends matching versions to it and wakes the
reader. A watcher whose reader falls `buffer` versions behind drops its buffer and, when read
again, catches up from the log after the last rev it delivered, page by page, then goes live
again: every matching version is delivered once, in rev order, while the history is retained.
If the history it needs was trimmed meanwhile, reading raises `WatcherLaggedError`.
A `where` predicate, evaluated synchronously as each version is pushed (and on catch-up), drops
versions the reader does not want before they are buffered, so they never wake it.
A slow reader never blocks commits or other watchers.

Watchers are fed from the driver's `published` events, so on a shared store they see every
process's commits. A watcher reading the store to catch up (an await that may suspend) keeps
what is published meanwhile and merges it by rev, so going live misses nothing.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import TYPE_CHECKING

from flowstate.commands import GetStatesCommand, labels_match
from flowstate.errors import HistoryTrimmedError, WatcherLaggedError
from flowstate.state import State

if TYPE_CHECKING:
    from flowstate.driver import Driver

__all__ = ["Watcher", "WatcherHub"]


class Watcher:
    __slots__ = (
        "_buf",
        "_closed",
        "_hub",
        "_lagging",
        "_last_rev",
        "_live",
        "_max",
        "_since_latest",
        "_skip_upto",
        "_start_head",
        "_waiter",
        "ors",
        "since_time",
        "where",
    )

    def __init__(self, hub: WatcherHub, cmd: GetStatesCommand, buffer: int,
                 where: Callable[[State], bool] | None = None) -> None:
        self._hub = hub
        self.ors = cmd.labels
        self.since_time = cmd.since_time
        self.where = where
        self._max = buffer
        self._buf: deque[State] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self._closed = False
        # The start point is what was published when the watcher was made: `since_latest`
        # means the latest matching version up to that rev, resolved by the first read.
        self._start_head = hub.driver.head_rev
        self._since_latest = cmd.since_latest
        self._last_rev = self._start_head if cmd.since_latest else cmd.since_rev
        self._lagging = cmd.since_latest or cmd.since_rev < self._start_head
        # While lagging, versions published meanwhile are kept here (None: too many; the
        # catch-up then goes on from the log), so none is missed between a read of the store
        # and going live.
        self._live: deque[State] | None = deque() if self._lagging else None
        # A catch-up may read past what the driver has published yet (a shared store's
        # log runs ahead of this process's feed): pushes up to here were read already.
        self._skip_upto = 0

    @property
    def last_rev(self) -> int:
        """The rev of the last version delivered (or the start point)."""
        return self._last_rev

    @property
    def lagging(self) -> bool:
        return self._lagging

    def matches(self, state: State) -> bool:
        if self.since_time is not None and state.committed_at < self.since_time:
            return False
        if not labels_match(self.ors, state.labels):
            return False
        return self.where is None or self.where(state)

    def push(self, state: State) -> None:
        """Called by the hub for every published version that matches."""
        if state.rev <= self._skip_upto:
            return
        if self._lagging:
            live = self._live
            if live is not None:
                if len(live) >= self._max:
                    self._live = None
                else:
                    live.append(state)
            return
        if len(self._buf) >= self._max:
            self._lagging = True
            self._buf.clear()
            self._live = deque()
        else:
            self._buf.append(state)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def take_ready(self, limit: int) -> list[State]:
        """Up to `limit` versions already buffered, without waiting (after an `__anext__`
        returned one, a streaming server sends the rest of a burst in the same frame)."""
        out: list[State] = []
        buf = self._buf
        while buf and len(out) < limit and not self._closed:
            state = buf.popleft()
            if state.rev > self._last_rev:
                self._last_rev = state.rev
            out.append(state)
        return out

    def __aiter__(self) -> Watcher:
        return self

    async def __anext__(self) -> State:
        while True:
            if self._closed:
                raise StopAsyncIteration
            if self._buf:
                state = self._buf.popleft()
                if state.rev > self._last_rev:
                    self._last_rev = state.rev
                return state
            if self._lagging:
                await self._catch_up()
                continue
            waiter = self._waiter = asyncio.get_running_loop().create_future()
            try:
                await waiter
            finally:
                self._waiter = None

    async def _catch_up(self) -> None:
        """Refill the buffer from the store after `last_rev`; go live once caught up."""
        driver = self._hub.driver
        if self._since_latest:
            self._since_latest = False
            latest = await driver.read_latest(self.ors, self._start_head)
            if latest is not None:
                if self.where is None or self.where(latest):
                    self._buf.append(latest)
                self._last_rev = latest.rev
            return
        cmd = GetStatesCommand(self.ors, self._last_rev, False, self.since_time, False, self._max)
        try:
            result = await driver.read_states(cmd)
        except HistoryTrimmedError as exc:
            self._closed = True
            self._hub.remove(self)
            raise WatcherLaggedError(self._last_rev, exc.oldest_rev) from None
        if self._closed:
            return
        where = self.where
        if result.states:
            self._last_rev = result.states[-1].rev
        self._buf.extend(result.states if where is None else filter(where, result.states))
        if result.more:
            return
        live = self._live
        if live is None:  # too much was published meanwhile: read on from the store
            self._live = deque()
            return
        cursor = self._last_rev
        for state in live:
            if state.rev > cursor:
                self._buf.append(state)
                cursor = state.rev
        self._skip_upto = cursor
        self._live = None
        self._lagging = False

    async def close(self) -> None:
        self.close_nowait()

    def close_nowait(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._buf.clear()
        self._live = None
        self._hub.remove(self)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def __aenter__(self) -> Watcher:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close_nowait()


class WatcherHub:
    """Routes each committed version to the watchers whose query it matches.

    A watcher with a single AND of labels is indexed under one of its label pairs, so a commit
    only looks at watchers that share a label with it; OR and label-less watchers are checked
    for every commit.
    """

    __slots__ = ("_all", "_by_pair", "driver")

    def __init__(self, driver: Driver) -> None:
        self.driver = driver  # its `head_rev` is the newest rev published
        self._by_pair: dict[tuple[str, str], set[Watcher]] = {}
        self._all: set[Watcher] = set()

    def add(self, cmd: GetStatesCommand, buffer: int,
            where: Callable[[State], bool] | None = None) -> Watcher:
        watcher = Watcher(self, cmd, buffer, where)
        if len(cmd.labels) == 1:
            pair = next(iter(cmd.labels[0].items()))
            self._by_pair.setdefault(pair, set()).add(watcher)
        else:
            self._all.add(watcher)
        return watcher

    def remove(self, watcher: Watcher) -> None:
        self._all.discard(watcher)
        if len(watcher.ors) == 1:
            pair = next(iter(watcher.ors[0].items()))
            watchers = self._by_pair.get(pair)
            if watchers is not None:
                watchers.discard(watcher)
                if not watchers:
                    del self._by_pair[pair]

    def publish(self, states: Sequence[State]) -> None:
        """Committed versions, in rev order (the driver's `published`)."""
        by_pair = self._by_pair
        everyone = self._all
        for state in states:
            for watcher in everyone:
                if watcher.matches(state):
                    watcher.push(state)
            if by_pair:
                for pair in state.labels.items():
                    watchers = by_pair.get(pair)
                    if watchers:
                        for watcher in watchers:
                            if watcher.matches(state):
                                watcher.push(state)

    def close_all(self) -> None:
        for watcher in list(self._all):
            watcher.close_nowait()
        for watchers in list(self._by_pair.values()):
            for watcher in list(watchers):
                watcher.close_nowait()

    def __len__(self) -> int:
        return len(self._all) + sum(len(w) for w in self._by_pair.values())
