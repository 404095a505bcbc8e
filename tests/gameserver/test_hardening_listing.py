"""`GET /api/games` and the `lobby` frame come a page at a time, with counts and a cursor;
finished games are listed newest first with their result and when they finished."""

from __future__ import annotations

from typing import Any

import httpx2 as httpx
import pytest

from flowstate.testing import FakeClock
from gameserver.testing import GameClient, ProtocolError, RunningServer, serve
from tests.gameserver.helpers import memory_settings, start_game


async def get(server: RunningServer, query: str) -> tuple[int, Any]:
    async with httpx.AsyncClient(base_url=server.url) as http:
        response = await http.get("/api/games" + query)
    return response.status_code, response.json()


async def open_games(client: GameClient, fake_clock: FakeClock, n: int) -> list[str]:
    ids = []
    for _ in range(n):
        ids.append((await client.request("create", size=9))["game_id"])
        await fake_clock.advance(1)  # distinct created_at: the order is plain to see
    return ids


async def test_open_games_page_by_cursor_oldest_first(fake_clock: FakeClock) -> None:
    """Five open games in pages of two: every game once, in creation order, with the total."""
    async with serve(memory_settings(), clock=fake_clock) as server:
        alice = await server.client("Alice")
        ids = await open_games(alice, fake_clock, 5)
        seen: list[str] = []
        cursor = ""
        pages = 0
        while True:
            status, body = await get(server, f"?phase=open&limit=2&cursor={cursor}")
            assert status == 200 and body["total"] == 5
            seen += [g["id"] for g in body["games"]]
            pages += 1
            if body["next"] is None:
                break
            cursor = body["next"]
        assert (seen, pages) == (ids, 3)


async def test_a_game_ending_between_pages_neither_repeats_nor_skips(
        fake_clock: FakeClock) -> None:
    """The cursor is the last game's key, not an offset: a game that leaves the list before
    the next page is read does not shift the others."""
    async with serve(memory_settings(), clock=fake_clock) as server:
        alice = await server.client("Alice")
        ids = await open_games(alice, fake_clock, 4)
        _, first = await get(server, "?phase=open&limit=2")
        bob = await server.client("Bob")
        await bob.request("join", game_id=ids[0])
        _, second = await get(server, f"?phase=open&limit=2&cursor={first['next']}")
        assert [g["id"] for g in second["games"]] == ids[2:]
        assert second["total"] == 3 and second["next"] is None


async def test_no_phase_lists_unfinished_games_and_playing_filters(
        fake_clock: FakeClock) -> None:
    """Without `phase`: open and running games (today's meaning); `playing` only those
    being played."""
    async with serve(memory_settings(), clock=fake_clock) as server:
        _alice, _bob, playing = await start_game(server)
        carol = await server.client("Carol")
        waiting = (await carol.request("create", size=9))["game_id"]
        _, everything = await get(server, "")
        assert sorted(g["id"] for g in everything["games"]) == sorted([playing, waiting])
        assert everything["total"] == 2 and everything["next"] is None
        _, running = await get(server, "?phase=playing&game=go")
        assert [g["id"] for g in running["games"]] == [playing]


async def test_finished_games_newest_first_with_result_and_finished_at(
        fake_clock: FakeClock) -> None:
    """Three resigned games: newest first, each with `result` and `finished_at`, paged."""
    async with serve(memory_settings(), clock=fake_clock) as server:
        finished = []
        for _ in range(3):
            alice, _bob, game_id = await start_game(server)
            await alice.request("resign", game_id=game_id)
            finished.append((game_id, fake_clock.now()))
            await fake_clock.advance(5)
        status, body = await get(server, "?phase=finished&limit=2")
        assert status == 200 and body["total"] == 3
        assert [(g["id"], g["finished_at"], g["result"]) for g in body["games"]] == [
            (finished[2][0], finished[2][1], "W+R"), (finished[1][0], finished[1][1], "W+R")]
        _, rest = await get(server, f"?phase=finished&limit=2&cursor={body['next']}")
        assert [g["id"] for g in rest["games"]] == [finished[0][0]]
        assert rest["next"] is None and rest["games"][0]["phase"] == "finished"


async def test_bad_queries_get_bad_request(game_server: RunningServer) -> None:
    """A phase, game, limit or cursor the server does not know: 400 `bad_request`."""
    for query in ("?phase=over", "?game=chess", "?limit=0", "?limit=201", "?limit=x",
                  "?cursor=nonsense", "?cursor=WzFd"):
        status, body = await get(game_server, query)
        assert (status, body["code"]) == (400, "bad_request"), query


async def test_the_lobby_frame_holds_the_first_page_and_the_count(
        fake_clock: FakeClock) -> None:
    """`lobby` holds at most `lobby_page` games, the total and the cursor of the rest; the
    cursor reads on over HTTP."""
    async with serve(memory_settings(lobby_page=2), clock=fake_clock) as server:
        alice = await server.client("Alice")
        ids = await open_games(alice, fake_clock, 3)
        watcher = await server.client("Watcher")
        await watcher.request("lobby_subscribe")
        lobby = await watcher.next_push("lobby")
        assert [g["id"] for g in lobby["games"]] == ids[:2]
        assert lobby["total"] == 3
        _, rest = await get(server, f"?phase=open&cursor={lobby['next']}")
        assert [g["id"] for g in rest["games"]] == ids[2:]


