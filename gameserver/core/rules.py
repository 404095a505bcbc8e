"""The generic game interface: what the match layer needs of a game's rules.

A game is a `Rules` object: settings in, an immutable state value, `apply(state, color, action)`
returning the new state and an event, plus views for the wire. Go (`gameserver.games.go.rules`)
is one; `examples/connect_four` is another. Seats are always called "black" (moves first) and
"white".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypeAlias

Color = Literal["black", "white"]
COLORS: tuple[Color, Color] = ("black", "white")
Json: TypeAlias = Any
Phase = Literal["playing", "scoring", "finished"]


def other(color: Color) -> Color:
    return "white" if color == "black" else "black"


@dataclass(frozen=True, slots=True)
class Play:
    x: int
    y: int


@dataclass(frozen=True, slots=True)
class PassTurn:
    pass


@dataclass(frozen=True, slots=True)
class Resign:
    pass


@dataclass(frozen=True, slots=True)
class Undo:
    """Take back the last move (the match layer checks who may ask)."""


@dataclass(frozen=True, slots=True)
class MarkDead:
    x: int
    y: int
    dead: bool


@dataclass(frozen=True, slots=True)
class AcceptScore:
    pass


@dataclass(frozen=True, slots=True)
class ResumePlay:
    pass


@dataclass(frozen=True, slots=True)
class Timeout:
    pass


Action: TypeAlias = Play | PassTurn | Resign | Undo | MarkDead | AcceptScore | ResumePlay | Timeout

_CODES: dict[type[Any], str] = {
    Play: "m", PassTurn: "p", Resign: "r", Undo: "u", MarkDead: "d", AcceptScore: "a",
    ResumePlay: "c", Timeout: "t",
}


def encode_action(color: Color, action: Action) -> list[Json]:
    """A compact JSON form for the match record: `["black", "m", 3, 4]`."""
    code = _CODES[type(action)]
    if isinstance(action, Play):
        return [color, code, action.x, action.y]
    if isinstance(action, MarkDead):
        return [color, code, action.x, action.y, int(action.dead)]
    return [color, code]


def decode_action(item: list[Json]) -> tuple[Color, Action]:
    color, code = item[0], item[1]
    assert color in COLORS, color
    action: Action
    if code == "m":
        action = Play(int(item[2]), int(item[3]))
    elif code == "d":
        action = MarkDead(int(item[2]), int(item[3]), bool(item[4]))
    else:
        simple: dict[str, type[PassTurn | Resign | Undo | AcceptScore | ResumePlay | Timeout]] = {
            "p": PassTurn, "r": Resign, "u": Undo, "a": AcceptScore, "c": ResumePlay,
            "t": Timeout}
        action = simple[code]()
    return color, action


class Rules(Protocol):
    """A two-seat, turn-based game. `apply` raises `gameserver.wire.errors.ProtocolError` leaves
    (`IllegalMove`, `NotYourTurn`, `WrongPhase`, `BadRequest`) for refused actions."""

    name: str

    def parse_options(self, raw: Mapping[str, Json]) -> dict[str, Json]:
        """Validate the `create` fields this game knows; return the normalized settings."""
        ...

    def new(self, options: Mapping[str, Json]) -> Any:
        """The initial state for normalized options."""
        ...

    def phase(self, state: Any) -> Phase: ...

    def turn(self, state: Any) -> Color | None: ...

    def last_mover(self, state: Any) -> Color | None:
        """Who made the move an `Undo` would take back, or None if there is none."""
        ...

    def apply(self, state: Any, color: Color, action: Action) -> tuple[Any, dict[str, Json]]:
        """The new state and the event (`{"kind": ...}`) for one seat's action."""
        ...

    def view(self, state: Any) -> dict[str, Json]:
        """Wire fields: board, ko, dead, score, result, captures {black, white}."""
        ...

    def moves(self, state: Any) -> list[dict[str, Json]]:
        """The move list for the wire: `{color, x, y}` or `{color, pass: true}`."""
        ...

    def record(self, state: Any, names: Mapping[Color, str]) -> str | None:
        """The game record (SGF for Go), or None if the game has no record format."""
        ...
