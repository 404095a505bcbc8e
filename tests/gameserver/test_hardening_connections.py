"""The connection gate: a half-sent request head or websocket upgrade is closed after the
head timeout; open connections are capped per address and in total (503, closed)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from flowstate.testing import FakeClock
from gameserver.testing import RunningServer, serve
from tests.gameserver.helpers import memory_settings

WAIT = 5.0  # a bound on real time waiting for a socket the server closes, never a sleep


@contextlib.asynccontextmanager
async def raw(server: RunningServer, source: str = "127.0.0.1") -> AsyncIterator[
        tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port,
                                                   local_addr=(source, 0))
    try:
        yield reader, writer
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


async def answer(reader: asyncio.StreamReader) -> bytes:
    async with asyncio.timeout(WAIT):
        return await reader.read()


async def until_accepted(server: RunningServer, n: int) -> None:
    """Let the loop run (bounded) until the gate counts `n` open connections."""
    gate = server.runtime.sockets.gate
    for _ in range(100_000):
        if gate.total == n:
            return
        await asyncio.sleep(0)  # one loop turn: the server side accepts or closes
    raise AssertionError(f"the gate counts {gate.total} connections, not {n}")


async def test_a_half_sent_request_head_is_closed_after_the_timeout() -> None:
    """Slowloris: a head still incomplete `http_head_timeout` after its first byte is cut
    off; a full request on another connection meanwhile is answered."""
    net = FakeClock()
    settings = memory_settings(http_head_timeout=10.0)
    async with serve(settings, clock=FakeClock(), net_clock=net) as server:
        async with raw(server) as (slow_r, slow_w), raw(server) as (fast_r, fast_w):
            slow_w.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            await until_accepted(server, 2)
            await net.advance(9)
            fast_w.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert (await answer(fast_r)).startswith(b"HTTP/1.1 200")
            await net.advance(2)
            assert await answer(slow_r) == b""
        assert server.runtime.sockets.gate.timed_out == 1


async def test_a_websocket_upgrade_that_never_ends_is_closed_too() -> None:
    """A half-sent upgrade request is a request head like any other; a finished upgrade is
    not timed out by the gate (the socket's keepalive owns it)."""
    net = FakeClock()
    async with serve(memory_settings(http_head_timeout=5.0), clock=FakeClock(),
                     net_clock=net) as server:
        client = await server.client("Alice")
        async with raw(server) as (reader, writer):
            writer.write(b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n")
            await until_accepted(server, 2)
            await net.advance(6)
            assert await answer(reader) == b""
        await client.request("ping")


async def test_connections_per_address_are_capped() -> None:
    """Past `connections_per_address` from one address the next connection gets 503 and is
    closed; another address is still served; a closed connection frees its place."""
    async with serve(memory_settings(connections_per_address=2)) as server:
        client = await server.client("Alice")  # a websocket counts
        async with raw(server) as (_r, _w):
            await until_accepted(server, 2)
            async with raw(server) as (reader, _writer):
                assert (await answer(reader)).startswith(b"HTTP/1.1 503")
            async with raw(server, "127.0.0.2") as (other_r, other_w):
                other_w.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                assert (await answer(other_r)).startswith(b"HTTP/1.1 200")
        await client.close()
        await until_accepted(server, 0)
        await server.client("Bob")
        assert server.runtime.sockets.gate.refused == 1


async def test_connections_in_total_are_capped() -> None:
    """Past `max_connections` nobody else gets in until one leaves."""
    async with serve(memory_settings(max_connections=1)) as server:
        async with raw(server) as (_r, _w):
            await until_accepted(server, 1)
            async with raw(server, "127.0.0.3") as (reader, _writer):
                assert (await answer(reader)).startswith(b"HTTP/1.1 503")
        await until_accepted(server, 0)
        await server.client("Alice")


async def test_an_address_that_flooded_waits_before_it_connects_again() -> None:
    """A socket closed for flooding (1008) bars its address for `flood_cooldown`: its next
    connection gets 503 at once, other addresses do not; after the cooldown it is let in."""
    net = FakeClock()
    settings = memory_settings(messages_per_second=1, message_burst=1, flood_strikes=3,
                               flood_cooldown=10.0)
    async with serve(settings, clock=FakeClock(), net_clock=net) as server:
        flooder = await server.connect()
        with contextlib.suppress(Exception):
            for _ in range(10):
                await flooder.ws.ping()
        await flooder.closed
        assert flooder.ws.close_code == 1008
        async with raw(server) as (reader, _writer):
            assert (await answer(reader)).startswith(b"HTTP/1.1 503")
        async with raw(server, "127.0.0.2") as (other_r, other_w):
            other_w.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert (await answer(other_r)).startswith(b"HTTP/1.1 200")
        await net.advance(10)
        assert (await server.client("Back")).player_id is not None


async def test_new_connections_per_address_are_rate_limited() -> None:
    """An address opens at most four seconds' worth of connections at once; then 503 until
    its bucket refills. Another address is not affected."""
    net = FakeClock()
    settings = memory_settings(connections_per_address_per_second=1.0)
    async with serve(settings, clock=FakeClock(), net_clock=net) as server:
        for _ in range(4):
            async with raw(server) as (reader, writer):
                writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                assert (await answer(reader)).startswith(b"HTTP/1.1 200")
        async with raw(server) as (reader, _writer):
            assert (await answer(reader)).startswith(b"HTTP/1.1 503")
        async with raw(server, "127.0.0.9") as (reader, writer):
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert (await answer(reader)).startswith(b"HTTP/1.1 200")
        await net.advance(1)
        assert (await server.client("Later")).player_id is not None


async def test_a_socket_that_never_says_hello_is_closed() -> None:
    """An upgraded socket with no `hello` within `ws_hello_timeout` is closed with 1008; one
    that said hello stays."""
    net = FakeClock()
    async with serve(memory_settings(ws_hello_timeout=30.0), clock=FakeClock(),
                     net_clock=net) as server:
        silent = await server.connect()
        await silent.request("ping")  # a ping is not a hello
        named = await server.client("Alice")
        await net.advance(31)
        await silent.closed
        assert (silent.ws.close_code, silent.ws.close_reason) == (1008,
                                                                  "say hello within 30 s")
        await named.request("ping")


async def until_read(server: RunningServer, n: int) -> None:
    """Let the loop run (bounded) until the gate has read `n` pieces of first heads."""
    gate = server.runtime.sockets.gate
    for _ in range(100_000):
        if gate.head_reads >= n:
            return
        await asyncio.sleep(0)
    raise AssertionError(f"the gate read {gate.head_reads} pieces of heads, not {n}")


async def test_a_head_in_a_few_pieces_is_answered_once_whole() -> None:
    """The first head is kept until it is whole, then served as if sent at once; a kept-alive
    connection's next request is served too."""
    async with serve(memory_settings(max_head_reads=8)) as server:
        async with raw(server) as (reader, writer):
            for n, piece in enumerate((b"GET /healthz HT", b"TP/1.1\r\nHo", b"st: x\r\n\r")):
                writer.write(piece)
                await until_read(server, n + 1)
            writer.write(b"\nGET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            text = await answer(reader)
        assert text.startswith(b"HTTP/1.1 200") and text.count(b"HTTP/1.1 200") == 2
        assert server.runtime.sockets.gate.oversized == 0


async def test_a_head_trickled_in_too_many_pieces_gets_431() -> None:
    """A head still not whole after `max_head_reads` pieces (header lines trickled one by
    one) is answered 431 and closed; other connections are served."""
    async with serve(memory_settings(max_head_reads=4)) as server:
        async with raw(server) as (reader, writer):
            writer.write(b"GET /ws HTTP/1.1\r\n")
            for n in range(1, 4):
                await until_read(server, n)
                writer.write(f"X-{n}: a\r\n".encode())
            assert (await answer(reader)).startswith(b"HTTP/1.1 431")
        assert server.runtime.sockets.gate.oversized == 1
        await until_accepted(server, 0)
        await server.client("Alice")


async def test_a_head_over_max_head_bytes_gets_431() -> None:
    async with serve(memory_settings(max_head_bytes=1024)) as server:
        async with raw(server) as (reader, writer):
            writer.write(b"GET / HTTP/1.1\r\nX-Big: " + b"a" * 2000)
            assert (await answer(reader)).startswith(b"HTTP/1.1 431")
        async with raw(server) as (reader, writer):
            writer.write(b"GET /healthz HTTP/1.1\r\nX-Fits: " + b"a" * 900
                         + b"\r\nConnection: close\r\n\r\n")
            assert (await answer(reader)).startswith(b"HTTP/1.1 200")


async def test_heads_still_arriving_are_closed_when_the_server_stops() -> None:
    """A connection whose first head never came whole (uvicorn never saw it) is closed with
    the server, not left open."""
    async with serve(memory_settings(http_head_timeout=0)) as server:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"GET /ws HTTP/1.1\r\nHost: x\r\n")
        await until_read(server, 1)
    try:
        assert await answer(reader) == b""
    finally:
        writer.close()
