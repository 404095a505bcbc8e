"""Computer opponents: a client for GTP engines such as GNU Go."""

from gameserver.bot.gtp import (
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

__all__ = [
    "GNUGO_PATH",
    "GtpCrashedError",
    "GtpEngine",
    "GtpEngineFailure",
    "GtpError",
    "GtpProtocolError",
    "GtpStartError",
    "GtpTimeoutError",
    "from_vertex",
    "gnugo_argv",
    "to_vertex",
]
