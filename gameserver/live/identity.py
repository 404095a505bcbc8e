"""Identities: a secret token per player, kept as flowstate states so seats survive restarts.

Only a SHA-256 of the token is stored (as a label, so it can be looked up); the token itself is
returned once, in `welcome`, and never appears in any push, list, log or record.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from dataclasses import dataclass

from flowstate import Engine, StateCtx, commit, get_states, park
from gameserver.wire.errors import BadRequest, Unauthorized

NAME_PUNCTUATION = frozenset(" _-.'")


@dataclass(frozen=True, slots=True)
class Player:
    id: str
    name: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def clean_name(name: str, max_length: int) -> str:
    """A display name: letters, digits, space and `_-.'`, at most `max_length` characters."""
    name = unicodedata.normalize("NFC", name).strip()
    if not name:
        raise BadRequest("the name is empty")
    if len(name) > max_length:
        raise BadRequest(f"the name is longer than {max_length} characters")
    for ch in name:
        if not (ch.isalnum() or ch in NAME_PUNCTUATION):
            raise BadRequest(f"the name may only hold letters, digits, spaces and _-.' "
                             f"(not {ch!r})")
    return name


class Identities:
    """Players by token hash, loaded at start; `hello` finds or makes one."""

    def __init__(self, engine: Engine, max_name_length: int) -> None:
        self._engine = engine
        self._max_name = max_name_length
        self._by_hash: dict[str, tuple[Player, StateCtx]] = {}

    def __len__(self) -> int:
        return len(self._by_hash)

    async def load(self) -> None:
        since = 0
        while True:
            cmd = get_states({"kind": "player"}, since_rev=since, latest_only=True, limit=500)
            await self._engine.do(cmd)
            assert cmd.result is not None
            for state in cmd.result.states:
                player = Player(state.id.removeprefix("player:"), state.annotation("name"))
                self._by_hash[state.labels["token"]] = (player, StateCtx.from_state(state))
                since = state.rev
            if not cmd.result.more:
                return

    async def hello(self, token: str | None, name: str | None) -> tuple[Player, str]:
        """The player for `token` (renamed if `name` is given), or a new guest without one."""
        clean = None if name is None else clean_name(name, self._max_name)
        if token is not None:
            found = self._by_hash.get(token_hash(token))
            if found is None:
                raise Unauthorized("unknown token: say hello without one to get a new identity")
            player, ctx = found
            if clean is not None and clean != player.name:
                player = Player(player.id, clean)
                ctx.current.annotations["name"] = clean
                await self._engine.do(commit(park(ctx)))
                self._by_hash[token_hash(token)] = (player, ctx)
            return player, token
        token = secrets.token_urlsafe(24)
        player_id = "p" + secrets.token_hex(6)
        player = Player(player_id, clean or f"Guest {player_id[1:5]}")
        digest = token_hash(token)
        ctx = StateCtx.new("player:" + player_id, labels={"kind": "player", "token": digest},
                           annotations={"name": player.name})
        await self._engine.do(commit(park(ctx)))
        self._by_hash[digest] = (player, ctx)
        return player, token
