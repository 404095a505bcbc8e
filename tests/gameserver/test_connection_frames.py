"""The frames of a `Connection`: those it writes are byte for byte what websockets' protocol core
would write (the header is built here, the payload is the encoder's bytes); those it reads are
the messages the core would give, whether read directly or by the core."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable

from websockets.frames import Close, Frame, Opcode
from websockets.http11 import Request, Response

from gameserver.live.connection import Connection, text_frame_header


def test_a_text_frame_is_what_websockets_would_send_at_every_length_encoding() -> None:
    for length in (0, 1, 125, 126, 127, 900, 65535, 65536, 70000):
        payload = b"x" * length
        expected = Frame(Opcode.TEXT, payload).serialize(mask=False)
        assert text_frame_header(length) + payload == expected, length


class _Server:
    """What a `Connection` asks of its `SocketServer` while reading."""

    inbox_messages = 1_000_000
    send_buffer_bytes = 1 << 30

    def __init__(self) -> None:
        self.pings = 0

    def handshake(self, conn: Connection, request: Request, response: Response,
                  reject: Callable[[int, str], Response]) -> Response:
        return response

    def opened(self, conn: Connection) -> None:
        pass

    def net_now(self) -> float:
        return 0.0

    def control(self, conn: Connection) -> None:
        self.pings += 1

    def lost(self, conn: Connection) -> None:
        pass


class _Transport:
    def __init__(self) -> None:
        self.out = bytearray()
        self.closing = False

    def write(self, data: bytes) -> None:
        self.out += data

    def writelines(self, chunks: Iterable[bytes]) -> None:
        for chunk in chunks:
            self.out += chunk

    def get_extra_info(self, name: str) -> object:
        return ("127.0.0.1", 1)

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True

    abort = close

    def can_write_eof(self) -> bool:
        return False

    def get_write_buffer_size(self) -> int:
        return 0

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


_KEY = base64.b64encode(b"0123456789abcdef").decode()
_UPGRADE = (f"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {_KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode()


def _opened(max_size: int = 1 << 16) -> tuple[Connection, _Server, _Transport]:
    server, transport = _Server(), _Transport()
    conn = Connection(server, 1, max_size)  # type: ignore[arg-type]
    conn.connection_made(transport)  # type: ignore[arg-type]
    conn.data_received(_UPGRADE)  # uvicorn hands over the request it parsed, alone
    assert transport.out.startswith(b"HTTP/1.1 101")
    transport.out.clear()
    return conn, server, transport


def _client(opcode: Opcode, data: bytes, fin: bool = True) -> bytes:
    return Frame(opcode, data, fin).serialize(mask=True)


def _messages(conn: Connection) -> list[tuple[bytes, bool]]:
    out = []
    while conn._inbox:
        out.append(conn._inbox.popleft())
    return out


def test_every_frame_arrives_however_the_reads_cut_the_stream() -> None:
    """Text, binary, a 16-bit length, a ping (answered), a fragmented message: the same
    messages and the same pong whether the stream comes whole, cut in two anywhere, or a
    byte at a time (past the first cut, the protocol core reads)."""
    big = b"y" * 300
    stream = b"".join([
        _client(Opcode.TEXT, b'{"a":1}'), _client(Opcode.BINARY, b"\x00\x01"),
        _client(Opcode.TEXT, big), _client(Opcode.PING, b"p"),
        _client(Opcode.TEXT, b"frag", fin=False), _client(Opcode.CONT, b"ment"),
        _client(Opcode.TEXT, b"last"),
    ])
    expected = [(b'{"a":1}', True), (b"\x00\x01", False), (big, True), (b"fragment", True),
                (b"last", True)]
    pong = Frame(Opcode.PONG, b"p").serialize(mask=False)
    cuts: list[list[bytes]] = [[stream], [stream[i:i + 1] for i in range(len(stream))]]
    cuts += [[stream[:i], stream[i:]] for i in range(1, len(stream))]
    for chunks in cuts:
        conn, server, transport = _opened()
        for chunk in chunks:
            conn.data_received(chunk)
        assert _messages(conn) == expected, [len(c) for c in chunks]
        assert bytes(transport.out) == pong and server.pings == 1


async def test_a_frame_past_the_size_limit_closes_with_1009() -> None:
    conn, _, transport = _opened(max_size=100)
    conn.data_received(_client(Opcode.TEXT, b"x" * 50) + _client(Opcode.TEXT, b"x" * 101))
    assert conn.closed and _messages(conn) == []  # closing drops what waits, as ever
    assert bytes(transport.out) == Frame(Opcode.CLOSE, Close(1009, "frame with 101 bytes "
                                                              "exceeds limit of 100 bytes")
                                         .serialize()).serialize(mask=False)


async def test_an_unmasked_frame_from_a_client_is_refused_by_the_protocol_core() -> None:
    conn, _, transport = _opened()
    conn.data_received(Frame(Opcode.TEXT, b"hi").serialize(mask=False))
    assert _messages(conn) == []
    assert transport.out.startswith(b"\x88")  # a close frame (1002)
