"""``make_bot``: the bot a seat asked for, or the built-in one when that engine is missing."""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Sequence

from gameserver.games.go.bots.gtp import gnugo_argv
from gameserver.games.go.bots.gtpbot import DEFAULT_LEVEL, GtpBot
from gameserver.games.go.bots.player import BotError, BotPlayer, BuiltinBot

__all__ = ["BOT_KINDS", "UnknownBotError", "engine_available", "make_bot"]

#: ``builtin``: pure Python; ``gnugo``: GNU Go (``gtp_argv`` or ``gnugo_argv(level)``);
#: ``gtp``: any GTP engine, ``gtp_argv`` required
BOT_KINDS = ("builtin", "gnugo", "gtp")

_log = logging.getLogger(__name__)


class UnknownBotError(BotError):
    """``kind`` names no bot (or lacks what it needs)."""

    def __init__(self, kind: str, detail: str = "") -> None:
        self.kind = kind
        self.detail = detail
        super().__init__(
            f"unknown bot kind {kind!r}: expected one of {', '.join(BOT_KINDS)}"
            if not detail else f"bot kind {kind!r} {detail}"
        )


def engine_available(argv: Sequence[str]) -> bool:
    """Whether ``argv[0]`` names an executable program (a path, or a name on ``PATH``)."""
    program = argv[0] if argv else ""
    if os.sep in program:
        return os.path.isfile(program) and os.access(program, os.X_OK)
    return bool(program) and shutil.which(program) is not None


def make_bot(
    kind: str,
    *,
    gtp_argv: Sequence[str] | None = None,
    level: int = DEFAULT_LEVEL,
    timeout: float = 30.0,
    seed: int | None = None,
) -> BotPlayer:
    """A bot of ``kind`` (see :data:`BOT_KINDS`).

    ``gnugo`` runs ``gtp_argv`` when given, else GNU Go at ``level``; when that program does
    not exist it logs so and returns the built-in bot. The engine starts on first use.
    """
    if kind == "builtin":
        _log.info("bot: built-in")
        return BuiltinBot(seed)
    if kind not in ("gnugo", "gtp"):
        raise UnknownBotError(kind)
    if gtp_argv is None and kind == "gtp":
        raise UnknownBotError(kind, "needs gtp_argv, the engine's command line")
    argv = list(gtp_argv) if gtp_argv is not None else gnugo_argv(level)
    if not engine_available(argv):
        _log.warning("bot: %s is not installed (%r); using the built-in bot", kind, argv[0])
        return BuiltinBot(seed)
    _log.info("bot: %s (%s)", kind, " ".join(argv))
    return GtpBot(argv, timeout=timeout, fallback_seed=seed)