async def test_the_json_api_is_rate_limited_per_address() -> None:
    """Past the burst an address gets 429 `rate_limited` until its bucket refills."""
    net = FakeClock()
    settings = memory_settings(api_requests_per_second=1.0, api_request_burst=2.0)
    async with serve(settings, clock=FakeClock(), net_clock=net) as server:
        assert [(await get(server, ""))[0] for _ in range(3)] == [200, 200, 429]
        async with httpx.AsyncClient(base_url=server.url) as http:
            refused = await http.get("/api/games/nope")
        assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"
        await net.advance(1)
        assert (await get(server, "?phase=finished"))[0] == 200


async def test_a_refused_api_request_is_answered_before_routing() -> None:
    """The 429 is ready-made (the message, `Retry-After`, the security headers) and never
    reaches a handler: a flood of refused requests builds no page."""
    net = FakeClock()
    settings = memory_settings(api_requests_per_second=1.0, api_request_burst=1.0)
    async with serve(settings, clock=FakeClock(), net_clock=net) as server:
        assert (await get(server, "?phase=open"))[0] == 200
        answers = server.runtime.api_answers
        made = answers.made
        async with httpx.AsyncClient(base_url=server.url) as http:
            refused = [await http.get("/api/games?phase=open&limit=7") for _ in range(3)]
        assert {r.status_code for r in refused} == {429}
        assert refused[0].json() == {"code": "rate_limited", "message": "at most 1 API "
                                     "requests per second from one address"}
        assert refused[0].headers["retry-after"] == "1"
        assert refused[0].headers["x-content-type-options"] == "nosniff"
        assert refused[2].headers.get_list("x-frame-options") == ["DENY"]  # not piling up
        assert answers.made == made
        async with httpx.AsyncClient(base_url=server.url) as http:
            assert (await http.get("/api/nodes")).status_code == 200  # not the games API


async def test_the_same_open_page_is_built_once_until_a_game_changes(
        fake_clock: FakeClock) -> None:
    """Asking for the open games again and again reads one encoded page; a new game, or one
    leaving the lobby, makes the next answer new."""
    async with serve(memory_settings(), clock=fake_clock) as server:
        alice = await server.client("Alice")
        ids = await open_games(alice, fake_clock, 2)
        answers = server.runtime.api_answers
        made = answers.made
        bodies = [await get(server, "?phase=open") for _ in range(5)]
        assert answers.made == made + 1 and all(b == bodies[0] for b in bodies)
        assert [g["id"] for g in bodies[0][1]["games"]] == ids
        ids += await open_games(alice, fake_clock, 1)
        _, body = await get(server, "?phase=open")
        assert [g["id"] for g in body["games"]] == ids
        bob = await server.client("Bob")
        await bob.request("join", game_id=ids[0])
        _, body = await get(server, "?phase=open")
        assert [g["id"] for g in body["games"]] == ids[1:] and body["total"] == 2
        _, playing = await get(server, "?phase=playing")
        assert [g["id"] for g in playing["games"]] == ids[:1]


async def test_the_lobby_frame_is_encoded_once_for_many_subscribers(
        fake_clock: FakeClock) -> None:
    """Sockets subscribing while the open games stay as they are get the same frame; after a
    change a subscriber sees the change."""
    async with serve(memory_settings(), clock=fake_clock) as server:
        alice = await server.client("Alice")
        ids = await open_games(alice, fake_clock, 2)
        watchers = [await server.client(f"W{i}") for i in range(3)]
        for watcher in watchers:
            await watcher.request("lobby_subscribe")
        lobbies = [await watcher.next_push("lobby") for watcher in watchers]
        assert all(lobby == lobbies[0] for lobby in lobbies)
        assert [g["id"] for g in lobbies[0]["games"]] == ids
        ids += await open_games(alice, fake_clock, 1)
        late = await server.client("Late")
        await late.request("lobby_subscribe")
        assert [g["id"] for g in (await late.next_push("lobby"))["games"]] == ids


async def test_lobby_subscribe_costs_five_messages() -> None:
    """A lobby page is a big frame: a socket asking for it over and over runs out of rate
    limit five times sooner than one sending pings."""
    clock = FakeClock()
    settings = memory_settings(messages_per_second=1.0, message_burst=11.0)
    async with serve(settings, clock=clock) as server:
        watcher = await server.client("Watcher")  # hello: 1 of 11
        await watcher.request("lobby_subscribe")  # 5
        await watcher.request("lobby_subscribe")  # 5
        with pytest.raises(ProtocolError) as refused:
            await watcher.request("lobby_subscribe")
        assert refused.value.code == "rate_limited"
        await clock.advance(5)
        await watcher.request("lobby_subscribe")


async def test_the_game_filter_counts_and_pages_one_kind(fake_clock: FakeClock) -> None:
    """`game=` keeps one kind, in the page and in `total`, finished or not."""
    async with serve(memory_settings(bot="builtin"), clock=fake_clock) as server:
        alice = await server.client("Alice")
        go = (await alice.request("create", size=9, opponent="bot"))["game_id"]
        four = (await alice.request("create", game="connect_four", opponent="bot"))["game_id"]
        await fake_clock.advance(1)
        waiting = (await alice.request("create", game="connect_four"))["game_id"]
        for game_id in (go, four):
            await alice.request("resign", game_id=game_id)
        _, finished = await get(server, "?phase=finished&game=connect_four")
        assert [g["id"] for g in finished["games"]] == [four] and finished["total"] == 1
        _, go_games = await get(server, "?phase=finished&game=go")
        assert [g["id"] for g in go_games["games"]] == [go]
        _, both = await get(server, "?phase=finished")
        assert both["total"] == 2
        _, open_four = await get(server, "?phase=open&game=connect_four")
        assert [g["id"] for g in open_four["games"]] == [waiting]
