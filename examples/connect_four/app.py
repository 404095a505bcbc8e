"""The game server with connect four added to its games."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette

from gameserver import Settings
from gameserver import create_app as create_gameserver
from gameserver.core.rules import Rules
from gameserver.games.go.rules import GoRules

from .rules import ConnectFour


def games() -> dict[str, Rules]:
    return {"go": GoRules(), "connect_four": ConnectFour()}


def create_app(settings: Settings | None = None, **options: Any) -> Starlette:
    return create_gameserver(settings, games=games(), **options)
