"""A change's whole outcome, computed once before anything is committed or sent.

`plan` takes the match a request (or a deadline, a join, a presence change) produced and the
event it caused, and derives in one place everything the live layer needs: the phase, the next
deadline, the encoded push (the very bytes every watching socket receives) and whether the
lobby's picture of the game changes. For a game with hidden information (`Game.hidden`) each
seat gets its own frame and spectators theirs; events are public. Pure: `now` is an argument.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import orjson

from gameserver.core.evolve import fast_init
from gameserver.core.game import Game
from gameserver.core.match import (
    Deadline,
    Event,
    Limits,
    Match,
    MatchPhase,
    deadline,
    game_view,
)
from gameserver.wire import frames

__all__ = ["Plan", "plan"]


@fast_init
@dataclass(frozen=True, slots=True)
class Plan:
    match: Match  # the next value (its rev one above the committed one's)
    event: Event
    phase: MatchPhase
    deadline: Deadline | None  # when something happens next unless somebody acts
    at: float  # when it happened: the instant the push shows clocks at
    push: bytes  # the frame every watcher receives (a spectator's, where seats differ)
    #: each seat's own frame, for a game with hidden information (else None)
    seat_pushes: Mapping[str, bytes] | None
    lobby: bool  # the game is or was waiting: the lobby hears of the change
    note: str  # `[at, event]` as JSON, stored with the version for other writers' watchers

    def push_for(self, seat: str | None) -> bytes:
        pushes = self.seat_pushes
        if pushes is None or seat is None:
            return self.push
        return pushes.get(seat, self.push)


def plan(before: MatchPhase | None, match: Match, event: Event, game: Game, limits: Limits,
         now: float, *, snapshot: bool = False) -> Plan:
    """The outcome of going from a match in phase `before` (None: a new match) to `match`
    because of `event` at `now`. `snapshot` pushes a full `game` (a new match's first frame,
    or what another writer did in more than one step) instead of an `update`."""
    phase = match.phase(game)
    seat_pushes = ({name: _frame(match, event, game, now, phase, name, snapshot)
                    for name in match.seat_names} if game.hidden else None)
    return Plan(match, event, phase, deadline(match, game, limits, phase), now,
                _frame(match, event, game, now, phase, None, snapshot), seat_pushes,
                before is None or before == "waiting" or phase == "waiting",
                orjson.dumps([now, event]).decode())


def _frame(match: Match, event: Event, game: Game, now: float, phase: MatchPhase,
           seat: str | None, snapshot: bool) -> bytes:
    """The push `seat` (None: a spectator) receives."""
    view = game_view(match, game, now, phase, seat, full=snapshot)
    if snapshot:
        return frames.snapshot(view)
    return frames.update(match.id, match.rev, event, view)
