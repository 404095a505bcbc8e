"""The JSON HTTP API: one endpoint per engine command, the stats, and the state stream (SSE).

Every answer is JSON; an error is `{"error": {"code", "message", ...}}` with the code's
HTTP status (`flowstate.wire.ERROR_CODES`). docs/server.md has the schema with examples.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response, StreamingResponse

from flowstate.commands import (
    DelayCommand,
    GetDelayedStatesCommand,
    get_data,
    get_state_by_id,
    get_state_by_labels,
    get_states,
    store_data,
)
from flowstate.engine import Engine
from flowstate.errors import FlowstateError, NotFoundError, UsageError
from flowstate.hub import Hub
from flowstate.state import State, StateCtx
from flowstate.wire import (
    ERROR_CODES,
    BadRequestError,
    b64,
    delay_json,
    delays_query,
    error_json,
    obj,
    states_query,
)

from .commands import commit_of, ctx_from, ctx_json, decode_commands

__all__ = ["Served", "json_response"]

HISTORY_WINDOW = 50_000  # versions of the log a state's history is looked for in
STREAM_BATCH = 256
KEEPALIVE = 15.0  # seconds between SSE comments on an idle stream


@dataclass
class Served:
    """What the API serves: an engine (a getter: the game server builds its engine after
    its routes), its hub if it is a flowstate server, and the access rules."""

    engine_of: Callable[[], Engine]
    hub: Hub | None = None
    read_only: bool = False
    token: str = ""
    delay_listeners: set[Callable[[], None]] = field(default_factory=set)

    @property
    def engine(self) -> Engine:
        return self.engine_of()

    def delays_changed(self) -> None:
        for listener in list(self.delay_listeners):
            listener()


def json_response(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status, media_type="application/json")


def error_response(exc: BaseException) -> Response:
    body = error_json(exc)
    return json_response({"error": body}, ERROR_CODES.get(body["code"], 500))


def served_of(request: Request) -> Served:
    served: Served = request.app.state.served
    return served


Handler = Callable[[Request, Served], Awaitable[Response]]


def endpoint(handler: Handler, *, writes: bool = False) -> Callable[[Request], Awaitable[Response]]:
    """Wrap a handler: the token check, read-only mode, and errors as stable codes."""

    async def run(request: Request) -> Response:
        served = served_of(request)
        if served.token and not authorized(request, served.token):
            return json_response(
                {"error": {"code": "unauthorized", "message": "a valid admin token is required"}},
                401,
            )
        if writes and served.read_only:
            return json_response(
                {"error": {"code": "read_only", "message": "this API is read-only"}}, 403
            )
        try:
            return await handler(request, served)
        except FlowstateError as exc:
            return error_response(exc)

    return run


def authorized(conn: HTTPConnection, token: str) -> bool:
    """Whether a request or websocket carries `token` (a Bearer header, or `?token=`)."""
    given = conn.query_params.get("token", "")
    header = conn.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        given = header[7:]
    return hmac.compare_digest(given.encode(), token.encode())


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        parsed = orjson.loads(raw or b"{}")
    except orjson.JSONDecodeError as exc:
        raise BadRequestError("body", f"is not JSON: {exc}") from None
    return obj(parsed, "body")


# -- commands ---------------------------------------------------------------------------------


async def do_commit(request: Request, served: Served) -> Response:
    body = await _body(request)
    durable = body.get("durable", False)
    if not isinstance(durable, bool):
        raise BadRequestError("durable", "must be true or false")
    ctxs, cmds = decode_commands(body)
    cmd = commit_of(cmds, durable)
    await served.engine.do(cmd)
    delays = [c.result.to_json() for c in cmds
              if isinstance(c, DelayCommand) and c.result is not None]  # the delayed snapshots
    return json_response({"ctxs": {n: ctx_json(c) for n, c in ctxs.items()}, "delays": delays})


async def _ctx_alias(request: Request) -> tuple[StateCtx, str]:
    body = await _body(request)
    alias = body.get("alias")
    if not isinstance(alias, str) or not alias:
        raise BadRequestError("alias", "must be a non-empty string")
    return ctx_from(body.get("ctx"), "ctx"), alias


async def do_store_data(request: Request, served: Served) -> Response:
    ctx, alias = await _ctx_alias(request)
    if alias not in ctx.datas:
        raise BadRequestError(f"ctx.datas.{alias}", "is missing: nothing to store")
    await served.engine.do(store_data(ctx, alias))
    return json_response({"ctx": ctx_json(ctx)})


async def do_get_data(request: Request, served: Served) -> Response:
    ctx, alias = await _ctx_alias(request)
    await served.engine.do(get_data(ctx, alias))
    return json_response({"ctx": ctx_json(ctx)})


async def do_get_state_by_id(request: Request, served: Served) -> Response:
    body = await _body(request)
    ctx = StateCtx()
    try:
        cmd = get_state_by_id(ctx, body.get("id"), body.get("rev", 0))  # type: ignore[arg-type]
    except UsageError as exc:
        raise BadRequestError("id", str(exc)) from None
    await served.engine.do(cmd)
    return json_response({"state": ctx.committed.to_json()})


async def do_get_state_by_labels(request: Request, served: Served) -> Response:
    body = await _body(request)
    ctx = StateCtx()
    try:
        cmd = get_state_by_labels(ctx, body.get("labels"))  # type: ignore[arg-type]
    except UsageError as exc:
        raise BadRequestError("labels", str(exc)) from None
    await served.engine.do(cmd)
    return json_response({"state": ctx.committed.to_json()})


async def do_get_states(request: Request, served: Served) -> Response:
    cmd = states_query(await _body(request))
    await served.engine.do(cmd)
    result = cmd.must_result()
    return json_response({"states": [s.to_json() for s in result.states], "more": result.more})


async def do_get_delayed_states(request: Request, served: Served) -> Response:
    cmd = delays_query(await _body(request))
    await served.engine.do(cmd)
    result = cmd.must_result()
    return json_response({"delays": [delay_json(e) for e in result.delays], "more": result.more})


# -- reads for the UI (GET, query parameters) -------------------------------------------------


def parse_label_filter(text: str) -> list[dict[str, str]]:
    """`k=v k2=v2 | k=w`: terms AND within a group, groups (split by `|` or `;`) OR."""
    groups: list[dict[str, str]] = []
    for group in text.replace(";", "|").split("|"):
        ands: dict[str, str] = {}
        for term in group.replace(",", " ").split():
            key, sep, value = term.partition("=")
            if not sep or not key:
                raise BadRequestError("labels", f"{term!r} is not a key=value term")
            ands[key] = value
        if ands:
            groups.append(ands)
    return groups


def _query_int(request: Request, key: str, default: int) -> int:
    raw = request.query_params.get(key)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise BadRequestError(key, f"{raw!r} is not an integer") from None


async def list_states(request: Request, served: Served) -> Response:
    params = request.query_params
    cmd = states_query(
        {
            "labels": parse_label_filter(params.get("labels", "")),
            "since_rev": _query_int(request, "since_rev", 0),
            "latest_only": params.get("latest_only") in ("1", "true"),
            "limit": _query_int(request, "limit", 50),
        }
    )
    await served.engine.do(cmd)
    result = cmd.must_result()
    return json_response({"states": [s.to_json() for s in result.states], "more": result.more})


async def latest_states(request: Request, served: Served) -> Response:
    """The newest `limit` versions matching the filter (with `latest_only`, the newest
    version of each state), oldest first: the UI's first page, read backwards through the
    log in windows (at most `HISTORY_WINDOW` versions back)."""
    params = request.query_params
    labels = parse_label_filter(params.get("labels", ""))
    latest_only = params.get("latest_only") in ("1", "true")
    limit = min(max(_query_int(request, "limit", 100), 1), 1000)
    engine = served.engine
    head = engine.driver.head_rev
    newest_first: list[Any] = []
    seen: set[str] = set()
    window = 1000
    upto = head
    while upto > 0 and len(newest_first) < limit and head - upto < HISTORY_WINDOW:
        since = max(0, upto - window)
        cmd = get_states(labels, since_rev=since, limit=window)
        try:
            await engine.do(cmd)
        except FlowstateError:  # older history is trimmed
            break
        for state in reversed(cmd.must_result().states):
            if state.rev > upto or (latest_only and state.id in seen):
                continue
            seen.add(state.id)
            newest_first.append(state)
            if len(newest_first) >= limit:
                break
        upto = since
    return json_response({"states": [s.to_json() for s in reversed(newest_first)], "head": head})


async def state_history(request: Request, served: Served) -> Response:
    """Every retained version of one state (within the last `HISTORY_WINDOW` versions)."""
    id = request.path_params["id"]
    engine = served.engine
    latest = await engine.driver.read_state(id)
    if latest is None:
        raise NotFoundError(f"state {id!r}")
    versions: list[State] = []
    since = max(0, latest.rev - HISTORY_WINDOW)
    while True:
        cmd = get_states(since_rev=since, limit=1000)
        try:
            await engine.do(cmd)
        except FlowstateError:  # history trimmed: start at what is retained
            since = latest.rev - 1
            continue
        result = cmd.must_result()
        versions.extend(s for s in result.states if s.id == id and s.rev <= latest.rev)
        if not result.more or not result.states or result.states[-1].rev >= latest.rev:
            break
        since = result.states[-1].rev
    if not versions or versions[-1].rev != latest.rev:
        versions.append(latest)
    return json_response({"id": id, "versions": [s.to_json() for s in versions]})


async def get_data_rev(request: Request, served: Served) -> Response:
    rev = request.path_params["rev"]
    found = await served.engine.driver.read_data(rev)
    if found is None:
        raise NotFoundError(f"data rev {rev}")
    blob, annotations = found
    return json_response({"rev": rev, "blob": b64(blob), "annotations": dict(annotations)})


async def list_delays(request: Request, served: Served) -> Response:
    cmd = GetDelayedStatesCommand(None, None, _query_int(request, "since_seq", 0),
                                  min(max(_query_int(request, "limit", 200), 1), 1000))
    await served.engine.do(cmd)
    result = cmd.must_result()
    return json_response({"delays": [delay_json(e) for e in result.delays], "more": result.more,
                          "now": served.engine.clock.now()})


def stats_json(served: Served) -> dict[str, Any]:
    engine = served.engine
    delayer = engine.delayer_stats()
    recovery = engine.recovery_stats()
    out: dict[str, Any] = {
        "head_rev": engine.driver.head_rev,
        "healthy": engine.driver.healthy,
        "read_only": served.read_only,
        "now": engine.clock.now(),
        "delayer": {
            "added": delayer.added,
            "fired": delayer.fired,
            "dropped": delayer.dropped,
            "pending": delayer.pending,
        },
        "recovery": {
            "added": recovery.added,
            "retried": recovery.retried,
            "dropped": recovery.dropped,
            "completed": recovery.completed,
            "tracked": recovery.tracked,
            "resumed": recovery.resumed,
        },
        "failed_executions": engine.failed_executions,
        "watchers": engine.watchers,
    }
    hub = served.hub
    if hub is not None:
        out["clients"] = hub.stats()
    return out


async def stats(request: Request, served: Served) -> Response:
    return json_response(stats_json(served))


async def info(request: Request, served: Served) -> Response:
    return json_response(
        {
            "read_only": served.read_only,
            "head_rev": served.engine.driver.head_rev,
            "driver": served.hub is not None,
        }
    )


# -- the stream ---------------------------------------------------------------------------------


async def watch(request: Request, served: Served) -> Response:
    """Server-sent events: every committed version matching `labels` after `since_rev` (or
    after the `Last-Event-ID` a reconnecting EventSource sends), as `event: state` with the
    rev as its id; `event: delays` when pending delays changed (the UI reloads them)."""
    labels = parse_label_filter(request.query_params.get("labels", ""))
    since = _query_int(request, "since_rev", -1)
    last = request.headers.get("last-event-id", "")
    if last.isdigit():
        since = int(last)
    engine = served.engine
    if since < 0:
        since = engine.driver.head_rev
    watcher = engine.watch(get_states(labels, since_rev=since))
    return StreamingResponse(
        _events(watcher, served, request),
        media_type="text/event-stream",
        headers={"cache-control": "no-store", "x-accel-buffering": "no"},
    )


async def _events(watcher: Any, served: Served, request: Request) -> AsyncIterator[bytes]:
    changed = asyncio.Event()
    served.delay_listeners.add(changed.set)
    engine = served.engine
    last_stats = engine.delayer_stats()
    next_state: asyncio.Future[Any] = asyncio.ensure_future(watcher.__anext__())
    notice: asyncio.Future[Any] = asyncio.ensure_future(changed.wait())
    try:
        yield b"retry: 500\n\n"
        while True:
            done, _ = await asyncio.wait(
                {next_state, notice}, timeout=KEEPALIVE, return_when=asyncio.FIRST_COMPLETED
            )
            if not done:
                yield b": keepalive\n\n"
                continue
            out: list[bytes] = []
            if next_state in done:
                try:
                    first = next_state.result()
                except StopAsyncIteration:
                    return
                for state in [first, *watcher.take_ready(STREAM_BATCH)]:
                    data = orjson.dumps(state.to_json())
                    out.append(b"id: %d\nevent: state\ndata: %s\n\n" % (state.rev, data))
                next_state = asyncio.ensure_future(watcher.__anext__())
                now_stats = engine.delayer_stats()
                if now_stats != last_stats:
                    last_stats = now_stats
                    changed.set()
            if changed.is_set():
                changed.clear()
                out.append(b"event: delays\ndata: {}\n\n")
                notice.cancel()
                notice = asyncio.ensure_future(changed.wait())
            yield b"".join(out)
    finally:
        served.delay_listeners.discard(changed.set)
        for fut in (next_state, notice):
            fut.cancel()
            with contextlib.suppress(BaseException):
                await fut
        watcher.close_nowait()

