"""`python -m flowstate serve` (or the `flowstate` console script): a flowstate server.

    flowstate serve --db sqlite:///flowstate.sqlite3 --host 127.0.0.1 --port 8080

Applications use it as their driver (`NetDriver("http://127.0.0.1:8080")`), anyone uses its
HTTP API, and people watch their flows in its UI at `/`. See docs/server-mode.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import os
import sys
from collections.abc import Sequence

USAGE_HINT = "pip install 'flowstate-gameserver[server]'"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="flowstate", description="flowstate server mode")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run a flowstate server (HTTP API, driver, UI)")
    serve.add_argument(
        "--db",
        default=os.environ.get("FLOWSTATE_DB", "sqlite:///flowstate.sqlite3"),
        help="driver URL of the store: sqlite:///file (the default: flowstate.sqlite3 in the "
        "working directory), memory:, postgresql://user@host:port/db "
        "(default from $FLOWSTATE_DB when set)",
    )
    serve.add_argument("--host", default=os.environ.get("FLOWSTATE_HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("FLOWSTATE_PORT", "8080")))
    serve.add_argument(
        "--lease", type=float, default=5.0,
        help="seconds a disconnected client keeps its claims and in-flight states before "
        "other clients take them over",
    )
    serve.add_argument(
        "--token", default=os.environ.get("FLOWSTATE_TOKEN", ""),
        help="require this token (Authorization: Bearer, or ?token=) on every request",
    )
    serve.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    ns = parse_args(argv)
    needed = ("starlette", "uvicorn", "websockets")
    missing = [n for n in needed if importlib.util.find_spec(n) is None]
    if missing:
        sys.exit(f"flowstate serve needs {', '.join(missing)}: {USAGE_HINT}")
    import uvicorn

    from flowstate.server import ServerSettings, create_app, listening_socket

    settings = ServerSettings(
        db=ns.db, host=ns.host, port=ns.port, lease=ns.lease, token=ns.token,
        log_level=ns.log_level,
    )
    logging.basicConfig(level=ns.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    sock = listening_socket(settings.host, settings.port)
    host, port = sock.getsockname()[:2]

    def ready() -> None:  # the socket is listening: connections wait for the first accept
        print(f"flowstate serving on http://{host}:{port} (store {settings.db})", flush=True)

    loop = "uvloop" if importlib.util.find_spec("uvloop") is not None else "asyncio"
    config = uvicorn.Config(
        create_app(settings, ready=ready),
        log_level=settings.log_level,
        loop=loop,
        ws="websockets-sansio",
        ws_max_size=64 * 1024 * 1024,
        lifespan="on",
        timeout_graceful_shutdown=10,
    )
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main()
