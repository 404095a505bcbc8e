"""One engine watcher over every game state, dispatching each commit by game id.

Each committed version of a game carries its game rev; the matching push was encoded once
(by `Matches`) and the same text is queued on every watching socket. The lobby hears about
open games here too, so every change reaches clients the same way: from the engine's log.
"""

from __future__ import annotations

import logging
import time

from flowstate import Engine, State, WatcherLaggedError, get_states
from gameserver.live.lobby import Lobby
from gameserver.live.matches import REV, Hub, Matches
from gameserver.live.metrics import Metrics

log = logging.getLogger("gameserver.live.broadcaster")


class Broadcaster:
    def __init__(self, engine: Engine, matches: Matches, lobby: Lobby, metrics: Metrics,
                 buffer: int = 10_000) -> None:
        self._engine = engine
        self._matches = matches
        self._lobby = lobby
        self._metrics = metrics
        self._buffer = buffer

    async def run(self) -> None:
        """Deliver forever (the app's lifespan owns and cancels this task)."""
        while True:
            watcher = self._engine.watch(get_states({"kind": "game"}, since_latest=True),
                                         buffer=self._buffer)
            try:
                async with watcher:
                    async for state in watcher:
                        hub = self._matches.hubs.get(state.id)
                        if hub is not None:
                            self.deliver(hub, state)
            except WatcherLaggedError as error:
                log.warning("game watcher fell behind at rev %s; resending snapshots",
                            error.last_rev)
                self.resync()

    def deliver(self, hub: Hub, state: State) -> None:
        rev = int(state.annotation(REV, "0"))
        item = self._matches.delivered(hub, rev)
        if item is None:  # committed by another writer (e.g. a timer flow): adopt it
            if rev > hub.match.rev:
                self._matches.adopt(hub, state)
            self._resync_hub(hub)
            return
        text, t0 = item
        watchers = hub.watchers
        for conn, last in watchers.items():
            if rev > last:
                conn.send(text)
                watchers[conn] = rev
        metrics = self._metrics
        metrics.pushes += 1
        metrics.push_frames += len(watchers)
        metrics.push_latency.observe(time.perf_counter() - t0)
        if hub.in_lobby or rev == 1:
            self._lobby_change(hub)

    def _lobby_change(self, hub: Hub) -> None:
        if hub.phase == "waiting":
            hub.in_lobby = True
            self._lobby.update(hub.summary())
        elif hub.in_lobby:
            hub.in_lobby = False
            self._lobby.remove(hub.match.id)

    def _resync_hub(self, hub: Hub) -> None:
        """A commit this server did not encode (or lost): send everyone a fresh snapshot."""
        hub.pending.clear()
        hub.history.clear()
        text = hub.snapshot_text()
        rev = hub.match.rev
        for conn in hub.watchers:
            conn.send(text)
            hub.watchers[conn] = rev

    def resync(self) -> None:
        for hub in self._matches.hubs.values():
            self._resync_hub(hub)
