"""`python -m gameserver`: run the server with uvicorn."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import uvicorn

from gameserver.app import create_app
from gameserver.settings import Settings


def parse_args(argv: Sequence[str] | None = None) -> Settings:
    parser = argparse.ArgumentParser(prog="gameserver", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--db", default="gameserver.sqlite3", help="SQLite file")
    parser.add_argument("--durability", choices=["default", "strict"], default="default")
    parser.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )
    ns = parser.parse_args(argv)
    return Settings(
        host=ns.host, port=ns.port, db=ns.db, durability=ns.durability, log_level=ns.log_level
    )


def main(argv: Sequence[str] | None = None) -> None:
    settings = parse_args(argv)
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
    )


if __name__ == "__main__":
    main()
