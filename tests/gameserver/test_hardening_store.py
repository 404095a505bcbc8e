"""When the store cannot write (a full disk: SQLite refuses to grow the file), players'
changes are refused with `unavailable` instead of being acknowledged and lost; once the disk
has room again play goes on, and nothing acknowledged is missing after a restart."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowstate import MemoryDriver
from flowstate.sqlite import SqliteSnapshots
from flowstate.sqlite_schema import SnapshotWriteError
from flowstate.testing import FakeClock
from gameserver.settings import Settings
from gameserver.testing import GameClient, ProtocolError, serve
from tests.gameserver.helpers import play, start_game


class Disk(SqliteSnapshots):
    """The real SQLite snapshot writer, on a disk that can be filled: SQLite's own page limit
    makes every write that grows the file fail with SQLITE_FULL, as a full disk does."""

    async def fill(self) -> None:
        assert self._db is not None
        await self._db.execute("PRAGMA max_page_count = 1")  # clamps to the current size

    async def free(self) -> None:
        assert self._db is not None
        await self._db.execute("PRAGMA max_page_count = 1073741823")


def driver_on(path: Path, durability: str) -> tuple[MemoryDriver, Disk]:
    disk = Disk(str(path), durability=durability, retry_initial=3600, retry_max=3600)
    return MemoryDriver(snapshots=disk), disk


async def until_a_flush_fails(disk: Disk, client: GameClient, game_id: str) -> None:
    """Chat (acknowledged at memory speed) until a flush meets the full disk."""
    for i in range(200):
        await client.request("chat", game_id=game_id, text=f"{i} " + "x" * 400)
        try:
            await disk.flush()
        except SnapshotWriteError as error:
            assert error.problem == "disk full"
            return
    raise AssertionError("the disk never filled")


async def refused(client: GameClient, type: str, **fields: object) -> str:
    with pytest.raises(ProtocolError) as caught:
        await client.request(type, **fields)
    return caught.value.code


async def test_default_durability_refuses_moves_once_a_write_failed(tmp_path: Path) -> None:
    """Write-behind: the first failed flush makes the store unhealthy; from then on moves,
    new games and joins get `unavailable` and change nothing, until a flush succeeds."""
    clock = FakeClock()
    path = tmp_path / "games.sqlite3"
    driver, disk = driver_on(path, "default")
    settings = Settings(db=str(path), loop="none")
    async with serve(settings, clock=clock, driver=driver) as server:
        alice, bob, game_id = await start_game(server)
        await play(alice, [bob], game_id, 2, 2, 2)
        await disk.fill()
        await until_a_flush_fails(disk, alice, game_id)
        rev = server.runtime.matches.hub(game_id).match.rev
        assert await refused(bob, "move", game_id=game_id, rev=rev, x=3, y=3) == "unavailable"
        assert await refused(bob, "create", size=9) == "unavailable"
        assert server.runtime.matches.hub(game_id).match.rev == rev
        await disk.free()
        await disk.flush()
        await play(bob, [alice], game_id, rev, 3, 3)
        tokens = alice.token, bob.token
    async with serve(settings, clock=clock) as server:  # the same file, a fresh driver
        alice = await server.client(token=tokens[0])
        game = (await alice.next_push("game"))["game"]
        assert [(m["x"], m["y"]) for m in game["moves"]] == [(2, 2), (3, 3)]


async def test_strict_durability_does_not_acknowledge_a_move_the_disk_refused(
        tmp_path: Path) -> None:
    """Strict: the move whose write fails gets `unavailable` (it is not acknowledged); the
    next one is refused at once; with room again the game goes on."""
    clock = FakeClock()
    path = tmp_path / "games.sqlite3"
    driver, disk = driver_on(path, "strict")
    settings = Settings(db=str(path), loop="none", durability="strict")
    async with serve(settings, clock=clock, driver=driver) as server:
        alice, bob, game_id = await start_game(server)
        await disk.fill()
        big = {"text": "y" * 450}
        codes = set()
        for _ in range(100):  # the chat fills the file until a write fails
            try:
                await alice.request("chat", game_id=game_id, **big)
            except ProtocolError as error:
                codes.add(error.code)
                break
        assert codes == {"unavailable"} and not disk.healthy
        rev = server.runtime.matches.hub(game_id).match.rev
        assert await refused(alice, "move", game_id=game_id, rev=rev, x=2, y=2) == \
            "unavailable"
        assert server.runtime.matches.hub(game_id).match.rev == rev
        await disk.free()
        await disk.flush()
        await play(alice, [bob], game_id, rev, 2, 2)
