"""Computer opponents: a built-in bot, a GTP engine client (GNU Go), and the seat interface.

- :mod:`.builtin`: the built-in bot's move policy (pure: a game and a ``Random`` in, a move out);
- :mod:`.gtp`: an asyncio client for GTP engines;
- :mod:`.player`: ``BotPlayer``, what the server asks of a bot seat, and ``BuiltinBot``;
- :mod:`.gtpbot`: ``GtpBot``, a bot seat played by a GTP engine kept in step with the game;
- :mod:`.factory`: ``make_bot``, which picks one from the configuration.
"""

from gameserver.games.go.bots.builtin import check_turn, choose_move, is_true_eye
from gameserver.games.go.bots.factory import BOT_KINDS, UnknownBotError, engine_available, make_bot
from gameserver.games.go.bots.gtp import (
    GNUGO_PATH,
    GtpCrashedError,
    GtpEngine,
    GtpEngineFailure,
    GtpError,
    GtpProtocolError,
    GtpStartError,
    GtpTimeoutError,
    from_vertex,
    gnugo_argv,
    to_vertex,
)
from gameserver.games.go.bots.gtpbot import DEFAULT_LEVEL, GtpBot
from gameserver.games.go.bots.player import (
    BotError,
    BotPlayer,
    BotResigns,
    BuiltinBot,
    accepts_by_comparison,
    score_disagreement,
)

__all__ = [
    "BOT_KINDS",
    "DEFAULT_LEVEL",
    "GNUGO_PATH",
    "BotError",
    "BotPlayer",
    "BotResigns",
    "BuiltinBot",
    "GtpBot",
    "GtpCrashedError",
    "GtpEngine",
    "GtpEngineFailure",
    "GtpError",
    "GtpProtocolError",
    "GtpStartError",
    "GtpTimeoutError",
    "UnknownBotError",
    "accepts_by_comparison",
    "check_turn",
    "choose_move",
    "engine_available",
    "from_vertex",
    "gnugo_argv",
    "is_true_eye",
    "make_bot",
    "score_disagreement",
    "to_vertex",
]
