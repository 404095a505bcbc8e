"""The pytest entry point of the distribution: the test kit's fixtures (`gameserver.testing`)
when the game server's dependencies (the `gameserver` extra) are installed, and nothing
otherwise, so that pytest still runs in an engine-only install. (`gameserver.testing` itself
copes with a missing pytest-asyncio.)"""

from __future__ import annotations

import importlib.util

_NEEDS = ("starlette", "uvicorn", "websockets")

if all(importlib.util.find_spec(name) is not None for name in _NEEDS):
    from gameserver.testing import fake_clock, game_server, make_client

    __all__ = ["fake_clock", "game_server", "make_client"]
else:
    __all__ = []
