"""Connect four as a game the match core serves: settings, actions, phases, view and result in
connect four's own words (`drop {column}`, seats `red` and `yellow`, a win with its four cells,
a draw on a full grid). The rules are `rules.Position`; this module only adapts them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from gameserver.core.game import Action, Event, GameBase, Json
from gameserver.games.connect_four.rules import SEATS, ConnectFourError, Position, other
from gameserver.wire.errors import BadRequest, IllegalMove, NotYourTurn

__all__ = ["LIMITS", "ConnectFour", "ConnectFourState", "Drop", "Forfeit", "Resign"]

#: setting -> (smallest, largest, default)
LIMITS: dict[str, tuple[int, int, int]] = {"columns": (4, 12, 7), "rows": (4, 12, 6)}


# -- actions ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Drop:
    """Drop a disc into `column` (0 is the leftmost)."""

    column: int
    checks_rev: ClassVar[bool] = True  # judged against the grid the player saw


@dataclass(frozen=True, slots=True)
class Resign:
    pass


@dataclass(frozen=True, slots=True)
class Forfeit:
    """The server's action: the player stayed away too long (the match's abandon limit)."""


# -- the state ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConnectFourState:
    position: Position
    started: bool = False
    #: who won other than by connecting (resignation, forfeit), and how
    conceded: tuple[str, str] | None = None  # (winner, "resign" | "forfeit")

    @property
    def winner(self) -> str | None:
        if self.conceded is not None:
            return self.conceded[0]
        return self.position.win.seat if self.position.win is not None else None

    @property
    def end(self) -> str | None:
        """How the game ended: `four`, `full` (a draw), `resign`, `forfeit`; None while on."""
        if self.conceded is not None:
            return self.conceded[1]
        if self.position.win is not None:
            return "four"
        return "full" if self.position.full else None

    @property
    def to_move(self) -> str | None:
        return None if not self.started or self.end is not None else self.position.to_move


def _cells(cells: Sequence[tuple[int, int]]) -> list[dict[str, int]]:
    return [{"column": c, "row": r} for c, r in cells]


class ConnectFour(GameBase):
    name = "connect_four"
    title = "Connect four"
    seats = SEATS
    actions: ClassVar[Mapping[str, type[Any]]] = {"drop": Drop, "resign": Resign}
    recorded: ClassVar[Mapping[str, type[Any]]] = {"d": Drop, "r": Resign, "f": Forfeit}
    phases: ClassVar[Mapping[str, frozenset[type[Any]]]] = {
        "playing": frozenset({Drop, Resign}),
    }

    def settings(self, raw: Mapping[str, Json]) -> dict[str, Json]:
        out: dict[str, Json] = {}
        for key, (low, high, default) in LIMITS.items():
            value = raw.get(key, default)
            if type(value) is not int or not low <= value <= high:
                raise BadRequest(f"field {key!r} must be a whole number from {low} to {high}")
            out[key] = value
        return out

    def new(self, settings: Mapping[str, Json]) -> ConnectFourState:
        return ConnectFourState(Position.empty(settings["columns"], settings["rows"]))

    def start(self, state: ConnectFourState, seats: Sequence[str],
              now: float) -> ConnectFourState:
        return replace(state, started=True)

    def phase(self, state: ConnectFourState) -> str:
        return "playing" if state.end is None else "finished"

    def apply(self, state: ConnectFourState, seat: str | None, action: Action,
              now: float) -> tuple[ConnectFourState, Event]:
        assert seat is not None  # connect four has no server actions but a seat's forfeit
        if isinstance(action, Resign | Forfeit):
            kind = "resign" if isinstance(action, Resign) else "forfeit"
            nxt = replace(state, conceded=(other(seat), kind))
            return nxt, {"kind": kind, "seat": seat, "color": seat, "result": self.result(nxt)}
        assert isinstance(action, Drop)
        if seat != state.to_move:
            raise NotYourTurn(seat, f"it is {state.to_move}'s turn, not {seat}'s")
        try:
            position = state.position.drop(action.column)
        except ConnectFourError as error:
            raise IllegalMove(error.reason, str(error)) from None
        nxt = replace(state, position=position)
        disc = position.drops[-1]
        event: Event = {"kind": "drop", "seat": seat, "color": seat,
                        "column": disc.column, "row": disc.row}
        if position.win is not None:
            event["win"] = _cells(position.win.cells)
        if nxt.end is not None:
            event["result"] = self.result(nxt)
        return nxt, event

    def abandon(self, state: ConnectFourState, seat: str) -> Action | None:
        return Forfeit()  # no clock: a player who stays away loses

    def view(self, state: ConnectFourState, seat: str | None, now: float,
             full: bool) -> dict[str, Json]:
        position = state.position
        last = position.drops[-1] if position.drops else None
        win = position.win
        view: dict[str, Json] = {
            "turn": state.to_move,
            "board": position.board_rows(),
            "last": None if last is None else {"seat": last.seat, "column": last.column,
                                               "row": last.row},
            "win": None if win is None else {"seat": win.seat, "cells": _cells(win.cells)},
            "end": state.end,
            "result": self.result(state),
        }
        if full:  # an update leaves these out: a client appends them from the `drop` event
            view["moves"] = [{"seat": d.seat, "column": d.column, "row": d.row}
                             for d in position.drops]
        return view

    def result(self, state: ConnectFourState) -> str | None:
        if state.end is None:
            return None
        winner = state.winner
        return "draw" if winner is None else f"{winner} wins"

    def moves(self, state: ConnectFourState) -> int:
        return len(state.position.drops)
