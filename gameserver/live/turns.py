"""Turns: bursts of heavy work from many sockets at once done one piece per loop turn.

Every socket has its own task, and the event loop runs every ready task once per turn. When
many sockets ask for a commit at the same moment (a client making hundreds of identities and
games from many sockets, or closing them all at once, each close a presence commit per game
it waited in), one loop turn would run all of those commits back to back, and every other
player's move would wait for the whole turn. Work done `async with turns:` takes turns
instead: one piece a loop turn, so a move waits for at most one piece (a commit, about a
millisecond), whatever the burst. An ordinary player's single request meets no queue.
"""

from __future__ import annotations

import asyncio
from types import TracebackType


class Turns:
    """At most one piece starts per loop turn: the lock a piece takes as it starts is given
    back on the loop's next turn (`call_soon`), so the pieces that became ready in the same
    turn wait and the tasks already ready run first. A piece that waits for I/O (a commit on
    PostgreSQL, a strict-durability flush) does not hold up the next: only starts are spaced,
    so a burst's commits still share the database's round trips."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self.waited = 0  # pieces that found another one's turn running

    async def __aenter__(self) -> None:
        if self._lock.locked():
            self.waited += 1
        await self._lock.acquire()
        asyncio.get_running_loop().call_soon(self._lock.release)

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        tb: TracebackType | None) -> None:
        return None
