"""A change's whole outcome, computed once before anything is committed or sent.

`plan` takes the match a command (or a deadline, a join, a presence change) produced and the
event it caused, and derives in one place everything the live layer needs: the phase, the next
deadline, the encoded `update` push (the very bytes every watching socket receives) and whether
the lobby's picture of the game changes. Pure: no I/O, `now` is an argument.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson

from gameserver.core.match import (
    Deadline,
    Event,
    Limits,
    Match,
    MatchPhase,
    deadline,
    game_view,
    snapshot_view,
)
from gameserver.core.rules import Rules
from gameserver.wire import frames

__all__ = ["Plan", "plan"]


@dataclass(frozen=True, slots=True)
class Plan:
    match: Match  # the next value (its rev one above the committed one's)
    event: Event
    phase: MatchPhase
    deadline: Deadline | None  # when something happens next unless somebody acts
    at: float  # when it happened: the instant the push shows clocks at
    push: bytes  # the frame every watcher receives
    lobby: bool  # the game is or was waiting: the lobby hears of the change
    note: str  # `[at, event]` as JSON, stored with the version for other writers' watchers


def plan(before: MatchPhase | None, match: Match, event: Event, rules: Rules, limits: Limits,
         now: float, *, snapshot: bool = False) -> Plan:
    """The outcome of going from a match in phase `before` (None: a new match) to `match`
    because of `event` at `now`. `snapshot` pushes a full `game` (a new match's first
    frame) instead of an `update`."""
    phase = match.phase(rules)
    if snapshot:
        push = frames.snapshot(snapshot_view(match, rules, now))
    else:
        push = frames.update(match.id, match.rev, event, game_view(match, rules, now, phase))
    return Plan(match, event, phase, deadline(match, rules, limits, phase), now, push,
                before is None or before == "waiting" or phase == "waiting",
                orjson.dumps([now, event]).decode())
