"""Connect four rules: pure and immutable. `move {x}` drops a disc in column x (y is ignored)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from gameserver.core.rules import (
    Action,
    Color,
    Json,
    PassTurn,
    Phase,
    Play,
    Resign,
    Timeout,
    Undo,
    other,
)
from gameserver.wire.errors import BadRequest, IllegalMove, NotYourTurn, WrongPhase

SYMBOL = {"black": "X", "white": "O"}
LETTER = {"black": "B", "white": "W"}


@dataclass(frozen=True, slots=True)
class FourState:
    width: int
    height: int
    columns: tuple[tuple[Color, ...], ...]  # bottom first
    moves: tuple[tuple[Color, int, int], ...] = ()  # (color, x, y) with y from the top
    to_move: Color = "black"
    result: str | None = None

    def at(self, x: int, y_from_bottom: int) -> Color | None:
        column = self.columns[x]
        return column[y_from_bottom] if y_from_bottom < len(column) else None


def _wins(state: FourState, x: int, yb: int, color: Color) -> bool:
    for dx, dy in ((1, 0), (0, 1), (1, 1), (1, -1)):
        run = 1
        for sign in (1, -1):
            cx, cy = x + sign * dx, yb + sign * dy
            while 0 <= cx < state.width and 0 <= cy < state.height and state.at(cx, cy) == color:
                run += 1
                cx, cy = cx + sign * dx, cy + sign * dy
        if run >= 4:
            return True
    return False


class ConnectFour:
    """`gameserver.core.rules.Rules` for connect four."""

    name = "connect_four"

    def parse_options(self, raw: Mapping[str, Json]) -> dict[str, Json]:
        options: dict[str, Json] = {}
        for key, default in (("width", 7), ("height", 6)):
            value = raw.get(key, default)
            if type(value) is not int or not 4 <= value <= 12:
                raise BadRequest(f"field {key!r} must be an integer from 4 to 12")
            options[key] = value
        return options

    def new(self, options: Mapping[str, Json]) -> FourState:
        width, height = int(options["width"]), int(options["height"])
        return FourState(width, height, tuple(() for _ in range(width)))

    def phase(self, state: FourState) -> Phase:
        return "finished" if state.result is not None else "playing"

    def turn(self, state: FourState) -> Color | None:
        return None if state.result is not None else state.to_move

    def last_mover(self, state: FourState) -> Color | None:
        return state.moves[-1][0] if state.moves else None

    def apply(self, state: FourState, color: Color, action: Action) -> tuple[FourState, Json]:
        if state.result is not None:
            raise WrongPhase(type(action).__name__.lower(), "finished")
        if isinstance(action, Resign | Timeout):
            kind = "resign" if isinstance(action, Resign) else "timeout"
            result = f"{LETTER[other(color)]}+{'R' if kind == 'resign' else 'T'}"
            return replace(state, result=result), {"kind": kind, "color": color, "result": result}
        if isinstance(action, Undo):
            cx, _cy = state.moves[-1][1], state.moves[-1][2]
            columns = list(state.columns)
            columns[cx] = columns[cx][:-1]
            last = state.moves[-1][0]
            return replace(state, columns=tuple(columns), moves=state.moves[:-1],
                           to_move=last), {"kind": "undo", "color": last}
        if isinstance(action, PassTurn):
            raise IllegalMove("no_pass", "connect four has no pass")
        if not isinstance(action, Play):
            raise WrongPhase(type(action).__name__.lower(), "playing")
        if color != state.to_move:
            raise NotYourTurn(color)
        x = action.x
        if not 0 <= x < state.width:
            raise IllegalMove("off_board", f"column {x} is off the board")
        yb = len(state.columns[x])
        if yb >= state.height:
            raise IllegalMove("column_full", f"column {x} is full")
        columns = list(state.columns)
        columns[x] = (*columns[x], color)
        y = state.height - 1 - yb
        placed = replace(state, columns=tuple(columns), moves=(*state.moves, (color, x, y)),
                         to_move=other(color))
        event: dict[str, Json] = {"kind": "move", "color": color, "x": x, "y": y}
        if _wins(placed, x, yb, color):
            placed = replace(placed, result=f"{LETTER[color]}+4")
        elif len(placed.moves) == state.width * state.height:
            placed = replace(placed, result="Draw")
        if placed.result is not None:
            event["result"] = placed.result
        return placed, event

    def view(self, state: FourState) -> dict[str, Json]:
        rows = []
        for y in range(state.height):
            yb = state.height - 1 - y
            rows.append("".join(
                SYMBOL[c] if (c := state.at(x, yb)) is not None else "." for x in range(state.width)
            ))
        return {"board": rows, "ko": None, "dead": [], "score": None, "result": state.result,
                "captures": {}}

    def moves(self, state: FourState) -> list[dict[str, Json]]:
        return [{"color": color, "x": x, "y": y} for color, x, y in state.moves]

    def record(self, state: FourState, names: Mapping[Color, str]) -> str | None:
        return None
