"""Running the app under uvicorn: one place for the server options every launcher uses.

Websockets: uvicorn's `ws=` setting takes the protocol class it builds for each upgrade; ours
(`gameserver.live.sockets.protocol_factory`) makes every `/ws` socket a
`gameserver.live.connection.Connection` of the running app, so the websocket path skips ASGI.
Any uvicorn that keeps that setting works; no uvicorn internals are used.
"""

from __future__ import annotations

import asyncio
import gc
import importlib.util
import logging
import socket
from typing import Any

import uvicorn
from starlette.applications import Starlette
from uvicorn.config import HTTP_PROTOCOLS
from uvicorn.importer import import_from_string

from gameserver.live.gate import Gate, gated
from gameserver.live.sockets import SocketServer, protocol_factory
from gameserver.settings import Settings

#: the loggers of this project; `--log-level` sets them (uvicorn's are set by uvicorn)
PROJECT_LOGGERS = ("gameserver", "flowstate")


def uvicorn_config(app: Starlette, settings: Settings, **overrides: Any) -> uvicorn.Config:
    """Our websocket protocol (no permessage-deflate: see docs/bench-server.md), uvicorn's
    HTTP protocol behind our connection gate (caps, head timeout: `gameserver.live.gate`) and
    the fastest event loop available."""
    loop = settings.loop
    if loop == "uvloop" and importlib.util.find_spec("uvloop") is None:
        loop = "asyncio"

    def sockets() -> SocketServer | None:
        runtime = getattr(app.state, "runtime", None)
        return None if runtime is None else runtime.sockets

    def gate() -> Gate | None:
        server = sockets()
        return None if server is None else server.gate

    http = gated(import_from_string(HTTP_PROTOCOLS.get(settings.http, settings.http)), gate)

    options: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_level": settings.log_level,
        "ws": protocol_factory(sockets),
        "loop": loop,
        "http": http,
        "timeout_keep_alive": settings.http_keep_alive,
        "lifespan": "on",
        "access_log": False,
    }
    options.update(overrides)
    return uvicorn.Config(app, **options)


def listening_socket(host: str, port: int, *, reuse_port: bool = False) -> socket.socket:
    """A bound TCP socket for uvicorn (`Server.run(sockets=[...])`); with `reuse_port`
    several processes can listen on the same port (the kernel spreads new connections)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def configure_logging(level: str) -> None:
    """Make `--log-level` reach the `gameserver` and `flowstate` loggers: uvicorn configures
    only its own, so without this the server's INFO lines (a socket closed for flooding, a
    slow consumer cut off, persistence recovering) would never appear. Where nobody set up
    logging (no handler on the root logger), they print to stderr like uvicorn's."""
    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        raise ValueError(f"no log level {level!r}")
    configured = bool(logging.getLogger().handlers)
    for name in PROJECT_LOGGERS:
        logger = logging.getLogger(name)
        logger.setLevel(numeric)
        if not configured and not logger.handlers:
            handler = logging.StreamHandler()
            handler.setFormatter(logging.Formatter("%(levelname)s:     %(name)s: %(message)s"))
            logger.addHandler(handler)


def tune_gc() -> None:
    """Keep the cyclic collector off the move -> broadcast path: freeze what startup made and
    collect young objects far less often (pushes allocate few, short-lived, acyclic objects)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)


async def freeze_survivors(interval: float = 1.0, full_every: float = 600.0) -> None:
    """Every `interval` seconds move what survived into the permanent generation, so the
    collector never rescans the engine's ever-growing store of committed states (measured:
    15-40 ms gen1 pauses every ~1 s at 2,000 moves/s without this). Committed states are
    acyclic and freed by reference counting when trimmed; the cyclic garbage a freeze may catch
    (rare: exceptions with tracebacks) is reclaimed by a full collection every `full_every`."""
    loop = asyncio.get_running_loop()
    full_at = loop.time() + full_every
    while True:
        await asyncio.sleep(interval)
        if loop.time() >= full_at:
            gc.unfreeze()
            gc.collect()
            full_at = loop.time() + full_every
        gc.freeze()
