"""Shared steps for the server tests."""

from __future__ import annotations

from typing import Any

from gameserver.settings import Settings
from gameserver.testing import GameClient, RunningServer


async def start_game(server: RunningServer, **options: Any) -> tuple[GameClient, GameClient, str]:
    """Alice (black) creates a 9x9 game, Bob (white) joins; both have seen rev 2."""
    alice = await server.client("Alice")
    bob = await server.client("Bob")
    options = {"size": 9, "komi": 6.5, "color": "black", **options}
    game_id = (await alice.request("create", **options))["game_id"]
    await alice.next_push("game")
    await bob.request("join", game_id=game_id)
    await bob.next_push("game")
    await bob.next_push("update", rev=2)
    await alice.next_push("update", rev=2)
    return alice, bob, game_id


async def play(client: GameClient, others: list[GameClient], game_id: str, rev: int,
               x: int | None = None, y: int | None = None) -> dict[str, Any]:
    """One move (or pass when x is None) at `rev`; returns the update everyone got."""
    if x is None:
        await client.request("pass", game_id=game_id, rev=rev)
    else:
        await client.request("move", game_id=game_id, rev=rev, x=x, y=y)
    update = await client.next_push("update", rev=rev + 1)
    for other in others:
        assert await other.next_push("update", rev=rev + 1) == update
    return update


def memory_settings(**overrides: Any) -> Settings:
    """Settings for a test server that keeps nothing on disk."""
    return Settings(db=":memory:", loop="none", **overrides)
