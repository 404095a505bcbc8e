"""The door every TCP connection comes through: caps on open connections, in total and per
address, a rate of new connections per address, an address barred for a while after its
socket flooded, and a deadline for each HTTP request head (a websocket upgrade is one).

uvicorn takes the HTTP protocol class as an option (`http=`) and calls it once per accepted
connection; `gated(inner, gate_of)` is such a callable. Its `Gated` protocol asks the running
app's `Gate` to admit the peer (over a cap: a ready-made 503 and the connection closed, before
any parsing). An admitted connection's first request head is kept here until it is whole;
only then is uvicorn's own protocol (`inner`) made and given it, and every later callback
passed to it (later heads on a kept-alive connection are watched, not kept). So a connection
that never completes a head (slowloris) costs no HTTP parser, no per-line parsing and no
place in uvicorn's connection set, and its head is bounded: more than `max_head_bytes`, or
more than `max_head_reads` pieces (a real client writes its head at once; a trickle of header
lines does not), gets a 431 and the connection closed. A head not complete within
`http_head_timeout` of its first byte (or of the connection opening) gets the connection
closed: a half-sent request or upgrade holds a descriptor for seconds, not forever.

A websocket upgrade hands the transport to the socket's `Connection`
(`transport.set_protocol`): from then on that connection's close releases its place
(`Gate.release`, called by the `SocketServer`).

The deadlines are checked by `Gate.run`, one task on the network clock (tests drive it with a
fake clock), not a timer per connection.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable
from typing import Any, cast

from flowstate import Clock
from gameserver.live.ratelimit import AddressBuckets

log = logging.getLogger("gameserver.gate")

HEAD_END = b"\r\n\r\n"


def plain_answer(status: str, text: str) -> bytes:
    """A whole HTTP/1.1 answer with a text body, the connection to be closed after it."""
    body = text.encode() + b"\n"
    return (f"HTTP/1.1 {status}\r\ncontent-type: text/plain\r\nconnection: close\r\n"
            f"content-length: {len(body)}\r\n\r\n").encode() + body


REFUSED = plain_answer("503 Service Unavailable", "too many connections; try again soon")


class Gate:
    """Open connections by address, and the request heads still arriving."""

    def __init__(self, *, max_connections: int, per_address: int, head_timeout: float,
                 now: Callable[[], float], per_second: float = 0.0,
                 max_head_bytes: int = 0, max_head_reads: int = 0) -> None:
        self.max_connections = max_connections  # 0: no cap
        #: a first request head longer than this, or arriving in more pieces, is refused
        #: with 431 (0: no cap)
        self.max_head_bytes = max_head_bytes
        self.max_head_reads = max_head_reads
        self.too_large = plain_answer(
            "431 Request Header Fields Too Large",
            f"a request head may be at most {max_head_bytes} bytes in at most "
            f"{max_head_reads} pieces")
        self.oversized = 0  # connections closed for a head over the caps
        self.head_reads = 0  # pieces of first request heads kept until whole
        self.per_address = per_address  # 0: no cap
        #: new connections per second from one address (0: no limit), bursts of 4 seconds'
        self.per_second = per_second
        self._opened = AddressBuckets(per_second, max(1.0, per_second * 4))
        self.head_timeout = head_timeout  # 0: none
        self._now = now
        self.total = 0
        self.by_address: dict[str, int] = {}
        #: connections whose request head has not fully arrived -> the deadline
        self._heads: dict[Gated, float] = {}
        self.refused = 0  # connections refused over a cap
        #: addresses refused until a time (their socket was closed for flooding)
        self._banned: dict[str, float] = {}
        self.timed_out = 0  # connections closed for a slow request head

    def ban(self, address: str, until: float) -> None:
        """Refuse new connections from `address` until `until` (network clock)."""
        if address:
            self._banned[address] = max(until, self._banned.get(address, 0.0))

    def admit(self, address: str) -> bool:
        banned = self._banned.get(address)
        if banned is not None:
            if self._now() < banned:
                self.refused += 1
                return False
            del self._banned[address]
        n = self.by_address.get(address, 0)
        if ((self.max_connections and self.total >= self.max_connections)
                or (self.per_address and n >= self.per_address)
                or (self.per_second and not self._opened.take(address, self._now()))):
            self.refused += 1
            return False
        self.total += 1
        self.by_address[address] = n + 1
        return True

    def release(self, address: str) -> None:
        n = self.by_address.get(address, 0) - 1
        if n < 0:
            return
        self.total -= 1
        if n:
            self.by_address[address] = n
        else:
            del self.by_address[address]

    def head_started(self, conn: Gated) -> None:
        self._heads[conn] = self._now() + self.head_timeout if self.head_timeout else math.inf

    def head_done(self, conn: Gated) -> None:
        self._heads.pop(conn, None)

    def expire(self, now: float) -> int:
        """Close every connection whose head is overdue; how many."""
        late = [conn for conn, due in self._heads.items() if due <= now]
        for conn in late:
            del self._heads[conn]
            conn.time_out()
        self.timed_out += len(late)
        return len(late)

    def close_pending(self) -> None:
        """Close the connections whose request head is still arriving (the server stops:
        uvicorn does not know them yet)."""
        pending = list(self._heads)
        self._heads.clear()
        for conn in pending:
            conn.time_out(quiet=True)

    async def run(self, clock: Clock) -> None:
        """Check the deadlines every quarter of the timeout (at most every second)."""
        if not self.head_timeout:
            return
        every = min(1.0, self.head_timeout / 4)
        while True:
            await clock.sleep_until(clock.now() + every)
            self.expire(clock.now())


class Gated(asyncio.Protocol):
    """uvicorn's HTTP protocol behind the gate."""

    def __init__(self, inner: Callable[[], asyncio.Protocol],
                 gate_of: Callable[[], Gate | None]) -> None:
        self._make_inner = inner
        self._gate_of = gate_of
        self._inner: asyncio.Protocol | None = None
        self._gate: Gate | None = None
        self._transport: asyncio.Transport | None = None
        self._address = ""
        #: the first request head while it arrives (None: it is whole, or not kept here)
        self._head: bytearray | None = None
        self._reads = 0
        self._in_head = True  # a later head on a kept-alive connection is arriving
        self._tail = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)
        peer = transport.get_extra_info("peername")
        self._address = peer[0] if isinstance(peer, tuple) and peer else str(peer or "")
        gate = self._gate_of()
        if gate is None:  # no running app (yet): uvicorn's protocol as it is
            self._start_inner(None)
            return
        if not gate.admit(self._address):
            self._transport.write(REFUSED)
            self._transport.close()
            return
        self._gate = gate
        gate.head_started(self)
        self._head = bytearray()

    def _start_inner(self, head: bytes | None) -> None:
        inner = self._inner = self._make_inner()
        inner.connection_made(cast(asyncio.Transport, self._transport))
        if head:
            inner.data_received(head)

    def data_received(self, data: bytes) -> None:
        head = self._head
        if head is not None:
            self._first_head(head, data)
            return
        inner = self._inner
        if inner is None:
            return
        gate = self._gate
        if gate is not None:
            if not self._in_head:  # a new request on a kept-alive connection
                self._in_head = True
                self._tail = b""
                gate.head_started(self)
            if HEAD_END in self._tail + data[:3] or HEAD_END in data:
                self._in_head = False
                gate.head_done(self)
            else:
                self._tail = (self._tail + data)[-3:]
        inner.data_received(data)

    def _first_head(self, head: bytearray, data: bytes) -> None:
        gate = self._gate
        assert gate is not None
        start = max(0, len(head) - 3)
        head += data
        self._reads += 1
        gate.head_reads += 1
        if head.find(HEAD_END, start) < 0:
            if ((gate.max_head_bytes and len(head) > gate.max_head_bytes)
                    or (gate.max_head_reads and self._reads >= gate.max_head_reads)):
                self._head = None
                gate.head_done(self)
                gate.oversized += 1
                transport = self._transport
                if transport is not None and not transport.is_closing():
                    transport.write(gate.too_large)
                    transport.close()
            return
        self._head = None
        self._in_head = False
        gate.head_done(self)
        self._start_inner(bytes(head))

    def eof_received(self) -> bool | None:
        return self._inner.eof_received() if self._inner is not None else None

    def connection_lost(self, exc: Exception | None) -> None:
        self._head = None
        gate = self._gate
        if gate is not None:
            gate.head_done(self)
            gate.release(self._address)
        if self._inner is not None:
            self._inner.connection_lost(exc)

    def pause_writing(self) -> None:
        if self._inner is not None:
            self._inner.pause_writing()

    def resume_writing(self) -> None:
        if self._inner is not None:
            self._inner.resume_writing()

    def time_out(self, *, quiet: bool = False) -> None:
        transport = self._transport
        if transport is None or transport.is_closing():
            return
        if transport.get_protocol() is not self:  # upgraded meanwhile: not ours any more
            return
        if not quiet:
            log.info("connection from %s closed: its request head took more than %g s",
                     self._address, self._gate.head_timeout if self._gate else 0)
        transport.abort()


def gated(inner: Callable[..., asyncio.Protocol],
          gate_of: Callable[[], Gate | None]) -> Callable[..., asyncio.Protocol]:
    """What to give uvicorn's `http=` setting: uvicorn calls it with its own keyword arguments
    for every accepted connection; they go to `inner` (uvicorn's protocol class) unchanged."""

    def build(**uvicorn: Any) -> asyncio.Protocol:
        return Gated(lambda: inner(**uvicorn), gate_of)

    return build
