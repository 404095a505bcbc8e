"""One engine watcher for every state this server did not write itself.

On a shared store (several server processes on one PostgreSQL database, a cluster) other nodes
commit games, timers, players, chat lines and their own heartbeats; in one process, a commit
made around the server's own paths. Each part of the server registers the kinds of state it
keeps in memory with a synchronous filter (run inside every commit of that kind, so versions
this process wrote itself are dropped before they are buffered and never wake anyone) and an
adopter (run in this task, in rev order). One task, one watcher, every kind.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from flowstate import Engine, State, WatcherLaggedError, get_states

__all__ = ["Follower", "Kind"]

log = logging.getLogger("gameserver.follow")


@dataclass(frozen=True, slots=True)
class Kind:
    """How one kind of state is followed."""

    kind: str  # the `kind` label
    foreign: Callable[[State], bool]  # synchronous: True for versions to adopt
    adopt: Callable[[State], Awaitable[None]]
    #: after a lag (versions were missed): reload everything of this kind
    resync: Callable[[], Awaitable[None]]


class Follower:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._kinds: dict[str, Kind] = {}

    def add(self, kind: Kind) -> None:
        self._kinds[kind.kind] = kind

    def _foreign(self, state: State) -> bool:
        kind = self._kinds.get(state.labels.get("kind", ""))
        return kind is not None and kind.foreign(state)

    async def run(self) -> None:
        """Adopt versions written elsewhere, forever (the runtime owns this task)."""
        while True:
            cmd = get_states([{"kind": k} for k in self._kinds], since_latest=True)
            watcher = self._engine.watch(cmd, where=self._foreign)
            try:
                async with watcher:
                    async for state in watcher:
                        kind = self._kinds[state.labels["kind"]]
                        try:
                            await kind.adopt(state)
                        except Exception:  # one bad version must not stop the others
                            log.exception("cannot adopt %s %s at rev %s", kind.kind, state.id,
                                          state.rev)
            except WatcherLaggedError as error:
                log.warning("the watcher fell behind at rev %s; reloading", error.last_rev)
                for kind in self._kinds.values():
                    await kind.resync()
