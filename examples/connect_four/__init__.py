"""Connect four on the gameserver's generic match layer: the proof that it is not Go-only.

`ConnectFour` implements `gameserver.core.rules.Rules`; `create_app(settings)` serves it beside Go,
so `create {"game": "connect_four", "width": 7, "height": 6}` starts a game. Run it with
`python -m examples.connect_four` from the repository root.
"""

from .app import create_app, games
from .rules import ConnectFour, FourState

__all__ = ["ConnectFour", "FourState", "create_app", "games"]
