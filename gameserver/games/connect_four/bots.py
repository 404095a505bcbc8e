"""Connect four's bot seats for the server's bot service (`gameserver.bots.seats`).

`ConnectFourBots` makes `bot:builtin:<hex>` seats and a `ConnectFourBrain` for each. The
brain's choice is a pure function of the position (`choose`): win now if it can, else stop the
opponent's win, else never set up the opponent's win on top of its own disc, else the column
nearest the centre. Deterministic, instant, good enough to lose to on purpose.
"""

from __future__ import annotations

import secrets

from gameserver.bots.seats import BotAct, Step
from gameserver.core.match import Match, Seat
from gameserver.games.connect_four.game import ConnectFourState, Drop
from gameserver.games.connect_four.rules import Position, other
from gameserver.wire.errors import BadRequest

__all__ = ["ConnectFourBots", "ConnectFourBrain", "choose"]


def _wins(position: Position, column: int, seat: str) -> bool:
    return position.drop(column, seat).win is not None


def choose(position: Position) -> int:
    """The column the bot drops into (the position must have a player to move)."""
    me = position.to_move
    assert me is not None
    columns = sorted(position.open_columns(),
                     key=lambda c: (abs(2 * c - (position.columns - 1)), c))
    for seat in (me, other(me)):  # win now, else take the opponent's winning cell
        for column in columns:
            if _wins(position, column, seat):
                return column
    safe = [c for c in columns if not _gives_win(position, c, me)]
    return (safe or columns)[0]


def _gives_win(position: Position, column: int, me: str) -> bool:
    """Dropping here lets the opponent win by dropping on top."""
    after = position.drop(column, me)
    return column in after.open_columns() and _wins(after, column, other(me))


class ConnectFourBrain:
    """One bot seat of one connect four game."""

    async def next(self, match: Match, seat: str, now: float) -> Step | None:
        state = match.state
        assert isinstance(state, ConnectFourState)
        if match.ended is not None or state.to_move != seat:
            return None
        return BotAct(Drop(choose(state.position)), paced=True)

    async def close(self) -> None:
        return None


class ConnectFourBots:
    """The built-in connect four bot."""

    def seat(self, kind: str | None = None) -> Seat:
        if kind not in (None, "builtin"):
            raise BadRequest(f"no connect four bot kind {kind!r} (there is builtin)")
        return Seat(f"bot:builtin:{secrets.token_hex(5)}", "Connect four bot")

    def brain(self, seat: Seat) -> ConnectFourBrain:
        return ConnectFourBrain()

    def settings(self, size: int) -> dict[str, object]:
        """`create` fields of a bot-vs-bot game (load tests): the usual grid."""
        return {}
