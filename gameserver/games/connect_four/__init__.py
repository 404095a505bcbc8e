"""Connect four: two players drop discs into the columns of a grid (7 by 6 unless the game's
settings say otherwise); four in a row, column or diagonal wins, a full grid is a draw.

`rules` is the pure game (positions as values), `game` adapts it to the match core
(`drop {column}`, seats `red` and `yellow`), `bots` is its built-in bot and `server` what the
server loads for `--games connect_four`.
"""

from gameserver.games.connect_four.game import ConnectFour, ConnectFourState, Drop, Resign
from gameserver.games.connect_four.rules import ColumnFull, OffBoard, Position

__all__ = ["ColumnFull", "ConnectFour", "ConnectFourState", "Drop", "OffBoard", "Position",
           "Resign"]
