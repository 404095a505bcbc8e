"""Errors of the Go rules: one root, leaves that carry the values involved.

Every error is a :class:`GoError`. Each leaf keeps the data that caused it as
attributes (the point, the reason, the phase, ...) and builds its message from
them, so the game server can map it onto a stable protocol ``code`` plus the
message, without parsing text.

==========================  ==========================================
error                       protocol code
==========================  ==========================================
``IllegalMoveError``        ``illegal_move`` (with ``reason``)
``NotYourTurnError``        ``not_your_turn``
``WrongPhaseError``         ``wrong_phase``
``SettingsError``           ``bad_request``
``CoordinateError``         ``bad_request``
``EmptyPointError``         ``bad_request``
``SgfError``                (HTTP 400 / import failure)
==========================  ==========================================
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from gameserver.games.go.coords import Color, Point

__all__ = [
    "CoordinateError",
    "EmptyPointError",
    "GoError",
    "IllegalMoveError",
    "IllegalReason",
    "NotYourTurnError",
    "SettingsError",
    "SgfError",
    "WrongPhaseError",
]

IllegalReason = Literal["occupied", "suicide", "ko", "superko", "off_board"]


def _name(point: Point, size: int | None) -> str:
    """Human name of a point: GTP style when it is on the board, else ``(x, y)``."""
    from gameserver.games.go.coords import to_gtp

    x, y = point
    if size is not None and 0 <= x < size and 0 <= y < size:
        return to_gtp(point, size)
    return f"({x}, {y})"


class GoError(Exception):
    """Root of every error raised by :mod:`gameserver.games.go`.

    ``code`` is the protocol error code the game server sends for it.
    """

    code: str = "bad_request"


class IllegalMoveError(GoError):
    """A stone may not be placed there; ``reason`` says why (protocol ``illegal_move``)."""

    code = "illegal_move"

    def __init__(self, reason: IllegalReason, point: Point, size: int | None = None) -> None:
        self.reason: IllegalReason = reason
        self.point: Point = point
        self.size = size
        name = _name(point, size)
        if reason == "occupied":
            message = f"point {name} is occupied"
        elif reason == "suicide":
            message = f"playing {name} would be suicide"
        elif reason == "ko":
            message = f"playing {name} retakes the ko at once"
        elif reason == "superko":
            message = f"playing {name} would repeat an earlier position (superko)"
        else:
            board = f" {size}x{size}" if size is not None else ""
            message = f"point {name} is off the{board} board"
        super().__init__(message)


class NotYourTurnError(GoError):
    """``color`` tried to act while it is ``to_move``'s turn."""

    code = "not_your_turn"

    def __init__(self, color: Color, to_move: Color | None) -> None:
        self.color = color
        self.to_move = to_move
        whose = to_move.value if to_move is not None else "nobody"
        super().__init__(f"it is {whose}'s turn, not {color.value}'s")


class WrongPhaseError(GoError):
    """``action`` is not allowed while the game is in ``phase``."""

    code = "wrong_phase"

    def __init__(self, action: str, phase: str, detail: str = "") -> None:
        self.action = action
        self.phase = phase
        self.detail = detail
        tail = f": {detail}" if detail else ""
        where = "in handicap placement" if phase == "placement" else phase
        super().__init__(f"cannot {action} while the game is {where}{tail}")


class SettingsError(GoError):
    """A game setting (size, komi, handicap, ruleset, superko) has a bad value."""

    def __init__(self, name: str, value: object, expected: str) -> None:
        self.name = name
        self.value = value
        self.expected = expected
        super().__init__(f"{name} {value!r} is invalid: expected {expected}")


class CoordinateError(GoError):
    """``text`` is not a point on a ``size`` x ``size`` board in the given notation."""

    def __init__(self, text: str, size: int, notation: str) -> None:
        self.text = text
        self.size = size
        self.notation = notation
        super().__init__(f"{text!r} is not a {notation} point on a {size}x{size} board")


class EmptyPointError(GoError):
    """A group was asked for at a point that holds no stone."""

    def __init__(self, point: Point, size: int | None = None) -> None:
        self.point = point
        self.size = size
        super().__init__(f"there is no stone at {_name(point, size)}")


class SgfError(GoError):
    """A game record could not be read; ``offset`` is where in the text, when known."""

    def __init__(self, detail: str, offset: int | None = None) -> None:
        self.detail = detail
        self.offset = offset
        where = f" at offset {offset}" if offset is not None else ""
        super().__init__(f"bad SGF{where}: {detail}")
