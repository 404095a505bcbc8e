"""A real-time game server on flowstate: websocket protocol, lobby, matches as flows."""

from gameserver.app import create_app
from gameserver.settings import Settings

__all__ = ["Settings", "create_app"]
