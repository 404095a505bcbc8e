"""Every error code of the protocol, each answered with its code and sentence, changing nothing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
import pytest

from flowstate.testing import FakeClock
from gameserver.games.go.rules import GoRules
from gameserver.testing import GameClient, ProtocolError, RunningServer, serve
from tests.gameserver.helpers import memory_settings, play, start_game


async def error_of(client: GameClient, type: str, **fields: Any) -> ProtocolError:
    with pytest.raises(ProtocolError) as info:
        await client.request(type, **fields)
    return info.value


async def test_bad_request_and_unknown_type(game_server: RunningServer) -> None:
    """Malformed JSON and unknown types get errors; the socket stays open."""
    client = await game_server.connect()
    await client.send_raw("{nope")
    error = await client.next_push("error")
    assert error == {"type": "error", "id": None, "code": "bad_request",
                     "message": "the frame is not valid JSON"}
    await client.send_raw(b'{"type": "hello"}')
    error = await client.next_push("error")
    assert error["message"] == "frames must be text frames holding JSON"
    assert (await error_of(client, "teleport")).code == "unknown_type"
    assert (await error_of(client, "hello", name="")).message == "the name is empty"
    assert (await error_of(client, "hello", name="<script>")).code == "bad_request"
    assert (await error_of(client, "hello", name="x" * 33)).message == (
        "the name is longer than 32 characters")
    welcome = await client.request("hello", name="Zoë O'Neil")
    assert welcome["name"] == "Zoë O'Neil"


async def test_unauthorized_before_hello_and_with_a_bad_token(game_server: RunningServer) -> None:
    """Commands before hello, and hello with an unknown token, are unauthorized."""
    client = await game_server.connect()
    error = await error_of(client, "create", size=9)
    assert (error.code, error.message) == ("unauthorized", "say hello first")
    error = await error_of(client, "hello", token="not-a-token")
    assert error.code == "unauthorized"
    pong = await client.request("ping", t=5)
    assert pong["t"] == 5 and pong["server_time"] == game_server.clock.now()


async def test_not_found_forbidden_wrong_phase(game_server: RunningServer) -> None:
    """Unknown games, other people's seats, and commands in the wrong phase."""
    alice = await game_server.client("Alice")
    assert (await error_of(alice, "watch", game_id="g000")).code == "not_found"
    assert (await error_of(alice, "join", game_id="g000")).message == "no game 'g000'"
    gid = (await alice.request("create", size=9, color="black"))["game_id"]
    error = await error_of(alice, "move", game_id=gid, rev=1, x=0, y=0)
    assert (error.code, error.message) == ("wrong_phase",
                                           "move is not allowed while the game is waiting")
    assert error.frame["phase"] == "waiting"
    assert (await error_of(alice, "join", game_id=gid)).code == "forbidden"
    bob = await game_server.client("Bob")
    await bob.request("join", game_id=gid)
    carol = await game_server.client("Carol")
    assert (await error_of(carol, "join", game_id=gid)).code == "wrong_phase"
    assert (await error_of(carol, "resign", game_id=gid)).code == "forbidden"
    assert (await error_of(alice, "mark_dead", game_id=gid, x=0, y=0, dead=True)).code == (
        "wrong_phase")
    assert (await error_of(alice, "create", game="chess")).code == "bad_request"
    assert (await error_of(alice, "create", size=30)).message == (
        "field 'size' must be an integer from 5 to 25")
    assert (await error_of(alice, "create", size=9, opponent="cat")).code == "bad_request"


async def test_not_your_turn_illegal_move_stale_rev(game_server: RunningServer) -> None:
    """Turn order, board rules (with a reason) and the rev check."""
    alice, bob, gid = await start_game(game_server)
    error = await error_of(bob, "move", game_id=gid, rev=2, x=0, y=0)
    assert (error.code, error.message) == ("not_your_turn", "it is black's turn, not white's")
    await play(alice, [bob], gid, 2, 4, 4)
    error = await error_of(bob, "move", game_id=gid, rev=3, x=4, y=4)
    assert (error.code, error.frame["reason"]) == ("illegal_move", "occupied")
    assert error.message == "point E5 is occupied"
    error = await error_of(bob, "move", game_id=gid, rev=3, x=9, y=0)
    assert error.frame["reason"] == "off_board"
    error = await error_of(bob, "move", game_id=gid, rev=2, x=0, y=0)
    assert (error.code, error.frame["rev"]) == ("stale_rev", 3)
    assert error.message == "rev 2 is stale: the game is at rev 3"
    await play(bob, [alice], gid, 3, 0, 1)
    await play(alice, [bob], gid, 4, 8, 8)
    await play(bob, [alice], gid, 5, 1, 0)
    error = await error_of(alice, "move", game_id=gid, rev=6, x=0, y=0)
    assert error.frame["reason"] == "suicide"


