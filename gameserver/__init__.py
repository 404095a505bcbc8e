"""A real-time game server on flowstate: websocket protocol, lobby, matches as flows.

The package is laid out by layer:

- `gameserver.wire`: the protocol edge, pure: frames in (`requests`), errors with stable codes;
- `gameserver.core`: the pure match core: the match value and its table, the game interface,
  time controls; no I/O, no clock;
- `gameserver.live`: the thin I/O shells: the app, sockets, matches in memory, timers, HTTP;
- `gameserver.games`: the games this server can serve (Go in `gameserver.games.go`);
- `gameserver.bots`: the service that plays bot seats.

`create_app` and `Settings` are imported lazily, so `import gameserver.games.go` (the pure Go
rules) does not load the web stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gameserver.live.app import create_app
    from gameserver.settings import Settings

__all__ = ["Settings", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from gameserver.live.app import create_app

        return create_app
    if name == "Settings":
        from gameserver.settings import Settings

        return Settings
    raise AttributeError(f"module 'gameserver' has no attribute {name!r}")
