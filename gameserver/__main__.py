"""`python -m gameserver`: run the server with uvicorn."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import uvicorn

from gameserver.app import create_app
from gameserver.server import uvicorn_config
from gameserver.settings import Settings


def parse_args(argv: Sequence[str] | None = None) -> Settings:
    parser = argparse.ArgumentParser(prog="gameserver", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--db", default="gameserver.sqlite3",
                        help="SQLite file the games are kept in (':memory:' keeps nothing)")
    parser.add_argument("--durability", choices=["default", "strict"], default="default",
                        help="default: write-behind snapshots; strict: a commit waits for disk")
    parser.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )
    parser.add_argument("--ws", default=Settings().ws_backend,
                        choices=["websockets-sansio", "websockets", "wsproto"],
                        help="uvicorn websocket backend")
    parser.add_argument("--loop", default=Settings().loop, choices=["uvloop", "asyncio"])
    ns = parser.parse_args(argv)
    return Settings(
        host=ns.host, port=ns.port, db=ns.db, durability=ns.durability, log_level=ns.log_level,
        ws_backend=ns.ws, loop=ns.loop, tune_gc=True,
    )


def main(argv: Sequence[str] | None = None) -> None:
    settings = parse_args(argv)
    uvicorn.Server(uvicorn_config(create_app(settings), settings)).run()


if __name__ == "__main__":
    main()
