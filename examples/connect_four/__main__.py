"""`python -m examples.connect_four`: the game server with Go and connect four."""

from __future__ import annotations

import uvicorn

from gameserver.__main__ import parse_args
from gameserver.live.server import uvicorn_config

from .app import create_app


def main() -> None:
    settings = parse_args()
    uvicorn.Server(uvicorn_config(create_app(settings), settings)).run()


if __name__ == "__main__":
    main()
