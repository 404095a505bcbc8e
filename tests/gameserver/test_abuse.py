"""Abuse closes the socket with a clear code; a client that stops reading is cut off alone."""

from __future__ import annotations

import asyncio
import contextlib
import socket

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from flowstate.testing import FakeClock
from gameserver.testing import GameClient, RunningServer, serve
from tests.gameserver.helpers import memory_settings, play, start_game


async def closed_with(client: GameClient) -> tuple[int | None, str | None]:
    await client.closed
    return client.ws.close_code, client.ws.close_reason


async def test_oversize_frame_closes_with_1009(game_server: RunningServer) -> None:
    """A frame over 64 KiB closes the socket with 1009."""
    client = await game_server.client("Big")
    await client.send_raw('{"type":"chat","game_id":"g","text":"' + "x" * 70_000 + '"}')
    code, _ = await closed_with(client)
    assert code == 1009
    other = await game_server.client("Fine")  # the server carries on
    await other.request("ping")


async def test_app_checks_the_frame_size_too(fake_clock: FakeClock) -> None:
    """Behind a server configured with a larger limit, the app itself closes with 1009."""
    async with serve(memory_settings(max_frame_bytes=1000), clock=fake_clock) as server:
        client = await server.connect(max_size=None)
        await client.send_raw('{"type":"ping","pad":"' + "é" * 600 + '"}')
        code, _ = await closed_with(client)
        assert code == 1009


async def test_flood_closes_with_1008(fake_clock: FakeClock) -> None:
    """Refused messages in a row beyond the strike limit close the socket: 1008 flood."""
    settings = memory_settings(messages_per_second=1, message_burst=2, flood_strikes=5)
    async with serve(settings, clock=fake_clock) as server:
        client = await server.connect()
        for t in range(10):
            try:
                await client.send_raw(f'{{"type":"ping","t":{t}}}')
            except ConnectionClosed:
                break
        code, reason = await closed_with(client)
        assert (code, reason) == (1008, "flood: too many messages per second")
        assert len(client.pending("pong")) == 2
        assert len(client.pending("error")) == 4
        assert server.runtime.metrics.abuse_closes == 1


async def test_a_client_that_stops_reading_is_cut_off(fake_clock: FakeClock) -> None:
    """Pushes pile up for a non-reading spectator until its unsent output passes the buffer
    limit; it is dropped and the players never wait for it."""
    settings = memory_settings(send_buffer_bytes=64 * 1024, message_burst=10_000,
                               max_chat_length=4000)
    async with serve(settings, clock=fake_clock) as server:
        alice, bob, gid = await start_game(server)
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect(("127.0.0.1", server.port))
        lazy = await connect(server.ws_url, sock=sock, max_queue=1, compression=None)
        await lazy.send('{"type":"hello","name":"Lazy"}')
        await lazy.send(f'{{"type":"watch","game_id":"{gid}"}}')
        await alice.request("ping")  # let the server take the watch
        runtime = server.runtime
        assert len(runtime.sockets.connections) == 3
        rev = 2
        text = "z" * 4000
        for _ in range(5000):
            await alice.request("chat", game_id=gid, text=text)
            if len(runtime.sockets.connections) == 2:
                break
        assert len(runtime.sockets.connections) == 2
        assert runtime.metrics.slow_consumers_cut == 1
        hub = runtime.matches.hubs[gid]
        assert len(hub.watchers) == 2
        await play(alice, [bob], gid, rev, 4, 4)  # the game goes on at once
        lazy.transport.abort()


@pytest.mark.parametrize("frame", ["[]", '{"type":"move","game_id":"g","rev":-1,"x":0,"y":0}'])
async def test_hostile_frames_change_nothing(game_server: RunningServer, frame: str) -> None:
    """Rejected frames leave the game exactly as it was."""
    alice, _bob, gid = await start_game(game_server)
    before = game_server.runtime.matches.hubs[gid].match
    await alice.send_raw(frame.replace('"g"', f'"{gid}"'))
    assert (await alice.next_push("error"))["code"] == "bad_request"
    assert game_server.runtime.matches.hubs[gid].match is before


async def test_quiet_sockets_are_pinged_and_dropped_without_a_pong(
        fake_clock: FakeClock) -> None:
    """After `ws_ping_interval` of silence a socket gets a ping; one that answers stays, one
    that does not answer within `ws_ping_timeout` is dropped (the keepalive runs on its own
    injected clock)."""
    net = FakeClock()
    async with serve(memory_settings(ws_ping_interval=20, ws_ping_timeout=10),
                     clock=fake_clock, net_clock=net) as server:
        polite = await server.client("Polite")  # websockets answers pings by itself
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                     b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     b"Sec-WebSocket-Version: 13\r\n\r\n")
        assert (await reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 101")
        sockets = server.runtime.sockets
        assert len(sockets.connections) == 2
        await net.advance(20)
        ping = await reader.readexactly(2)
        assert ping[0] == 0x89  # a ping frame, unanswered
        await reader.readexactly(ping[1] & 0x7F)
        await polite.request("ping")  # its pong has come back by now
        await net.advance(10)
        with contextlib.suppress(ConnectionResetError):
            assert await reader.read() == b""  # dropped
        await polite.request("ping")  # the dropped socket's clean-up has run meanwhile
        assert len(sockets.connections) == 1
        writer.close()


async def test_text_that_is_not_utf8_closes_with_1007(game_server: RunningServer) -> None:
    """A text frame holding invalid UTF-8 breaks the websocket protocol: closed with 1007;
    a binary frame is only refused (`bad_request`) and the socket stays."""
    client = await game_server.client("Bytes")
    await client.send_raw(b'{"type":"ping"}')  # bytes: a binary frame
    assert (await client.next_push("error"))["code"] == "bad_request"
    await client.request("ping")
    raw = await game_server.connect()
    await raw.ws.send(b'{"type":"ping","t":"\xff"}', text=True)
    await raw.closed
    assert raw.ws.close_code == 1007