async def test_ko_is_refused_with_its_reason(game_server: RunningServer) -> None:
    """Retaking a ko at once is illegal_move with reason ko."""
    alice, bob, gid = await start_game(game_server)
    # black: (1,0) (0,1) (1,2); white: (2,0) (3,1) (2,2); black takes at (2,1) after white (1,1)
    rev = 2
    for i, (x, y) in enumerate([(1, 0), (2, 0), (0, 1), (3, 1), (1, 2), (2, 2), (2, 1), (1, 1)]):
        mover, other = (alice, bob) if i % 2 == 0 else (bob, alice)
        await play(mover, [other], gid, rev, x, y)
        rev += 1
    update = await play(alice, [bob], gid, rev, 8, 8)  # a tenuki; white captured at (1,1)
    assert update["game"]["board"][1][2] == "."
    rev += 1
    # now the ko: black may not retake at once after white's capture... set one up directly
    await play(bob, [alice], gid, rev, 7, 7)
    rev += 1
    update = await play(alice, [bob], gid, rev, 2, 1)  # black captures (1,1)
    assert update["game"]["ko"] == {"x": 1, "y": 1}
    rev += 1
    error = await error_of(bob, "move", game_id=gid, rev=rev, x=1, y=1)
    assert (error.code, error.frame["reason"]) == ("illegal_move", "ko")


async def test_rate_limited_then_refilled(fake_clock: FakeClock) -> None:
    """Beyond the burst a message is refused with rate_limited; time refills the bucket."""
    settings = memory_settings(messages_per_second=2, message_burst=3, flood_strikes=10)
    async with serve(settings, clock=fake_clock) as server:
        client = await server.connect()
        for t in range(3):
            await client.request("ping", t=t)
        error = await error_of(client, "ping", t=3)
        assert (error.code, error.message) == ("rate_limited",
                                               "too many messages: at most 2 per second")
        await fake_clock.advance(0.5)
        await client.request("ping", t=4)


class BrokenGo(GoRules):
    """Go whose rules crash on a pass: the server must answer `internal` and carry on."""

    def apply(self, state: Any, seat: str | None, action: Any,
              now: float) -> tuple[Any, Mapping[str, Any]]:
        if type(action).__name__ == "Pass":
            raise RuntimeError("boom")
        return super().apply(state, seat, action, now)


async def test_internal_error_changes_nothing(fake_clock: FakeClock) -> None:
    """An unexpected failure is `internal`; the game stays as it was and the socket open."""
    async with serve(clock=fake_clock, games={"go": BrokenGo()}) as server:
        alice, bob, gid = await start_game(server)
        error = await error_of(alice, "pass", game_id=gid, rev=2)
        assert (error.code, error.message) == ("internal",
                                               "the server failed to handle this message")
        await play(alice, [bob], gid, 2, 3, 3)


async def test_tokens_never_leave_in_pushes_or_lists(game_server: RunningServer) -> None:
    """The token is in `welcome` only: not in any push, list, snapshot or record."""
    alice, bob, gid = await start_game(game_server)
    await play(alice, [bob], gid, 2, 3, 3)
    await bob.request("chat", game_id=gid, text="hi")
    seen = b"".join(orjson.dumps(f) for c in (alice, bob) for f in c.pending())
    import httpx2 as httpx

    async with httpx.AsyncClient(base_url=game_server.url) as http:
        for path in ("/api/games", f"/api/games/{gid}", f"/api/games/{gid}/sgf", "/metrics"):
            seen += (await http.get(path)).content
    for client in (alice, bob):
        assert client.token is not None and client.token.encode() not in seen
