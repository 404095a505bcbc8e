"""The websocket `NetDriver` speaks: `/api/v1/driver`, one connection per client engine.

Frames are JSON (binary frames of UTF-8). The client opens with `hello`, then sends
requests `{"call": n, "op": ..., ...}`; each gets `{"call": n, "ok": {...}}` or
`{"call": n, "error": {"code", "message", ...}}`, in order. The server also pushes, on the
same connection and in order with the answers:

- `{"push": "versions", "states": [...]}`: every committed version, in rev order, each once,
  from the rev the client said it has (`hello.since`) on, whoever committed it;
- `{"push": "delays", "next_at": t}`: the next delay of the client's flows falls due at `t`
  (sent before the answer to the commit that made it earlier);
- `{"push": "orphaned"}`: another client's session ended with states in flight: adopt them.

The operations are the `Driver` methods (docs/server.md lists their fields).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from starlette.websockets import WebSocket, WebSocketDisconnect

from flowstate.commands import get_states
from flowstate.engine import Engine
from flowstate.errors import FlowstateError
from flowstate.hub import Hub, Session
from flowstate.state import State
from flowstate.wire import (
    BadRequestError,
    b64,
    commit_request,
    delay_json,
    delays_query,
    error_json,
    labels_query,
    states_query,
)

__all__ = ["DriverSocket", "VersionCache"]

log = logging.getLogger("flowstate.server")

PUSH_BATCH = 512  # versions per push frame


class VersionCache:
    """Encoded versions by rev: each version is encoded once, whatever the number of
    clients it is pushed to."""

    __slots__ = ("_by_rev", "_size")

    def __init__(self, size: int = 8192) -> None:
        self._by_rev: dict[int, bytes] = {}
        self._size = size

    def encode(self, state: State) -> bytes:
        found = self._by_rev.get(state.rev)
        if found is None:
            found = orjson.dumps(state.to_json())
            if len(self._by_rev) >= self._size:
                for rev in list(self._by_rev)[: self._size // 2]:
                    del self._by_rev[rev]
            self._by_rev[state.rev] = found
        return found

    def frame(self, states: list[State]) -> bytes:
        return b'{"push":"versions","states":[' + b",".join(map(self.encode, states)) + b"]}"


def _field(msg: dict[str, Any], key: str, kind: type, default: Any = None) -> Any:
    value = msg.get(key, default)
    if value is None and default is None:
        raise BadRequestError(key, "is missing")
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise BadRequestError(key, f"must be {kind.__name__}, got {type(value).__name__}")
    return value


class DriverSocket:
    """One client engine's connection: its session, its version feed and its requests."""

    def __init__(self, ws: WebSocket, engine: Engine, hub: Hub, cache: VersionCache) -> None:
        self.ws = ws
        self.engine = engine
        self.hub = hub
        self.cache = cache
        self.outbox: asyncio.Queue[bytes] = asyncio.Queue()
        self.session: Session | None = None
        self.closing = False
        self._ops: dict[str, Callable[[Session, dict[str, Any]], Awaitable[dict[str, Any]]]] = {
            "commit": self._commit,
            "wait_durable": self._wait_durable,
            "next_data_rev": self._next_data_rev,
            "read_state": self._read_state,
            "read_latest": self._read_latest,
            "read_states": self._read_states,
            "read_data": self._read_data,
            "read_delays": self._read_delays,
            "claim": self._claim,
            "adopt": self._adopt,
            "close": self._close,
        }

    def push(self, message: dict[str, Any]) -> None:
        self.outbox.put_nowait(orjson.dumps(message))

    async def run(self) -> None:
        ws = self.ws
        await ws.accept()
        try:
            hello = orjson.loads(await ws.receive_bytes())
            if not isinstance(hello, dict) or hello.get("op") != "hello":
                raise BadRequestError("op", "the first message must be hello")
            since = hello.get("since")  # None: a new client, from the head on
            if since is not None:
                since = _field(hello, "since", int)
            session = self.hub.open_session(_field(hello, "session", str, ""))
        except (FlowstateError, orjson.JSONDecodeError, KeyError) as exc:
            with contextlib.suppress(Exception):
                await ws.send_bytes(orjson.dumps({"call": 0, "error": error_json(exc)}))
                await ws.close(1008)
            return
        except WebSocketDisconnect:
            return
        self.session = session
        session.on_delays = lambda at: self.push({"push": "delays", "next_at": at})
        session.on_orphans = lambda: self.push({"push": "orphaned"})
        head = self.engine.driver.head_rev
        start = head if since is None else min(since, head)
        watcher = self.engine.watch(get_states(since_rev=start))
        self.push(
            {
                "call": 0,
                "ok": {
                    "session": session.id,
                    "head": self.engine.driver.head_rev,
                    "lease": self.hub.lease,
                    "durability": self.hub.durability,
                    "pending": self.hub.pending_delays,
                    "orphans": bool(self.hub.orphans),
                },
            }
        )
        try:
            async with asyncio.TaskGroup() as tasks:
                writer = tasks.create_task(self._write())
                feeder = tasks.create_task(self._feed(watcher))
                await self._read(session)
                feeder.cancel()
                self.outbox.put_nowait(b"")  # the writer sends what is queued, then stops
                await writer
        finally:
            watcher.close_nowait()
            if self.closing:
                self.hub.end(session)
            else:
                self.hub.detach(session)

    async def _read(self, session: Session) -> None:
        ws = self.ws
        while not self.closing:
            try:
                raw = await ws.receive()
            except RuntimeError:
                return
            if raw["type"] == "websocket.disconnect":
                return
            data = raw.get("bytes") or (raw.get("text") or "").encode()
            msg_id = 0
            try:
                msg = orjson.loads(data)
                if not isinstance(msg, dict):
                    raise BadRequestError("message", "must be an object")
                msg_id = msg.get("call", 0)
                op = self._ops.get(msg.get("op", ""))
                if op is None:
                    raise BadRequestError("op", f"unknown operation {msg.get('op')!r}")
                answer: dict[str, Any] = {"call": msg_id, "ok": await op(session, msg)}
            except orjson.JSONDecodeError as exc:
                answer = {"call": msg_id, "error": error_json(BadRequestError("message", str(exc)))}
            except FlowstateError as exc:
                answer = {"call": msg_id, "error": error_json(exc)}
            except (TypeError, ValueError, KeyError) as exc:
                answer = {"call": msg_id, "error": error_json(BadRequestError("message", str(exc)))}
            self.outbox.put_nowait(orjson.dumps(answer))

    async def _write(self) -> None:
        ws = self.ws
        outbox = self.outbox
        while True:
            data = await outbox.get()
            if not data:
                return
            try:
                await ws.send_bytes(data)
            except (WebSocketDisconnect, RuntimeError, OSError):
                return  # the client is gone: the reader sees the disconnect

    async def _feed(self, watcher: Any) -> None:
        cache = self.cache
        async for state in watcher:
            batch = [state, *watcher.take_ready(PUSH_BATCH - 1)]
            self.outbox.put_nowait(cache.frame(batch))

    # -- operations ------------------------------------------------------------------------

    async def _commit(self, session: Session, msg: dict[str, Any]) -> dict[str, Any]:
        request = commit_request(_field(msg, "request", dict))
        ticket = await self.hub.commit_for(session, request)
        states = request.states
        answer: dict[str, Any] = {
            "first_rev": states[0].rev if states else 0,
            "committed_at": states[0].committed_at if states else 0.0,
            "seqs": [entry.seq for entry in request.delays],
            "pruned": request.pruned,
            "pending": self.hub.pending_delays,
            "ticket": ticket,
        }
        return answer

    async def _wait_durable(self, session: Session, msg: dict[str, Any]) -> dict[str, Any]:
        await self.hub.wait_durable(_field(msg, "ticket", int))
        return {}

    async def _next_data_rev(self, session: Session, msg: dict[str, Any]) -> dict[str, Any]:
        return {"rev": await self.hub.next_data_rev(_field(msg, "pending", int, 0))}

    async def _read_state(self, session: Session, msg: dict[str, Any]) -> dict[str, Any]:
        state = await self.hub.read_state(_field(msg, "id", str), _field(msg, "rev", int, 0))
        return {"state": state.to_json() if state is not None else None}

    async def _read_latest(self, session: Session, msg: dict[str, Any]) -> dict[str, Any]:
        max_rev = msg.get("max_rev")
        if max_rev is not None:
            max_rev = _field(msg, "max_rev", int)
        state = await self.hub.read_latest(labels_query(msg.get("labels")), max_rev)
        return {"state": state.to_json() if state is not None else None}

    async def _read_states(self, session: Session, msg: dict[str, Any]) -> dict[str, Any]:
        result = await self.hub.read_states(states_query(_field(msg, "query", dict)))
        return {"states": [s.to_json() for s in result.states], "more": result.more}

    async def _read_data(self, session: Session, msg: dict[str, Any]) -> dict[str, Any]:
        found = await self.hub.read_data(_field(msg, "rev", int))
        if found is None:
            return {"data": None}
        return {"data": {"blob": b64(found[0]), "annotations": dict(found[1])}}

    async def _read_delays(self, session: Session, msg: dict[str, Any]) -> dict[str, Any]:
        result = await self.hub.read_delays(delays_query(_field(msg, "query", dict)))
        return {"delays": [delay_json(e) for e in result.delays], "more": result.more}

    async def _claim(self, session: Session, msg: dict[str, Any]) -> dict[str, Any]:
        now = msg.get("now")
        if isinstance(now, bool) or not isinstance(now, int | float):
            raise BadRequestError("now", "must be a number (unix seconds)")
        limits = _field(msg, "limits", dict, {})
        flows = _field(msg, "flows", list)
        if not all(isinstance(v, int) for v in limits.values()):
            raise BadRequestError("limits", "must map flow ids to integers")
        if not all(isinstance(f, str) for f in flows):
            raise BadRequestError("flows", "must be a list of flow ids")
        entries = await self.hub.claim_for(session, float(now), limits, flows)
        return {
            "delays": [delay_json(e) for e in entries],
            "next_at": session.told,
            "pending": self.hub.pending_delays,
        }

    async def _adopt(self, session: Session, msg: dict[str, Any]) -> dict[str, Any]:
        return {"states": [s.to_json() for s in self.hub.adopt_for(session)]}

    async def _close(self, session: Session, msg: dict[str, Any]) -> dict[str, Any]:
        if session.claims or session.owned:
            log.debug("session %s closing with claims or in-flight states", session.id)
        self.closing = True
        return {}

