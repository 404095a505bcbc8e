"""Go's requests as the match core takes them (`act`), for the pure tests."""

from __future__ import annotations

from typing import Any

from gameserver.wire import requests as c


def act(game_id: str, rev: int | None, type: str, **fields: Any) -> c.Act:
    return c.Act(None, game_id, rev, {"type": type, **fields})


def move(game_id: str, rev: int, x: int, y: int) -> c.Act:
    return act(game_id, rev, "move", x=x, y=y)


def pass_(game_id: str, rev: int) -> c.Act:
    return act(game_id, rev, "pass")


def resign(game_id: str) -> c.Act:
    return act(game_id, None, "resign")


def undo_request(game_id: str, rev: int) -> c.Act:
    return act(game_id, rev, "undo_request")


def undo_reply(game_id: str, accept: bool) -> c.Act:
    return act(game_id, None, "undo_reply", accept=accept)


def mark_dead(game_id: str, x: int, y: int, dead: bool) -> c.Act:
    return act(game_id, None, "mark_dead", x=x, y=y, dead=dead)


def accept_score(game_id: str, rev: int) -> c.Act:
    return act(game_id, rev, "accept_score")


def resume_play(game_id: str) -> c.Act:
    return act(game_id, None, "resume_play")
