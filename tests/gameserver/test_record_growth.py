"""The stored record grows by what a move adds: bytes written are linear in the moves, and a
long game, sealed into chunks, comes back exactly after a restart."""

from __future__ import annotations

from pathlib import Path

from flowstate import Engine, get_states
from flowstate.testing import FakeClock
from gameserver.core.match import CHUNK_ACTIONS, snapshot_view
from gameserver.core.timecontrol import TimeControl
from gameserver.live.identity import Player
from gameserver.live.matches import Hub, Matches
from gameserver.live.runtime import Runtime
from gameserver.settings import Settings
from gameserver.wire import requests as c

SIZE = 19


def point(color: str, n: int) -> tuple[int, int]:
    """Black fills the top rows, White the bottom ones: nothing is ever captured."""
    x, row = n % SIZE, n // SIZE
    return (x, row) if color == "black" else (x, SIZE - 1 - row)


async def new_game(matches: Matches, control: TimeControl = c.UNTIMED) -> Hub:
    black, white = Player("pb", "Black"), Player("pw", "White")
    hub = await matches.create(black, c.Create(None, "go", {"size": SIZE}, control, "black"),
                               None)
    await matches.join(white, hub.match.id, None)
    return hub


async def play(matches: Matches, hub: Hub, moves: int, clock: FakeClock | None = None) -> None:
    for n in range(hub.match.action_count, hub.match.action_count + moves):
        color = "black" if n % 2 == 0 else "white"
        if clock is not None:
            await clock.advance(1.5)
        x, y = point(color, n // 2)
        player = Player("pb" if color == "black" else "pw", "")
        await matches.command(player, c.Move(None, hub.match.id, hub.match.rev, x, y), 0.0)


async def bytes_written(engine: Engine) -> int:
    """Annotation bytes of every version of every game and chunk state in the log."""
    total, since = 0, 0
    while True:
        cmd = get_states([{"kind": "game"}, {"kind": "gamelog"}], since_rev=since, limit=500)
        await engine.do(cmd)
        assert cmd.result is not None
        for state in cmd.result.states:
            total += sum(len(k) + len(v) for k, v in state.annotations.items())
            since = state.rev
        if not cmd.result.more:
            return total


async def written_for(moves: int) -> int:
    async with Runtime.running(Settings(db=":memory:"), clock=FakeClock()) as rt:
        await play(rt.matches, await new_game(rt.matches), moves)
        return await bytes_written(rt.engine)


async def test_bytes_written_grow_linearly_with_the_moves() -> None:
    """Five times the moves write about five times the bytes (a record rewritten whole on
    every commit would write about 25 times as many), and a move costs under 1.5 KB."""
    short, long = await written_for(64), await written_for(320)
    assert long < 5.6 * short, (short, long)
    assert long / 320 < 1500, long


async def test_a_long_game_sealed_into_chunks_restarts_exactly(tmp_path: Path) -> None:
    """A timed 19x19 game of 150 moves (four chunks and a tail) stops and starts again on its
    SQLite file: the same board, moves, clocks and rev, and play goes on."""
    settings = Settings(db=str(tmp_path / "games.sqlite3"))
    clock = FakeClock()
    control = TimeControl.from_dict({"system": "byoyomi", "main": 60, "periods": 3,
                                     "period": 10})
    async with Runtime.running(settings, clock=clock) as rt:
        hub = await new_game(rt.matches, control)
        await play(rt.matches, hub, 150, clock)
        assert len(hub.match.log) == 150 // CHUNK_ACTIONS
        before = snapshot_view(hub.match, hub.rules, clock.now())
        game_id = hub.match.id
    async with Runtime.running(settings, clock=clock) as rt:
        hub = rt.matches.hubs[game_id]
        after = snapshot_view(hub.match, hub.rules, clock.now())
        assert after == before
        await play(rt.matches, hub, 2, clock)
        assert hub.match.action_count == 152
