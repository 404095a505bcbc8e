"""Light cycles: two to four riders moving at once on a server tick, each leaving a wall.

`rules` is the pure game (grid, riders, steering, one tick's moves and collisions, the
schedule); `game` puts it on the match core (settings, actions, phases, the tick deadline, the
view); `server` is what `--games cycles` loads. No I/O anywhere in it.
"""

from gameserver.games.cycles.game import TICK, Advance, Cycles, Resign, Steer, grid_rows
from gameserver.games.cycles.rules import SEATS, Arena, Rider

__all__ = ["SEATS", "TICK", "Advance", "Arena", "Cycles", "Resign", "Rider", "Steer",
           "grid_rows"]
