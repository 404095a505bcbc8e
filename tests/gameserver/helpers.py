"""Shared steps for the server tests."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from gameserver.settings import Settings
from gameserver.testing import GameClient, RunningServer

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def server_process(port: int, db: Path,
                         *args: str) -> AsyncIterator[asyncio.subprocess.Process]:
    """`python -m gameserver` on `port` and the SQLite file `db` (plus `args`), started and
    ready; killed (SIGKILL) at the end if the test has not stopped it."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "gameserver", "--port", str(port), "--db", str(db),
        "--log-level", "info", *args,
        cwd=ROOT, stderr=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.DEVNULL)
    assert proc.stderr is not None
    async with asyncio.timeout(30):
        while b"Uvicorn running on" not in (line := await proc.stderr.readline()):
            assert line, "the server exited before it started"
    drain = asyncio.create_task(proc.stderr.read())  # keep the pipe from filling up
    try:
        yield proc
    finally:
        if proc.returncode is None:
            proc.kill()
        await proc.wait()
        await drain


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
