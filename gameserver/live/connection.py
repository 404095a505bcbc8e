"""One websocket connection, and the only code that writes frames to a socket.

`Connection` is the asyncio protocol of an upgraded `/ws` socket. It runs the websocket protocol
on websockets' sans-I/O core (handshake, framing, fragmentation, ping/pong, the closing
handshake, the frame size limit) and queues complete messages for the connection's own task,
in which its `SocketServer` judges and runs them in order.

Sending is synchronous: `send(data)` frames UTF-8 bytes as one text frame (the header made
here: an unmasked, final text frame is two to ten bytes before the payload, RFC 6455 5.2, and
building websockets' frame object for it cost a push 1.8 us) and writes them to the transport
at once, from whichever task produced them (a move is published to the opponent
from the mover's task: no queue, no second task, no event-loop hop). Nothing ever waits for a
socket: if a peer stops reading, its unsent output grows in the transport's buffer, and past
`Settings.send_buffer_bytes` the connection is cut off (aborted), so one client that stops
reading never delays anybody else and cannot grow the server's memory without bound.

Reading takes the frame every client sends all the time, a complete, final, masked text (or
binary) frame within the size limit, straight off the bytes (`_direct_frames`: 1 us, where the
protocol core's parser took 7 us); the first frame that is anything else (a control frame, a
fragment, one cut off by the read, one too big) and everything after it goes to the protocol
core, for good. Frames only go round the core once it holds nothing unparsed: the handshake
ended exactly where its read did, with nothing after it.

Reading applies backpressure the other way: while more than `Settings.inbox_messages` requests
wait for the connection's task, the transport stops reading from that peer.
"""

from __future__ import annotations

import asyncio
import logging
import struct
from collections import deque
from typing import TYPE_CHECKING, cast

from websockets.frames import Frame, Opcode
from websockets.http11 import Request
from websockets.protocol import State
from websockets.server import ServerProtocol

from gameserver.live.ratelimit import TokenBucket

try:  # websockets' own unmasking, in C where it is built (as websockets.frames does)
    from websockets.speedups import apply_mask
except ImportError:  # pragma: no cover
    from websockets.utils import apply_mask

if TYPE_CHECKING:
    from gameserver.live.identity import Player
    from gameserver.live.sockets import SocketServer

log = logging.getLogger("gameserver.connection")

CLOSE_NORMAL = 1000
CLOSE_GOING_AWAY = 1001
CLOSE_INVALID_DATA = 1007
CLOSE_POLICY = 1008
CLOSE_TOO_BIG = 1009
CLOSE_RESTART = 1012
#: seconds a closing handshake may take before the socket is closed anyway
CLOSE_TIMEOUT = 5.0

_OPEN = State.OPEN
_TEXT_FIN = 0x81  # FIN, opcode 1 (text); no RSV bits: no extension is ever negotiated
_LENGTH_16 = struct.Struct("!BBH")
_LENGTH_64 = struct.Struct("!BBQ")


def text_frame_header(length: int) -> bytes:
    """The header of the final, unmasked text frame of `length` payload bytes that a server
    sends (what websockets' `send_text` would write before the payload)."""
    if length < 126:
        return bytes((_TEXT_FIN, length))
    if length < 65536:
        return _LENGTH_16.pack(_TEXT_FIN, 126, length)
    return _LENGTH_64.pack(_TEXT_FIN, 127, length)


