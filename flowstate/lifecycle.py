"""Running an engine as a service: until SIGTERM or SIGINT, then a clean shutdown.

`docker stop`, `systemctl stop` and Kubernetes send SIGTERM, then SIGKILL after a grace period
(10-30 s). Python's default for SIGTERM is to die at once, so without a handler nothing is
flushed: in the default durability mode, commits acknowledged in the last `flush_interval`
are lost. `run_until_signal` turns the signal into `engine.shutdown()`: no new work is
accepted, running flows get `shutdown_timeout` to return, write-behind snapshots are flushed
and closed, and on a shared store this engine's in-flight work is released to the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flowstate.engine import Engine

__all__ = ["run_until_signal"]

DEFAULT_SIGNALS = (signal.SIGTERM, signal.SIGINT)


async def run_until_signal(
    engine: Engine,
    main: Callable[[Engine], Awaitable[object]] | None = None,
    *,
    signals: Iterable[int] = DEFAULT_SIGNALS,
) -> int | None:
    """Start `engine` (if it is not running), run `main(engine)` beside it, and wait for one
    of `signals` or for `main` to return. Then cancel `main`, shut the engine down cleanly
    and return the signal number (None when `main` returned first; its error propagates,
    after the shutdown).

        async def main(engine):           # your producers, servers, ...
            ...

        asyncio.run(run_until_signal(Engine(driver, registry), main))
    """
    loop = asyncio.get_running_loop()
    received: asyncio.Future[int] = loop.create_future()

    def on_signal(signum: int) -> None:
        if not received.done():
            received.set_result(signum)

    installed: list[int] = []
    try:
        for signum in signals:
            loop.add_signal_handler(signum, on_signal, signum)
            installed.append(signum)
        if not engine.running:
            await engine.start()
        task = asyncio.ensure_future(main(engine)) if main is not None else None
        try:
            waiting: set[asyncio.Future[object]] = {received}  # type: ignore[arg-type]
            if task is not None:
                waiting.add(task)
            await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await engine.shutdown()
        if task is not None and task.done() and not received.done():
            task.result()  # main returned (or raised) first
            return None
        return received.result() if received.done() else None
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)
        if not received.done():
            received.cancel()
