"""What the game server asks of a bot seat: ``BotPlayer``, and the built-in one.

A bot is asked three things over a game: a move (``choose``), which stones it thinks are dead
once both sides passed (``dead_stones``), and whether it accepts the dead stones the players
marked (``accepts_score``). ``close`` frees whatever it holds (an engine process). Every method
is a coroutine so an engine can think without blocking the server; the built-in bot answers at
once.

A resignation is not a move: ``choose`` raises :class:`BotResigns` (the built-in bot never
resigns; GNU Go may).
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from typing import Protocol, runtime_checkable

from gameserver.games.go import Color, GoGame, Point, suggest_dead, to_gtp
from gameserver.games.go.bots.builtin import choose_move
from gameserver.games.go.bots.pool import ThinkPool, choose_seeded, dead_of

__all__ = [
    "BotError",
    "BotPlayer",
    "BotResigns",
    "BuiltinBot",
    "accepts_by_comparison",
    "score_disagreement",
]

_MAX_NAMED_GROUPS = 6


class BotError(Exception):
    """Root of the errors a bot player raises (engine errors are ``GtpError``)."""


class BotResigns(BotError):
    """The bot playing ``color`` resigns instead of moving (not a failure: a decision)."""

    def __init__(self, bot: str, color: Color) -> None:
        self.bot = bot
        self.color = color
        super().__init__(f"{bot} resigns as {color.value}")


@runtime_checkable
class BotPlayer(Protocol):
    """A computer player as the server sees it."""

    @property
    def name(self) -> str:
        """Who is playing, for logs and the player list (e.g. ``builtin``, ``gnugo level 1``)."""
        ...

    async def choose(self, game: GoGame, color: Color) -> Point | None:
        """``color``'s move in ``game`` (which must be playing, ``color`` to move); None passes.

        Raises :class:`BotResigns` to resign.
        """
        ...

    async def dead_stones(self, game: GoGame) -> frozenset[Point]:
        """The stones the bot considers dead in ``game``'s position."""
        ...

    async def accepts_score(
        self, game: GoGame, marked_dead: frozenset[Point]
    ) -> tuple[bool, str]:
        """``(True, "")`` when ``marked_dead`` agrees with the bot's own view, else
        ``(False, message)`` with a one-line chat message naming the points in question."""
        ...

    async def close(self) -> None:
        """Free the bot's resources; the bot is not used afterwards."""
        ...


def _chains(game: GoGame, points: Iterable[Point]) -> list[tuple[Point, int]]:
    """One representative point (the top-left one) and the size of each chain in ``points``."""
    left = set(points)
    found = []
    while left:
        start = min(left, key=_reading_order)
        chain = (set(game.group_at(start)) & left) if game.stone_at(start) else {start}
        left -= chain
        found.append((start, len(chain)))
    return found


def _reading_order(point: Point) -> tuple[int, int]:
    return point[1], point[0]


def _describe(game: GoGame, points: Iterable[Point]) -> tuple[str, int]:
    """``"D4 (3 stones), E5"``: the chains among ``points`` in reading order, and their count."""
    chains = _chains(game, points)
    named = [
        f"{to_gtp(point, game.size)} ({stones} stones)" if stones > 1 else to_gtp(point, game.size)
        for point, stones in chains[:_MAX_NAMED_GROUPS]
    ]
    if len(chains) > _MAX_NAMED_GROUPS:
        named.append(f"{len(chains) - _MAX_NAMED_GROUPS} more")
    return ", ".join(named), len(chains)


def score_disagreement(
    game: GoGame, own_dead: frozenset[Point], marked_dead: frozenset[Point]
) -> str:
    """A one-line message saying how ``marked_dead`` differs from ``own_dead`` (GTP points,
    one per chain), or ``""`` when they agree."""
    parts = []
    missing = own_dead - marked_dead
    if missing:
        text, count = _describe(game, missing)
        parts.append(f"I think {text} {'is' if count == 1 else 'are'} dead")
    extra = marked_dead - own_dead
    if extra:
        text, count = _describe(game, extra)
        parts.append(f"I think {text} {'is' if count == 1 else 'are'} alive")
    return "; ".join(parts)


async def accepts_by_comparison(
    bot: BotPlayer, game: GoGame, marked_dead: frozenset[Point]
) -> tuple[bool, str]:
    """``accepts_score`` for a bot whose opinion is its ``dead_stones``."""
    message = score_disagreement(game, await bot.dead_stones(game), frozenset(marked_dead))
    return (not message, message)


class BuiltinBot:
    """The built-in bot (see :mod:`gameserver.games.go.bots.builtin`): pure Python, answers at once.

    With a ``seed`` it plays the same moves in the same games; without one it seeds itself from
    the operating system.
    """

    def __init__(self, seed: int | None = None, pool: ThinkPool | None = None) -> None:
        self.seed = seed
        self._rng = random.Random(seed)
        #: where the searches run (None: on the event loop)
        self.pool = pool

    @property
    def name(self) -> str:
        return "builtin"

    async def choose(self, game: GoGame, color: Color) -> Point | None:
        if self.pool is None:
            return choose_move(game, color, self._rng)
        return await self.pool.run(choose_seeded, game, color, self._rng.getrandbits(64))

    async def dead_stones(self, game: GoGame) -> frozenset[Point]:
        if self.pool is None:
            return suggest_dead(game)
        return await self.pool.run(dead_of, game)

    async def accepts_score(
        self, game: GoGame, marked_dead: frozenset[Point]
    ) -> tuple[bool, str]:
        return await accepts_by_comparison(self, game, marked_dead)

    async def close(self) -> None:
        pass
