"""Running the app under uvicorn: one place for the server options every launcher uses."""

from __future__ import annotations

import asyncio
import gc
import importlib.util
from typing import Any

import uvicorn

from gameserver.settings import Settings


def uvicorn_config(app: Any, settings: Settings, **overrides: Any) -> uvicorn.Config:
    """Frame limit at the protocol layer, no permessage-deflate (see docs/bench-server.md),
    the fastest event loop and websocket backend available."""
    loop = settings.loop
    if loop == "uvloop" and importlib.util.find_spec("uvloop") is None:
        loop = "asyncio"
    options: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_level": settings.log_level,
        "ws": settings.ws_backend,
        "ws_max_size": settings.max_frame_bytes,
        "ws_per_message_deflate": False,
        "loop": loop,
        "http": settings.http,
        "lifespan": "on",
        "access_log": False,
    }
    options.update(overrides)
    return uvicorn.Config(app, **options)


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