class Connection(asyncio.Protocol):
    """The server's view of one socket. Handlers receive it; frames go out through `send`."""

    __slots__ = ("_close_timer", "_corked", "_direct", "_fragments", "_inbox", "_max_size",
                 "_paused", "_server",
                 "_transport", "_waiter", "_ws", "bucket", "closed", "id", "last_seen", "lobby",
                 "opened_at",
                 "peer", "ping_sent", "player", "present", "refused", "watching")

    def __init__(self, server: SocketServer, conn_id: int, max_frame_bytes: int) -> None:
        self._server = server
        self.id = conn_id
        # websockets logs frames at DEBUG (a welcome holds a token): not under our loggers
        self._ws = ServerProtocol(max_size=max_frame_bytes)
        self._max_size = max_frame_bytes
        #: complete data frames are read here, not by the protocol core (see `_direct_frames`)
        self._direct = False
        self._transport: asyncio.Transport | None = None
        self._inbox: deque[tuple[bytes, bool]] = deque()  # (message, is text)
        self._waiter: asyncio.Future[None] | None = None
        self._fragments: list[bytes] | None = None
        self._paused = False
        self._close_timer: asyncio.TimerHandle | None = None
        #: frames held back while this connection's own request runs (see `cork`)
        self._corked: list[bytes] | None = None
        self.peer = ""
        self.player: Player | None = None
        self.bucket: TokenBucket | None = None  # set when the handshake completes
        self.refused = 0  # messages refused in a row by the rate limit
        self.watching: set[str] = set()  # game ids this socket receives updates for
        self.present: set[str] = set()  # game ids where this socket counts as its player online
        self.lobby = False
        #: no more frames go out (closing, closed, or cut off)
        self.closed = False
        self.last_seen = 0.0  # clock time of the last frame from the peer
        self.opened_at = 0.0  # network clock time the handshake completed
        self.ping_sent: float | None = None  # clock time of the keepalive ping awaiting a pong

    # -- asyncio.Protocol ------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's are not subclasses
        peer = transport.get_extra_info("peername")
        self.peer = peer[0] if isinstance(peer, tuple) and peer else str(peer or "")

    def data_received(self, data: bytes) -> None:
        ws = self._ws
        if self._direct:
            if not self.closed and ws.state is _OPEN:
                data = self._direct_frames(data)
                if not data:
                    return
            self._direct = False  # the protocol core reads the rest, and all that follows
        ws.receive_data(data)
        for event in ws.events_received():
            if isinstance(event, Frame):
                self._frame(event)
                self._direct = False
            elif isinstance(event, Request):
                self._handshake(event)
                # nothing unparsed is left in the core if the request ended this read
                self._direct = ws.state is _OPEN and data.endswith(b"\r\n\r\n")
        self._flush()

    def _direct_frames(self, data: bytes) -> bytes:
        """Take the complete, final, masked text and binary frames (RFC 6455 5.2) at the start
        of `data` as messages; return the rest, from the first frame that is anything else or
        is not all there, for the protocol core."""
        end = len(data)
        at = 0
        while end - at >= 6:
            head = data[at]
            if head != 0x81 and head != 0x82:  # FIN, no RSV bits, text or binary
                break
            length = data[at + 1] ^ 0x80  # a client's frame is masked: >= 128 if it is not
            start = at + 2
            if length == 126:
                if end - at < 8:
                    break
                length = int.from_bytes(data[start:start + 2])
                start += 2
            elif length > 126:  # 64-bit lengths (beyond any size limit here), or unmasked
                break
            stop = start + 4 + length
            if length > self._max_size or stop > end:
                break
            self._message(apply_mask(data[start + 4:stop], data[start:start + 4]),
                          head == 0x81)
            at = stop
        return data[at:] if at else data

    def eof_received(self) -> bool | None:
        self._ws.receive_eof()
        self._flush()
        return None  # let the transport close itself

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._close_timer is not None:
            self._close_timer.cancel()
            self._close_timer = None
        self._inbox.clear()
        self._wake()
        self._server.lost(self)

    # -- sending ---------------------------------------------------------------------------

    def send(self, data: bytes) -> None:
        """Write `data` (UTF-8 JSON) as one text frame now; cut the connection off if the
        peer has left more than the buffer limit unread."""
        if self.closed or self._ws.state is not _OPEN:
            return
        # the protocol core's own output (pongs, the handshake, a close) is always flushed as
        # soon as it is made (`_flush`), so a frame written here never overtakes it
        header = text_frame_header(len(data))
        corked = self._corked
        if corked is not None:
            corked.append(header)
            corked.append(data)
            return
        transport = self._transport
        assert transport is not None
        transport.writelines((header, data))
        if transport.get_write_buffer_size() > self._server.send_buffer_bytes:
            self._server.slow_consumer(self)
            self.abort()

    def cork(self) -> None:
        """Hold this socket's frames until `uncork`: while the connection's own request runs,
        its push and its reply leave in one write (one system call) instead of two. Frames
        to other sockets are never held."""
        if self._corked is None:
            self._corked = []

    def uncork(self) -> None:
        corked, self._corked = self._corked, None
        if not corked or self.closed:
            return
        transport = self._transport
        assert transport is not None
        transport.writelines(corked)
        if transport.get_write_buffer_size() > self._server.send_buffer_bytes:
            self._server.slow_consumer(self)
            self.abort()

    def ping(self, payload: bytes, now: float) -> None:
        """A keepalive ping; the peer's pong clears `ping_sent`."""
        if self.closed or self._ws.state is not _OPEN:
            return
        self.ping_sent = now
        self._ws.send_ping(payload)
        self._flush()

    def close(self, code: int, reason: str) -> None:
        """Start the closing handshake (what was sent before goes out first); the socket is
        closed when the peer answers, or after `CLOSE_TIMEOUT`."""
        if self.closed:
            return
        self.closed = True
        self._inbox.clear()
        self._wake()
        self.uncork()
        if self._ws.state is _OPEN:
            self._ws.send_close(code, reason)
            self._flush()
        transport = self._transport
        if transport is not None and not transport.is_closing():
            loop = asyncio.get_running_loop()
            self._close_timer = loop.call_later(CLOSE_TIMEOUT, transport.abort)

    def stop_reading(self) -> None:
        """Read nothing more from the peer (a socket closed for abuse: what it still sends is
        not parsed; the close timer drops it)."""
        if self._transport is not None and not self._transport.is_closing():
            self._transport.pause_reading()

    def abort(self) -> None:
        """Drop the socket now, without a closing handshake."""
        self.closed = True
        self._inbox.clear()
        self._wake()
        if self._transport is not None:
            self._transport.abort()

    # -- receiving -------------------------------------------------------------------------

    async def next_message(self) -> tuple[bytes, bool] | None:
        """The next complete message and whether it came as text, or None once the socket is
        closing."""
        while True:
            inbox = self._inbox
            if inbox:
                data = inbox.popleft()
                if self._paused and len(inbox) <= self._server.inbox_messages // 2:
                    self._paused = False
                    if self._transport is not None and not self.closed:
                        self._transport.resume_reading()
                return data
            if self.closed:
                return None
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _handshake(self, request: Request) -> None:
        ws = self._ws
        response = self._server.handshake(self, request, ws.accept(request), ws.reject)
        ws.send_response(response)
        if response.status_code != 101:
            self.closed = True
            self._flush()
            if self._transport is not None:
                self._transport.close()
            return
        self._server.opened(self)

    def _frame(self, frame: Frame) -> None:
        if self.closed:
            return
        opcode = frame.opcode
        if opcode is Opcode.TEXT or opcode is Opcode.BINARY:
            if not frame.fin:
                self._fragments = [bytes(frame.data)]
                return
            self._message(bytes(frame.data), opcode is Opcode.TEXT)
        elif opcode is Opcode.CONT:
            if self._fragments is None:
                return
            self._fragments.append(bytes(frame.data))
            if frame.fin:
                data, self._fragments = b"".join(self._fragments), None
                self._message(data, True)
        elif opcode is Opcode.PONG:
            self.ping_sent = None
            self.last_seen = self._server.net_now()
        elif opcode is Opcode.PING:
            # websockets' core has queued the pong; a ping costs a message of the rate limit
            self._server.control(self)

    def _message(self, data: bytes, text: bool) -> None:
        self.last_seen = self._server.net_now()
        inbox = self._inbox
        inbox.append((data, text))
        if len(inbox) == 1:
            self._wake()
        elif len(inbox) > self._server.inbox_messages and not self._paused:
            self._paused = True
            if self._transport is not None:
                self._transport.pause_reading()

    def _flush(self) -> None:
        """Write what the protocol core has to send; close the socket when it says so."""
        transport = self._transport
        if transport is None:
            return
        ws = self._ws
        for chunk in ws.data_to_send():
            if chunk:
                transport.write(chunk)
            elif transport.can_write_eof() and not transport.is_closing():
                transport.write_eof()
        if ws.close_expected() and not transport.is_closing():
            self.closed = True
            self._inbox.clear()
            self._wake()
            if self._close_timer is None:
                loop = asyncio.get_running_loop()
                self._close_timer = loop.call_later(CLOSE_TIMEOUT, transport.abort)
        if ws.state is State.CLOSED and not transport.is_closing():
            transport.close()

    # -- introspection ---------------------------------------------------------------------

    @property
    def unsent_bytes(self) -> int:
        transport = self._transport
        return 0 if transport is None else transport.get_write_buffer_size()

    def __repr__(self) -> str:
        who = self.player.id if self.player is not None else "anonymous"
        return f"<Connection {self.id} {who} from {self.peer or '?'}>"

