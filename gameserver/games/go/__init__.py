"""Go rules as a pure library: board, ko and superko, scoring, dead stones, SGF.

No I/O, no clock, no global state: a :class:`GoGame` is an immutable value and
every command returns a new one. Errors are :class:`GoError` subclasses that
carry the values involved.
"""

from gameserver.games.go.board import handicap_points
from gameserver.games.go.coords import (
    Color,
    Point,
    from_gtp,
    from_sgf_coord,
    to_gtp,
    to_sgf_coord,
)
from gameserver.games.go.dead import suggest_dead
from gameserver.games.go.errors import (
    CoordinateError,
    EmptyPointError,
    GoError,
    IllegalMoveError,
    IllegalReason,
    NotYourTurnError,
    SettingsError,
    SgfError,
    WrongPhaseError,
)
from gameserver.games.go.game import (
    TRANSITIONS,
    GameSettings,
    GoGame,
    Move,
    Phase,
    Ruleset,
    Superko,
)
from gameserver.games.go.scoring import Score, format_result
from gameserver.games.go.sgf import SgfRecord, from_sgf, read_sgf, to_sgf

__all__ = [
    "TRANSITIONS",
    "Color",
    "CoordinateError",
    "EmptyPointError",
    "GameSettings",
    "GoError",
    "GoGame",
    "IllegalMoveError",
    "IllegalReason",
    "Move",
    "NotYourTurnError",
    "Phase",
    "Point",
    "Ruleset",
    "Score",
    "SettingsError",
    "SgfError",
    "SgfRecord",
    "Superko",
    "WrongPhaseError",
    "format_result",
    "from_gtp",
    "from_sgf",
    "from_sgf_coord",
    "handicap_points",
    "read_sgf",
    "suggest_dead",
    "to_gtp",
    "to_sgf",
    "to_sgf_coord",
]
