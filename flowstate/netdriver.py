"""`NetDriver`: a driver over a flowstate server (`python -m flowstate serve`).

    async with Engine(NetDriver("http://127.0.0.1:8080"), registry) as engine: ...

Flows run in the application, the store is the server's. One websocket per driver
(`/api/v1/driver`, protocol in `flowstate/server/driver_socket.py`) carries the requests
and, in order with their answers, what the server pushes: every committed version (so
watchers see every client's commits), the next due time of this engine's delays, and
orphaned work to adopt. A websocket, not HTTP requests, because the driver needs that push
channel anyway and one connection keeps answers and pushes in order; the `websockets`
package is already the server's.

- **Commits** are one request each (the rev check is the server's). Own versions are
  published at once when nothing comes before them; the pushed feed fills any gap.
- **Delays** fire here, on this engine's clock: a claim names the engine's flows, and the
  server answers with the next due time of those flows and pushes an earlier one as soon as
  a commit makes it (before that commit's answer).
- **Sessions.** The server keeps this engine's claims and in-flight states for `lease`
  seconds after the connection drops; the driver reconnects (resuming its session and the
  version feed from the last rev it published) and carries on. A request in flight when the
  connection drops fails with `RemoteError` (a commit: whether it was stored is unknown).
  `close()` ends the session at once: other clients may adopt what is left in flight.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Collection, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import orjson

from flowstate.commands import (
    GetDelayedStatesCommand,
    GetDelayedStatesResult,
    GetStatesCommand,
    GetStatesResult,
)
from flowstate.driver import CommitRequest, DriverEvents
from flowstate.errors import UsageError
from flowstate.postgres_batch import seal_request
from flowstate.snapshots import DelayedEntry
from flowstate.staging import StackFinalizer
from flowstate.state import State
from flowstate.wire import (
    RemoteError,
    commit_request_json,
    delay_from,
    delays_query_json,
    error_from,
    state_from,
    states_query_json,
    unb64,
)

__all__ = ["NetDriver"]

log = logging.getLogger("flowstate.netdriver")


class NetDriver:
    """A `Driver` whose store is a flowstate server at `url` (`http://host:port`, or
    `https://`; a `?token=` is sent as the bearer token). `connect_timeout`: seconds to wait
    for the server at open and at each reconnection attempt."""

    def __init__(self, url: str, *, connect_timeout: float = 10.0) -> None:
        if not isinstance(url, str) or not url:
            raise UsageError(f"url must be the http:// URL of a flowstate server, got {url!r}")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise UsageError(f"{url!r} is not the http:// URL of a flowstate server")
        query = dict(parse_qsl(parts.query))
        self.token = query.pop("token", "")
        scheme = "wss" if parts.scheme == "https" else "ws"
        path = parts.path.rstrip("/") + "/api/v1/driver"
        self.url = url
        self.ws_url = urlunsplit((scheme, parts.netloc, path, urlencode(query), ""))
        self.connect_timeout = connect_timeout
        self.session = ""
        self._events: DriverEvents | None = None
        self._ws: Any = None
        self._reader: asyncio.Task[None] | None = None
        self._calls: dict[int, asyncio.Future[Any]] = {}
        self._next_id = 0
        self._busy = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._closing = False
        self._healthy = True
        self._durability = "default"
        # the feed: the last rev published, and versions that arrived ahead of a gap
        self._published = 0
        self._ahead: dict[int, list[State]] = {}
        # delays
        self._next_at: float | None = None
        self._claim_key: tuple[frozenset[str], frozenset[str]] | None = None
        self._pending = 0
        self.delays_pruned = 0
        self._send_errors: tuple[type[BaseException], ...] = (OSError,)

    # -- connection ------------------------------------------------------------------------

    async def open(self, events: DriverEvents) -> None:
        if self._ws is not None:
            raise UsageError("this NetDriver is already open")
        self._events = events
        self._closing = False
        await self._connect(resume=False)

    async def _connect(self, *, resume: bool) -> None:
        try:
            from websockets.asyncio.client import connect
            from websockets.exceptions import WebSocketException
        except ImportError:
            raise UsageError(
                "NetDriver needs the websockets package: "
                "pip install 'flowstate-gameserver[server]'"
            ) from None

        self._send_errors = (OSError, WebSocketException)
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else None
        try:
            ws = await connect(
                self.ws_url, additional_headers=headers, max_size=None, compression=None,
                open_timeout=self.connect_timeout, ping_interval=10, ping_timeout=20,
            )
        except (OSError, WebSocketException, TimeoutError) as exc:
            raise RemoteError("unavailable", f"cannot reach the flowstate server at "
                              f"{self.url}: {exc}") from exc
        hello: dict[str, Any] = {"op": "hello"}
        if resume:
            hello.update(session=self.session, since=self._published)
        try:
            await ws.send(orjson.dumps(hello))
            answer = orjson.loads(await ws.recv())
        except (OSError, WebSocketException) as exc:
            await ws.close()
            raise RemoteError("unavailable", f"flowstate server {self.url}: {exc}") from exc
        if "error" in answer:
            await ws.close()
            raise error_from(answer["error"])
        ok = answer["ok"]
        self.session = ok["session"]
        self._durability = ok["durability"]
        self._pending = ok["pending"]
        if not resume:
            self._published = ok["head"]
        self._ws = ws
        self._healthy = True
        self._reader = asyncio.get_running_loop().create_task(
            self._read(ws), name="flowstate-net-reader"
        )
        if ok.get("orphans") and resume and self._events is not None:
            self._events.orphaned()

    async def close(self) -> None:
        """End the session (what this engine left in flight can be adopted by others at
        once) and close the connection."""
        if self._ws is None:
            return
        self._closing = True
        with contextlib.suppress(RemoteError):
            await self._call("close")
        ws, self._ws = self._ws, None
        await ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
            self._reader = None
        self._fail_calls(RemoteError("unavailable", "the NetDriver is closed"))
        self._events = None

    async def _read(self, ws: Any) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            async for frame in ws:
                message = orjson.loads(frame)
                call = message.get("call")
                if call is not None:
                    future = self._calls.pop(call, None)
                    if future is not None and not future.done():
                        if "error" in message:
                            future.set_exception(error_from(message["error"]))
                        else:
                            ok = message["ok"]
                            # applied here, in frame order: a push after this answer is newer
                            if "next_at" in ok:
                                self._next_at = ok["next_at"]
                            if "pending" in ok:
                                self._pending = ok["pending"]
                            future.set_result(ok)
                    continue
                self._on_push(message)
        except ConnectionClosed:
            pass
        if self._closing:
            return
        log.warning("lost the connection to %s; reconnecting", self.url)
        self._healthy = False
        self._ws = None
        self._fail_calls(
            RemoteError("unavailable", "the connection to the flowstate server was lost: "
                        "whether the request took effect is unknown")
        )
        await self._reconnect()

    async def _reconnect(self) -> None:
        backoff = 0.05
        while not self._closing:
            try:
                await self._connect(resume=True)
                log.info("reconnected to %s (session %s)", self.url, self.session)
                return
            except RemoteError as exc:
                if exc.code != "unavailable":  # the session ended meanwhile: start anew
                    log.warning("session %s ended (%s): opening a new one", self.session, exc)
                    self.session = ""
                    with contextlib.suppress(RemoteError):
                        await self._connect_fresh_session()
                        return
            await asyncio.sleep(backoff)
            backoff = min(2.0, backoff * 2)

    async def _connect_fresh_session(self) -> None:
        published = self._published
        await self._connect(resume=False)
        # keep publishing from where we were: versions in between come from the store
        self._published = published
        if self._events is not None:
            self._events.orphaned()

    def _fail_calls(self, exc: Exception) -> None:
        calls, self._calls = self._calls, {}
        for future in calls.values():
            if not future.done():
                future.set_exception(exc)

    async def _call(self, op: str, **fields: Any) -> Any:
        ws = self._ws
        if ws is None:
            raise RemoteError("unavailable", f"not connected to the flowstate server {self.url}")
        self._next_id += 1
        call = self._next_id
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._calls[call] = future
        fields["call"] = call
        fields["op"] = op
        self._busy += 1
        self._idle.clear()
        try:
            try:
                await ws.send(orjson.dumps(fields))
            except self._send_errors as exc:
                self._calls.pop(call, None)
                raise RemoteError("unavailable", f"flowstate server {self.url}: {exc}") from exc
            return await future
        finally:
            self._busy -= 1
            if self._busy == 0:
                self._idle.set()

    # -- pushes and the feed ---------------------------------------------------------------

    def _on_push(self, message: dict[str, Any]) -> None:
        kind = message.get("push")
        if kind == "versions":
            self._offer([state_from(raw) for raw in message["states"]])
        elif kind == "delays":
            at = message.get("next_at")
            if at is not None and (self._next_at is None or at < self._next_at):
                self._next_at = at
                if self._events is not None:
                    self._events.delays_changed()
        elif kind == "orphaned":
            if self._events is not None:
                self._events.orphaned()

    def _offer(self, states: list[State]) -> None:
        """Versions in rev order (a push, or this engine's own commit): publish each once,
        in rev order; what arrives ahead of a gap waits for it."""
        fresh = [s for s in states if s.rev > self._published]
        if not fresh:
            return
        if fresh[0].rev != self._published + 1:
            self._ahead[fresh[0].rev] = fresh
            return
        self._publish(fresh)
        while self._ahead:
            ready = [first for first in self._ahead if first <= self._published + 1]
            if not ready:
                break
            for first in sorted(ready):
                rest = [s for s in self._ahead.pop(first) if s.rev > self._published]
                if rest:
                    self._publish(rest)

    def _publish(self, states: list[State]) -> None:
        self._published = states[-1].rev
        if self._events is not None:
            self._events.published(states)

    # -- properties --------------------------------------------------------------------------

    @property
    def durability(self) -> str:
        return self._durability

    @property
    def healthy(self) -> bool:
        return self._healthy

    @property
    def head_rev(self) -> int:
        return self._published

    @property
    def pending_delays(self) -> int:
        return self._pending

    @property
    def busy(self) -> bool:
        return self._busy > 0

    async def settle(self) -> None:
        await self._idle.wait()

    # -- writes ------------------------------------------------------------------------------

    async def next_data_rev(self, pending: int) -> int:
        answer = await self._call("next_data_rev", pending=pending)
        return int(answer["rev"])

    async def commit(self, request: CommitRequest) -> int:
        plan = None
        finalize = request.finalize
        if finalize is not None:
            if not isinstance(finalize, StackFinalizer):
                raise UsageError("NetDriver can only ship a commit's stack rewrite, not an "
                                 f"arbitrary finalize ({type(finalize).__name__})")
            plan = finalize.plan()
        answer = await self._call("commit", request=commit_request_json(request, plan))
        seal_request(request, answer["first_rev"], answer["committed_at"], answer["seqs"])
        if finalize is not None:
            finalize(request)
        request.pruned = answer["pruned"]
        self.delays_pruned += request.pruned
        if request.states:
            self._offer(request.states)
        return int(answer["ticket"])

    async def wait_durable(self, ticket: int) -> None:
        if ticket:
            await self._call("wait_durable", ticket=ticket)

    # -- reads -------------------------------------------------------------------------------

    async def read_state(self, id: str, rev: int = 0) -> State | None:
        answer = await self._call("read_state", id=id, rev=rev)
        return state_from(answer["state"]) if answer["state"] is not None else None

    async def read_latest(
        self, ors: tuple[dict[str, str], ...], max_rev: int | None = None
    ) -> State | None:
        answer = await self._call("read_latest", labels=list(ors), max_rev=max_rev)
        return state_from(answer["state"]) if answer["state"] is not None else None

    async def read_states(self, cmd: GetStatesCommand) -> GetStatesResult:
        answer = await self._call("read_states", query=states_query_json(cmd))
        return GetStatesResult([state_from(s) for s in answer["states"]], answer["more"])

    async def read_data(self, rev: int) -> tuple[bytes, Mapping[str, str]] | None:
        answer = await self._call("read_data", rev=rev)
        data = answer["data"]
        if data is None:
            return None
        return unb64(data["blob"], "blob"), data["annotations"]

    async def read_delays(self, cmd: GetDelayedStatesCommand) -> GetDelayedStatesResult:
        answer = await self._call("read_delays", query=delays_query_json(cmd))
        return GetDelayedStatesResult([delay_from(d) for d in answer["delays"]], answer["more"])

    # -- delays and recovery -----------------------------------------------------------------

    def next_delay_at(self) -> float | None:
        return self._next_at

    async def claim_due_delays(
        self, now: float, limits: Mapping[str, int], flows: Collection[str]
    ) -> list[DelayedEntry]:
        key = (frozenset(flows), frozenset(f for f, free in limits.items() if free <= 0))
        if key == self._claim_key and (self._next_at is None or self._next_at > now):
            return []  # nothing of ours is due (the server pushes an earlier due time)
        self._claim_key = key
        answer = await self._call(
            "claim", now=now, limits=dict(limits), flows=sorted(key[0])
        )
        return [delay_from(d) for d in answer["delays"]]

    async def adopt_orphans(self, now: float) -> list[State]:
        answer = await self._call("adopt", now=now)
        return [state_from(s) for s in answer["states"]]
