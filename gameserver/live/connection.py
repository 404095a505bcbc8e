"""One websocket connection: its identity, limits, and a bounded send queue drained by its
own writer task.

`send(text)` never blocks: it appends to the queue, and when the queue is full the connection is
cut off (its tasks are cancelled, the socket closed) so a client that stops reading never delays
anybody else. The connection's reader and writer run in one `asyncio.TaskGroup` owned by `run()`.

Fast path: when the writer is idle and nothing is queued, `send` steps the ASGI send coroutine
once itself instead of waking the writer (one event-loop hop less per push: ~50 us of the
move -> opponent latency at 1,000 games). Only with uvicorn's `websockets-sansio` backend, whose
send either completes without suspending or suspends *before* writing anything (waiting for a
paused transport): then the step is abandoned and the frame queued for the writer as usual.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from starlette.websockets import WebSocket, WebSocketDisconnect

from gameserver.live.metrics import Metrics
from gameserver.live.ratelimit import TokenBucket
from gameserver.settings import Settings

if TYPE_CHECKING:
    from gameserver.live.identity import Player

log = logging.getLogger("gameserver.live.connection")

CLOSE_POLICY = 1008
CLOSE_TOO_BIG = 1009


class Connection:
    """The server's view of one socket. Handlers receive it; pushes go through `send`."""

    __slots__ = ("_abort", "_close", "_idle", "_queue", "_tasks", "_wakeup", "_ws", "bucket",
                 "closed", "eager", "id", "lobby", "metrics", "player", "present", "refused",
                 "settings", "watching")

    def __init__(self, ws: WebSocket, conn_id: int, settings: Settings, metrics: Metrics,
                 now: float) -> None:
        self._ws = ws
        self.id = conn_id
        self.settings = settings
        self.metrics = metrics
        self.player: Player | None = None
        self.bucket = TokenBucket.full(settings.messages_per_second, settings.message_burst, now)
        self.refused = 0  # messages refused in a row by the rate limit
        self.watching: set[str] = set()  # game ids this socket receives updates for
        self.present: set[str] = set()  # game ids where this socket counts as its player online
        self.lobby = False
        self.closed = False
        self._queue: deque[str] = deque()
        self._wakeup = asyncio.Event()
        self._close: tuple[int, str] | None = None
        self._abort = False
        self._idle = False
        self.eager = settings.ws_backend == "websockets-sansio"
        self._tasks: list[asyncio.Task[None]] = []

    # -- sending ---------------------------------------------------------------------------

    def send(self, text: str) -> None:
        """Queue one frame; cut the connection off if its queue is full."""
        if self.closed:
            return
        if len(self._queue) >= self.settings.send_queue:
            self.metrics.slow_consumers_cut += 1
            log.info("connection %d cut off: it stopped reading", self.id)
            self.abort()
            return
        if self._idle and self.eager and not self._queue and self._send_now(text):
            return
        self._queue.append(text)
        self._wakeup.set()

    def _send_now(self, text: str) -> bool:
        """Write `text` without waking the writer task, if the transport takes it at once."""
        step = self._ws.send({"type": "websocket.send", "text": text})
        try:
            step.send(None)
        except StopIteration:
            return True
        except (WebSocketDisconnect, OSError, RuntimeError):
            self.closed = True
            return True
        step.close()  # it waited for the transport to drain before writing anything
        return False

    def close(self, code: int, reason: str) -> None:
        """Send what is queued, then the close frame (abuse: flood, oversize)."""
        if self.closed:
            return
        self.closed = True
        self._close = (code, reason)
        self._wakeup.set()

    def abort(self) -> None:
        """Stop both tasks now; the socket is closed without waiting for the peer."""
        if self._abort:
            return
        self.closed = True
        self._abort = True
        self._queue.clear()
        for task in self._tasks:
            task.cancel()

    async def _write(self) -> None:
        ws = self._ws
        queue = self._queue
        try:
            while True:
                while queue:
                    await ws.send_text(queue.popleft())
                if self._close is not None:
                    code, reason = self._close
                    await ws.close(code, reason)
                    return
                self._wakeup.clear()
                self._idle = True
                try:
                    await self._wakeup.wait()
                finally:
                    self._idle = False
        except (WebSocketDisconnect, OSError, RuntimeError):
            self.closed = True  # the peer went away; the reader sees it too

    # -- running ---------------------------------------------------------------------------

    async def run(self, read: Callable[[Connection], Awaitable[None]]) -> None:
        """Run `read(self)` and the writer until either ends; then stop the other."""
        async with asyncio.TaskGroup() as tg:
            reader = tg.create_task(self._guard(read(self)))
            writer = tg.create_task(self._write())
            self._tasks = [reader, writer]
            reader.add_done_callback(lambda _: self._finish_writer(writer))
            writer.add_done_callback(lambda _: reader.cancel())

    def _finish_writer(self, writer: asyncio.Task[None]) -> None:
        self.closed = True
        if self._close is None:
            writer.cancel()
        else:
            self._wakeup.set()

    async def _guard(self, reading: Awaitable[None]) -> None:
        try:
            await reading
        except (WebSocketDisconnect, OSError):
            self.closed = True
