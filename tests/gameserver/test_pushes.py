"""Every push reaches every watching socket exactly once, in rev order: over the real server
(a change in how uvicorn hands us sockets, or in how frames are written, shows up here as a
lost or duplicated update), and for versions this process did not write."""

from __future__ import annotations

import asyncio
import random
from typing import Any

from flowstate import StateCtx, commit, park
from gameserver.core.match import bump
from gameserver.core.record import to_record
from gameserver.live.matches import NOTE, RECORD, REV
from gameserver.testing import GameClient, RunningServer, serve
from tests.gameserver.helpers import memory_settings, start_game

GAMES = 12
MOVES = 40


async def test_every_socket_gets_every_update_once_in_order() -> None:
    """Twelve games played at once, each with two players and a spectator on its own socket:
    every socket receives each rev after the join exactly once, in increasing order, and the
    same bytes as the other sockets of that game."""
    # 36 identities and 12 games from one address at once: past the per-address caps
    settings = memory_settings(message_burst=10_000, identities_per_address=0,
                               games_per_address_per_minute=0)
    async with serve(settings) as server:
        games = []
        for _ in range(GAMES):
            alice, bob, gid = await start_game(server)
            spectator = await server.client("Sam")
            await spectator.request("watch", game_id=gid)
            await spectator.next_push("game")
            games.append((alice, bob, spectator, gid))

        async def take(client: GameClient, gid: str) -> tuple[int, Any, Any]:
            update = await client.next_push("update", game_id=gid)
            return update["rev"], update["event"], update["game"]["board"]

        async def play(alice: GameClient, bob: GameClient, gid: str, seed: int) -> list[Any]:
            rng = random.Random(seed)
            top = [(x, y) for y in range(4) for x in range(9)]  # black's half, then white's:
            rng.shuffle(top)  # no stone is ever captured
            seen: list[Any] = []
            for n in range(MOVES):
                x, y = top[n // 2]
                if n % 2:
                    y = 8 - y
                mover, other = (alice, bob) if n % 2 == 0 else (bob, alice)
                for _ in range(rng.randrange(4)):  # let the games interleave differently
                    await asyncio.sleep(0)
                await mover.request("move", game_id=gid, rev=2 + n, x=x, y=y)
                got = await take(mover, gid)
                assert await take(other, gid) == got
                seen.append(got)
            return seen

        played = await asyncio.gather(*(play(a, b, gid, i)
                                        for i, (a, b, _, gid) in enumerate(games)))
        for (alice, bob, spectator, gid), seen in zip(games, played, strict=True):
            assert [rev for rev, _, _ in seen] == list(range(3, 3 + MOVES))
            assert [await take(spectator, gid) for _ in range(MOVES)] == seen
            for client in (alice, bob, spectator):
                await client.request("ping")  # frames sent before the pong are in by now
                assert client.pending("update") == [], "an update came twice"


async def test_a_version_another_writer_committed_reaches_each_watcher_once(
        game_server: RunningServer) -> None:
    """A game version committed around the server's own path, saying what happened (its
    note), is adopted: every watcher gets one `update` with that event, and the next command
    is judged against it."""
    alice, bob, gid = await start_game(game_server)
    runtime = game_server.runtime
    hub = runtime.matches.hubs[gid]
    foreign = bump(hub.match)
    ctx = StateCtx.from_state(hub.ctx.committed)
    ctx.current.annotations = {RECORD: to_record(foreign), REV: str(foreign.rev),
                               NOTE: '[1700000000.5,{"kind":"poked"}]'}
    await runtime.engine.do(commit(park(ctx)))
    for client in (alice, bob):
        update = await client.next_push("update", rev=3)
        assert update["event"] == {"kind": "poked"}
    await alice.request("ping")  # a round trip: nothing else was sent meanwhile
    assert alice.pending("update") == [] and alice.pending("game") == []
    await alice.request("move", game_id=gid, rev=3, x=0, y=0)
    assert (await bob.next_push("update", rev=4))["event"]["kind"] == "move"
    assert runtime.matches.hubs[gid].match.rev == 4
    assert runtime.matches.adopted == 1


async def test_own_commits_never_reach_the_adopting_watcher(
        game_server: RunningServer) -> None:
    """The server publishes its own commits itself: the watcher that adopts other writers'
    versions filters them out before they are buffered, so it adopts nothing."""
    alice, bob, gid = await start_game(game_server)
    matches = game_server.runtime.matches
    for n in range(6):
        mover, other = (alice, bob) if n % 2 == 0 else (bob, alice)
        await mover.request("move", game_id=gid, rev=2 + n, x=n, y=0)
        await other.next_push("update", rev=3 + n)
    await alice.request("ping")
    assert matches.adopted == 0
