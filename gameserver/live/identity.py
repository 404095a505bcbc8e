"""Identities: a secret token per player, kept as flowstate states so seats survive restarts.

Only a SHA-256 of the token is stored (as a label, so it can be looked up); the token itself is
returned once, in `welcome`, and never appears in any push, list, log or record.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from flowstate import (
    Engine,
    NotFoundError,
    State,
    StateCtx,
    commit,
    get_state_by_labels,
    get_states,
    park,
)
from gameserver.live.follow import Kind
from gameserver.live.ratelimit import AddressBuckets
from gameserver.live.text import clean_name
from gameserver.live.turns import Turns
from gameserver.wire.errors import TooMany, Unauthorized

#: the window `identities_per_address` counts over, in seconds
IDENTITY_WINDOW = 3600.0

@dataclass(frozen=True, slots=True)
class Player:
    id: str
    name: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Identities:
    """Players by token hash, loaded at start; `hello` finds or makes one."""

    def __init__(self, engine: Engine, max_name_length: int, *,
                 now: Callable[[], float] | None = None, per_address: int = 0,
                 maximum: int = 0, turns: Turns | None = None) -> None:
        self._engine = engine
        #: new identities take turns with the games' creations (`gameserver.live.turns`)
        self.turns = turns or Turns()
        self._max_name = max_name_length
        self._by_hash: dict[str, tuple[Player, StateCtx]] = {}
        self._now = now
        #: new identities an address may make per IDENTITY_WINDOW (0: no cap)
        self.per_address = per_address
        #: identities held in total (0: no cap)
        self.maximum = maximum
        #: at most 10 at once, refilling to `per_address` an hour
        self._made = AddressBuckets(per_address / IDENTITY_WINDOW, min(10, per_address))

    def __len__(self) -> int:
        return len(self._by_hash)

    async def load(self) -> None:
        since = 0
        while True:
            cmd = get_states({"kind": "player"}, since_rev=since, latest_only=True, limit=500)
            await self._engine.do(cmd)
            assert cmd.result is not None
            for state in cmd.result.states:
                self._remember(state)
                since = state.rev
            if not cmd.result.more:
                return

    async def _lookup(self, digest: str) -> tuple[Player, StateCtx] | None:
        """A player made on another server of a shared store, not seen here yet."""
        ctx = StateCtx.new("lookup")
        try:
            await self._engine.do(get_state_by_labels(ctx, {"kind": "player", "token": digest}))
        except NotFoundError:
            return None
        return self._remember(ctx.committed)

    def _remember(self, state: State) -> tuple[Player, StateCtx]:
        found = (Player(state.id.removeprefix("player:"), state.annotation("name")),
                 StateCtx.from_state(state))
        self._by_hash[state.labels["token"]] = found
        return found

    def follow_kind(self) -> Kind:
        """Players made or renamed on another server of a shared store."""
        return Kind("player", self._foreign, self._adopt, self.load)

    def _foreign(self, state: State) -> bool:
        known = self._by_hash.get(state.labels.get("token", ""))
        return known is None or state.rev > known[1].committed.rev

    async def _adopt(self, state: State) -> None:
        if self._foreign(state):
            self._remember(state)

    def _check_new(self, address: str) -> None:
        """Refuse a new identity over the total cap or the address's hourly cap."""
        if self.maximum and len(self._by_hash) >= self.maximum:
            raise TooMany("max_identities", self.maximum,
                          f"the server holds its maximum of {self.maximum} identities; say "
                          "hello with the token you have")
        if not self.per_address or self._now is None:
            return
        if not self._made.take(address, self._now()):
            raise TooMany("identities_per_address", self.per_address,
                          f"at most {self.per_address} new identities per hour (10 at once) "
                          "from one address; say hello with the token you have")

    async def hello(self, token: str | None, name: str | None,
                    address: str = "") -> tuple[Player, str]:
        """The player for `token` (renamed if `name` is given), or a new guest without one
        (`address`, the socket's peer, counts against the caps on new identities)."""
        clean = None if name is None else clean_name(name, self._max_name)
        if token is not None:
            found = self._by_hash.get(token_hash(token))
            if found is None:
                found = await self._lookup(token_hash(token))
            if found is None:
                raise Unauthorized("unknown token: say hello without one to get a new identity")
            player, ctx = found
            if clean is not None and clean != player.name:
                player = Player(player.id, clean)
                ctx.current.annotations["name"] = clean
                await self._engine.do(commit(park(ctx)))
                self._by_hash[token_hash(token)] = (player, ctx)
            return player, token
        self._check_new(address)
        token = secrets.token_urlsafe(24)
        player_id = "p" + secrets.token_hex(6)
        player = Player(player_id, clean or f"Guest {player_id[1:5]}")
        digest = token_hash(token)
        ctx = StateCtx.new("player:" + player_id, labels={"kind": "player", "token": digest},
                           annotations={"name": player.name})
        async with self.turns:  # many sockets saying hello at once: one per loop turn
            await self._engine.do(commit(park(ctx)))
        self._by_hash[digest] = (player, ctx)
        return player, token
