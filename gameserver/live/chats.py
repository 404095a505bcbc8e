"""Chat kept with each game, and pushed to everyone watching it on every server.

A game's chat is one flowstate state, `chat.<game id>` (kind `chat`), whose `gameserver.lines`
annotation holds the last `keep` lines (a JSON list of `{player_id, name, text, at}`) and whose
`gameserver.line` annotation is the line that version added. Saying something is one commit
(rev-checked: two servers appending at once retry) and one `chat` frame to the game's local
watchers; other servers of a shared store get the version through the follower and push the
same frame to theirs. Lines are not part of the game's record and do not move its rev, so a
chat never makes a move stale. `lines(game_id)` is what a late watcher is shown.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from typing import Any

import orjson

from flowstate import (
    Engine,
    FlowstateError,
    NotFoundError,
    RevMismatchError,
    State,
    StateCtx,
    archived,
    commit,
    get_state_by_id,
    get_states,
    mark_archived,
    park,
)
from gameserver.live.follow import Kind
from gameserver.wire import frames

__all__ = ["KIND", "Chats"]

log = logging.getLogger("gameserver.chats")

KIND = "chat"
LINES = "gameserver.lines"
LINE = "gameserver.line"

Line = dict[str, Any]


def chat_id(game_id: str) -> str:
    return f"chat.{game_id}"


class Chats:
    def __init__(self, engine: Engine, publish: Callable[[str, bytes], None], *,
                 keep: int = 200) -> None:
        self._engine = engine
        self._publish = publish  # (game id, frame) -> every local watcher of that game
        self._keep = keep
        self._ctx: dict[str, StateCtx] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._writing: set[str] = set()  # games whose chat this server is committing now
        self._retiring: dict[str, StateCtx] = {}  # chats of games that left memory

    async def load(self, keep: Callable[[str], bool] | None = None) -> None:
        """The chats of the games `keep` says are in memory (default: all); the others are
        read from the store when asked for (`stored_lines`)."""
        since = 0
        while True:
            cmd = get_states({"kind": KIND}, since_rev=since, latest_only=True, limit=500)
            await self._engine.do(cmd)
            assert cmd.result is not None
            for state in cmd.result.states:
                since = state.rev
                if keep is None or keep(state.labels["game"]):
                    self._ctx[state.labels["game"]] = StateCtx.from_state(state)
            if not cmd.result.more:
                return

    async def load_games(self, game_ids: Iterable[str]) -> None:
        """The chats of these games (the ones in memory after a start), read by id: the
        chats of finished games are archived in the store and stay there."""
        for game_id in game_ids:
            state = await self._stored(game_id)
            if state is not None:
                self._ctx[game_id] = StateCtx.from_state(state)

    def lines(self, game_id: str) -> list[Line]:
        ctx = self._ctx.get(game_id)
        if ctx is None or not ctx.committed.rev:
            return []
        lines: list[Line] = orjson.loads(ctx.committed.annotation(LINES, "[]"))
        return lines

    async def stored_lines(self, game_id: str) -> list[Line]:
        """The lines of a game, from the store when they are not in memory."""
        if game_id in self._ctx:
            return self.lines(game_id)
        state = await self._stored(game_id)
        if state is None:
            return []
        lines: list[Line] = orjson.loads(state.annotation(LINES, "[]"))
        return lines

    async def _stored(self, game_id: str) -> State | None:
        """The game's chat as stored, by id (one lookup, in memory or on disk)."""
        ctx = StateCtx.new(chat_id(game_id))
        try:
            await self._engine.do(get_state_by_id(ctx, ctx.current.id))
        except NotFoundError:
            return None
        return ctx.committed

    def forget(self, game_id: str) -> None:
        """The game left memory: so does its chat (still in the store; `retire` archives it
        there, so that it leaves the store's memory too)."""
        ctx = self._ctx.pop(game_id, None)
        if ctx is not None and ctx.committed.rev and not archived(ctx.committed):
            self._retiring[game_id] = ctx
        lock = self._locks.get(game_id)
        if lock is not None and not lock.locked():
            del self._locks[game_id]

    async def retire(self) -> None:
        """Commit the chats of the games that left memory once more, archived (a game that
        finished keeps its chat, but nobody adds to it): the store may then keep them out of
        memory. A chat written meanwhile (a conflict) is left as it is."""
        retiring, self._retiring = self._retiring, {}
        for game_id, ctx in retiring.items():
            if game_id in self._ctx:
                continue  # a line was said since: it is live again
            # the kept lines only: the last line is not said again (another server's
            # follower would push it once more)
            ctx.current.annotations = {LINES: ctx.committed.annotation(LINES, "[]")}
            mark_archived(ctx)
            self._writing.add(game_id)
            try:
                await self._engine.do(commit(park(ctx)))
            except FlowstateError as error:
                log.debug("chat of game %s not archived: %s", game_id, error)
            finally:
                self._writing.discard(game_id)

    async def say(self, game_id: str, player_id: str, name: str, text: str, at: float,
                  moves: int = 0) -> None:
        """Keep one line and push it to the game's watchers (here, and on the other
        servers through their followers); `moves` is how many moves the game had then (the
        SGF export puts the line after that move)."""
        line: Line = {"player_id": player_id, "name": name, "text": text, "at": at,
                      "moves": moves}
        lock = self._locks.setdefault(game_id, asyncio.Lock())
        async with lock:
            for _ in range(5):
                ctx = self._ctx.get(game_id) or StateCtx.new(chat_id(game_id))
                kept = [*self.lines(game_id), line][-self._keep:]
                ctx.current.labels = {"kind": KIND, "game": game_id}
                ctx.current.annotations = {LINES: orjson.dumps(kept).decode(),
                                           LINE: orjson.dumps(line).decode()}
                self._writing.add(game_id)
                try:
                    await self._engine.do(commit(park(ctx)))
                except RevMismatchError:
                    await self._reload(game_id)
                    continue
                finally:
                    self._writing.discard(game_id)
                self._ctx[game_id] = ctx
                break
            else:
                log.warning("chat of game %s keeps changing; a line was dropped", game_id)
                return
        self._publish(game_id, frames.chat(game_id, player_id, name, text, at))

    async def _reload(self, game_id: str) -> None:
        state = await self._stored(game_id)
        if state is not None:
            self._ctx[game_id] = StateCtx.from_state(state)

    # -- lines said on other servers ---------------------------------------------------------

    def follow_kind(self) -> Kind:
        return Kind(KIND, self._foreign, self._adopt, self.load)

    def _foreign(self, state: State) -> bool:
        game_id = state.labels.get("game", "")
        if game_id in self._writing:
            return False
        known = self._ctx.get(game_id)
        return known is None or state.rev > known.committed.rev

    async def _adopt(self, state: State) -> None:
        game_id = state.labels["game"]
        if not self._foreign(state):
            return
        self._ctx[game_id] = StateCtx.from_state(state)
        line = orjson.loads(state.annotation(LINE, "null"))
        if line:
            self._publish(game_id, frames.chat(game_id, line["player_id"], line["name"],
                                               line["text"], line["at"]))
