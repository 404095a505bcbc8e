"""Go rules as a pure library: rulesets, board, ko and superko, scoring, dead stones, SGF.

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
)
from gameserver.games.go.rulesets import (
    RULESETS,
    Compensation,
    Placement,
    Ruleset,
    RulesetName,
    Scoring,
    Suicide,
    Superko,
    ruleset,
    ruleset_from_sgf,
)
from gameserver.games.go.scoring import Score, format_result
from gameserver.games.go.sgf import SgfRecord, from_sgf, read_sgf, to_sgf

__all__ = [
    "RULESETS",
    "TRANSITIONS",
    "Color",
    "Compensation",
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
    "Placement",
    "Point",
    "Ruleset",
    "RulesetName",
    "Score",
    "Scoring",
    "SettingsError",
    "SgfError",
    "SgfRecord",
    "Suicide",
    "Superko",
    "WrongPhaseError",
    "format_result",
    "from_gtp",
    "from_sgf",
    "from_sgf_coord",
    "handicap_points",
    "read_sgf",
    "ruleset",
    "ruleset_from_sgf",
    "suggest_dead",
    "to_gtp",
    "to_sgf",
    "to_sgf_coord",
]
