"""Quick match: a player asks for a game with some settings and waits; the first two players
waiting for the same game are paired into it at once.

A waiting player is a flowstate state, `quickmatch.<player id>` (kind `quickmatch`), labelled
with a key of the game and its normalized settings, so a wait survives a reload, a reconnect
and a restart, and other servers of a shared store see it. Pairing commits both players'
entries as paired with the new game's id in one rev-checked commit (two servers pairing the
same player at once: one commit wins, the other looks again), then opens the game with both
seated; each player's sockets, on whichever server they are, get `quick_match {status:
"paired", game_id}` and the game. A wait lasts `timeout` seconds (a committing delay; asking
again starts it over) and can be cancelled.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
from collections.abc import Callable, Mapping
from typing import Any

import orjson

from flowstate import (
    Command,
    Engine,
    FlowRegistry,
    RevMismatchError,
    State,
    StateCtx,
    commit,
    delay_until,
    get_states,
    park,
)
from gameserver.core.match import Seat
from gameserver.live.connection import Connection
from gameserver.live.follow import Kind
from gameserver.live.identity import Player
from gameserver.live.matches import Matches
from gameserver.wire import frames
from gameserver.wire.errors import BadRequest

__all__ = ["KIND", "QuickMatch"]

log = logging.getLogger("gameserver.quickmatch")

KIND = "quickmatch"
EXPIRE_FLOW = "gameserver.quickmatch_expired"
GAME = "gameserver.game"
SETTINGS = "gameserver.settings"
NAME = "gameserver.name"
STATUS = "gameserver.status"  # waiting | paired | cancelled | expired
PAIRED = "gameserver.paired"  # the game id


def entry_id(player_id: str) -> str:
    return f"quickmatch.{player_id}"


class QuickMatch:
    def __init__(self, registry: FlowRegistry, *, timeout: float = 600.0) -> None:
        self._timeout = timeout
        self._engine: Engine | None = None
        self._matches: Matches | None = None
        self._now: Callable[[], float] = lambda: 0.0
        self._entries: dict[str, StateCtx] = {}  # player id -> their latest entry
        self._writing: set[str] = set()
        self._lock = asyncio.Lock()
        #: the sockets of a player on this server (set by the runtime)
        self.sockets_of: Callable[[str], list[Connection]] = lambda player_id: []
        registry.set_flow(EXPIRE_FLOW, self._expired)

    def attach(self, engine: Engine, matches: Matches, now: Callable[[], float]) -> None:
        self._engine, self._matches, self._now = engine, matches, now

    @property
    def engine(self) -> Engine:
        assert self._engine is not None
        return self._engine

    @property
    def matches(self) -> Matches:
        assert self._matches is not None
        return self._matches

    async def load(self) -> None:
        since = 0
        while True:
            cmd = get_states({"kind": KIND}, since_rev=since, latest_only=True, limit=500)
            await self.engine.do(cmd)
            assert cmd.result is not None
            for state in cmd.result.states:
                self._entries[state.id.removeprefix("quickmatch.")] = StateCtx.from_state(state)
                since = state.rev
            if not cmd.result.more:
                return

    # -- requests ----------------------------------------------------------------------------

    async def ask(self, player: Player, game_name: str,
                  options: Mapping[str, Any]) -> dict[str, Any]:
        """Wait for a game `game_name` with these settings, or be paired at once."""
        game = self.matches.games.get(game_name)
        if game is None:
            raise BadRequest(f"this server has no game {game_name!r}")
        settings = game.settings(options)
        if len(game.seat_names(settings)) != 2:
            raise BadRequest(f"quick match pairs two players; a {game_name} game with these "
                             "settings has another number of seats")
        key = _key(game_name, settings)
        async with self._lock:
            for _ in range(5):
                other = self._waiting_for(key, player.id)
                if other is None:
                    await self._wait(player, game_name, settings, key)
                    return {"status": "waiting"}
                try:
                    game_id = await self._pair(player, other, game_name, settings, key)
                except RevMismatchError:
                    await self.load()
                    continue
                return {"status": "paired", "game_id": game_id}
        raise BadRequest("quick match is busy; try again")

    async def cancel(self, player: Player) -> dict[str, Any]:
        ctx = self._entries.get(player.id)
        if ctx is None or _status(ctx.committed) != "waiting":
            return {"status": "idle"}
        await self._commit(player.id, ctx, "cancelled", [])
        return {"status": "cancelled"}

    def status(self, player_id: str) -> dict[str, Any] | None:
        """What a player's socket is told after hello: a wait that is still open."""
        ctx = self._entries.get(player_id)
        if ctx is None or _status(ctx.committed) != "waiting":
            return None
        state = ctx.committed
        return {"status": "waiting", "game": state.annotation(GAME),
                "settings": orjson.loads(state.annotation(SETTINGS, "{}"))}

    # -- inside ------------------------------------------------------------------------------

    def _waiting_for(self, key: str, not_player: str) -> StateCtx | None:
        for player_id, ctx in self._entries.items():
            state = ctx.committed
            if player_id != not_player and _status(state) == "waiting" and \
                    state.labels.get("key") == key:
                return ctx
        return None

    async def _wait(self, player: Player, game_name: str, settings: Mapping[str, Any],
                    key: str) -> None:
        ctx = self._entries.get(player.id) or StateCtx.new(entry_id(player.id))
        ctx.current.labels = {"kind": KIND, "key": key}
        ctx.current.annotations = {GAME: game_name, SETTINGS: orjson.dumps(settings).decode(),
                                   NAME: player.name}
        await self._commit(player.id, ctx, "waiting",
                           [delay_until(ctx, EXPIRE_FLOW, self._now() + self._timeout)])

    async def _commit(self, player_id: str, ctx: StateCtx, status: str,
                      extra: list[Command]) -> None:
        ctx.current.annotations = {**ctx.current.annotations, STATUS: status}
        self._writing.add(player_id)
        try:
            await self.engine.do(commit(park(ctx), *extra))
        except BaseException:
            self._entries[player_id] = _fresh(ctx)
            raise
        finally:
            self._writing.discard(player_id)
        self._entries[player_id] = ctx

    async def _pair(self, player: Player, other: StateCtx, game_name: str,
                    settings: Mapping[str, Any], key: str) -> str:
        """One atomic commit pairs both entries with a new game's id; then the game opens."""
        game_id = "g" + secrets.token_hex(5)
        mine = self._entries.get(player.id) or StateCtx.new(entry_id(player.id))
        them = StateCtx.from_state(other.committed)
        for ctx, name in ((mine, player.name), (them, them.committed.annotation(NAME))):
            ctx.current.labels = {"kind": KIND, "key": key}
            ctx.current.annotations = {GAME: game_name,
                                       SETTINGS: orjson.dumps(settings).decode(), NAME: name,
                                       STATUS: "paired", PAIRED: game_id}
        ids = (player.id, them.current.id.removeprefix("quickmatch."))
        self._writing.update(ids)
        try:
            await self.engine.do(commit(park(mine), park(them)))
        finally:
            self._writing.difference_update(ids)
        self._entries[ids[0]], self._entries[ids[1]] = mine, them
        game = self.matches.games[game_name]
        names = list(game.seat_names(settings))
        waiter = Seat(ids[1], them.committed.annotation(NAME))
        asker = Seat(player.id, player.name)
        first, second = (waiter, asker) if secrets.randbelow(2) else (asker, waiter)
        hub = await self.matches.open(game, settings, first, names[0], None,
                                      opponents=(second,), game_id=game_id)
        for player_id in ids:
            await self._tell_paired(player_id, hub.match.id)
        return hub.match.id

    async def _tell_paired(self, player_id: str, game_id: str) -> None:
        """This player's sockets here learn of the game and watch it."""
        for conn in self.sockets_of(player_id):
            conn.send(frames.quick_match({"status": "paired", "game_id": game_id}))
            await self.matches.watch(conn, game_id, None)

    async def _expired(self, ctx: StateCtx, engine: Engine) -> Command:
        player_id = ctx.current.id.removeprefix("quickmatch.")
        for conn in self.sockets_of(player_id):
            conn.send(frames.quick_match({"status": "expired"}))
        return park(ctx, {STATUS: "expired"})

    # -- other servers' entries --------------------------------------------------------------

    def follow_kind(self) -> Kind:
        return Kind(KIND, self._foreign, self._adopt, self.load)

    def _foreign(self, state: State) -> bool:
        player_id = state.id.removeprefix("quickmatch.")
        if player_id in self._writing:
            return False
        known = self._entries.get(player_id)
        return known is None or state.rev > known.committed.rev

    async def _adopt(self, state: State) -> None:
        if not self._foreign(state):
            return
        player_id = state.id.removeprefix("quickmatch.")
        self._entries[player_id] = StateCtx.from_state(state)
        if _status(state) == "paired":
            game_id = state.annotation(PAIRED)
            try:
                await self.matches.find(game_id)
            except Exception:  # the game is not committed yet: the player's hello finds it
                log.debug("quick match game %s of %s not there yet", game_id, player_id)
                return
            await self._tell_paired(player_id, game_id)


def _key(game: str, settings: Mapping[str, Any]) -> str:
    digest = hashlib.blake2b(orjson.dumps([game, settings], option=orjson.OPT_SORT_KEYS),
                             digest_size=8)
    return digest.hexdigest()


def _status(state: State) -> str:
    if state.rev == 0:
        return ""
    return state.annotation(STATUS, "")


def _fresh(ctx: StateCtx) -> StateCtx:
    if ctx.committed.rev == 0:
        return StateCtx.new(ctx.current.id)
    return StateCtx.from_state(ctx.committed)
