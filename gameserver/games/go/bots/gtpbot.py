"""``GtpBot``: a :class:`~gameserver.games.go.bots.player.BotPlayer` backed by a GTP engine
(GNU Go).

The engine keeps its own board, so the bot keeps it in step with the game it is asked about.
It remembers the settings and the moves the engine has seen; before each question it:

- plays only the new moves when what the engine has seen is a prefix of ``game.moves`` (the
  usual case: the opponent's reply, and the bot's own move that ``genmove`` already played);
- otherwise (first use, another game, an undo, a move of ours that the server did not play)
  replays from scratch: ``boardsize``, ``komi``, ``clear_board``, the handicap stones with
  ``set_free_handicap`` (wherever they are, so the engine sees exactly our board and knows the
  handicap; a setup position's stones as ``play`` commands instead), then every move.

Free handicap placement with the bot as Black: the engine chooses every stone at once with
``place_free_handicap`` on an empty board, and the bot places them one by one.

When the engine fails (``GtpEngineFailure``: it hung past the timeout, crashed, or talked
nonsense) the bot restarts it, replays the game and asks once more; if that fails too, it logs
the failure and answers with the built-in bot for this question. A plain ``GtpError`` (the
engine refuses something, e.g. a board size it does not support) goes straight to the built-in
bot. A move the engine proposes that our rules forbid (superko, which GNU Go does not check) is
replaced by the built-in bot's move as well.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from gameserver.games.go import Color, GameSettings, GoGame, Move, Point
from gameserver.games.go.bots.builtin import check_turn, placement_point
from gameserver.games.go.bots.gtp import (
    Color as GtpColor,
)
from gameserver.games.go.bots.gtp import (
    GtpEngine,
    GtpEngineFailure,
    GtpError,
    from_vertex,
    gnugo_argv,
    to_vertex,
)
from gameserver.games.go.bots.player import BotResigns, BuiltinBot, accepts_by_comparison

__all__ = ["DEFAULT_LEVEL", "GtpBot"]

#: GNU Go level used when no command line is given: quick and still a fair opponent
DEFAULT_LEVEL = 1

_log = logging.getLogger(__name__)
_GTP_COLOR: dict[Color, GtpColor] = {Color.BLACK: "black", Color.WHITE: "white"}
T = TypeVar("T")


class GtpBot:
    """A bot seat played by a GTP engine, ``gnugo_argv(DEFAULT_LEVEL)`` unless ``argv`` says.

    ``timeout`` bounds every GTP command (a ``genmove`` included). ``fallback_seed`` seeds the
    built-in bot that answers when the engine cannot.
    """

    def __init__(
        self,
        argv: Sequence[str] | None = None,
        *,
        timeout: float = 30.0,
        fallback_seed: int | None = None,
        name: str | None = None,
    ) -> None:
        self.argv = list(argv) if argv is not None else gnugo_argv(DEFAULT_LEVEL)
        self._engine = GtpEngine(self.argv, timeout=timeout)
        self._fallback = BuiltinBot(fallback_seed)
        self._name = name or _default_name(self.argv)
        self._lock = asyncio.Lock()
        #: what the engine's board holds: the game settings, handicap stones and the moves
        #: played into it
        self._settings: GameSettings | None = None
        self._handicap: tuple[Point, ...] = ()
        self._known: tuple[Move, ...] | None = None
        #: the engine's free handicap placement for games with these settings
        self._plan: tuple[GameSettings, tuple[Point, ...]] | None = None
        #: how many questions the built-in bot answered instead of the engine
        self.fallbacks = 0

    @property
    def name(self) -> str:
        return self._name

    @property
    def engine(self) -> GtpEngine:
        """The engine client (its ``pid`` is what a crash test kills)."""
        return self._engine

    # -- BotPlayer --

    async def choose(self, game: GoGame, color: Color) -> Point | None:
        check_turn(game, color)
        async with self._lock:
            if game.phase == "placement":
                return await self._handicap_stone(game)
            answer = await self._ask(
                game, lambda: self._engine.genmove(_GTP_COLOR[color]), f"genmove {color.value}"
            )
            if answer is None:
                return await self._fallback.choose(game, color)
            if answer == "resign":
                self._known = None
                raise BotResigns(self.name, color)
            point = None if answer == "pass" else from_vertex(answer, game.size)
            # genmove played the move on the engine's board
            self._known = (*game.moves, Move(color, point))
            if not game.is_legal(color, point):
                _log.warning("%s proposed %s for %s, which is illegal here; "
                             "the built-in bot moves instead", self.name, answer, color.value)
                self.fallbacks += 1
                return await self._fallback.choose(game, color)
            return point

    async def _handicap_stone(self, game: GoGame) -> Point:
        """The next free handicap stone: the first empty point of the engine's placement,
        else (the engine failed, or placed fewer) where the built-in bot would put it."""
        size, stones = game.size, game.settings.handicap
        if self._plan is None or self._plan[0] != game.settings:
            answer = await self._ask(game, lambda: self._engine.place_free_handicap(stones),
                                     f"place_free_handicap {stones}", empty_board=True)
            points = (from_vertex(v, size) for v in answer or ())
            self._plan = (game.settings, tuple(p for p in points if p is not None))
        for point in self._plan[1]:
            if game.is_legal(Color.BLACK, point):
                return point
        return placement_point(game)

    async def dead_stones(self, game: GoGame) -> frozenset[Point]:
        async with self._lock:
            answer = await self._ask(
                game, lambda: self._engine.final_status_list("dead"), "final_status_list dead"
            )
        if answer is None:
            return await self._fallback.dead_stones(game)
        points = (from_vertex(vertex, game.size) for vertex in answer)
        return frozenset(p for p in points if p is not None and game.stone_at(p) is not None)

    async def accepts_score(
        self, game: GoGame, marked_dead: frozenset[Point]
    ) -> tuple[bool, str]:
        return await accepts_by_comparison(self, game, marked_dead)

    async def close(self) -> None:
        self._known = None
        await self._engine.close()
        await self._fallback.close()

    # -- keeping the engine in step --

    async def _ask(
        self, game: GoGame, question: Callable[[], Awaitable[T]], what: str,
        empty_board: bool = False,
    ) -> T | None:
        """Sync the engine with ``game`` (or clear its board, with ``empty_board``) and ask;
        None when the built-in bot must answer."""
        for attempt in (1, 2):
            try:
                await self._sync(game, restart=attempt == 2, empty_board=empty_board)
                self._known = None  # the question may change the engine's board
                answer = await question()
                if not empty_board:
                    self._known = game.moves
                return answer
            except GtpEngineFailure as e:
                self._known = None
                if attempt == 1:
                    _log.warning("%s failed (%s); restarting it and replaying the game",
                                 self.name, e)
                    continue
                _log.error("%s failed again after a restart (%s); the built-in bot answers "
                           "%r", self.name, e, what)
            except GtpError as e:
                self._known = None
                _log.error("%s refused (%s); the built-in bot answers %r", self.name, e, what)
            break
        self.fallbacks += 1
        return None

    async def _sync(self, game: GoGame, *, restart: bool, empty_board: bool = False) -> None:
        engine = self._engine
        known = self._known
        size = game.size
        if (
            not restart
            and not empty_board
            and known is not None
            and engine.running
            and self._settings == game.settings
            and self._handicap == game.handicap_stones
            and game.moves[: len(known)] == known
        ):
            for move in game.moves[len(known):]:
                self._known = None
                await engine.play(_GTP_COLOR[move.color], _vertex(move.point, size))
                known = (*known, move)
                self._known = known
            return
        self._known = None
        settings = game.settings
        black = () if empty_board else game.handicap_stones
        # set_free_handicap tells the engine of a handicap (2 stones or more, nothing else
        # on the board); a setup position's stones are plain plays
        handicap = ([to_vertex(x, y, size) for x, y in black]
                    if len(black) >= 2 and not settings.white_stones else [])
        moves: list[tuple[GtpColor, str]] = [] if empty_board else [
            ("black", to_vertex(x, y, size)) for x, y in black if not handicap]
        if not empty_board:
            moves += [("white", to_vertex(x, y, size)) for x, y in settings.white_stones]
            moves += [(_GTP_COLOR[m.color], _vertex(m.point, size)) for m in game.moves]
        if restart:
            await engine.restart_and_replay(size, settings.komi, moves, handicap)
        else:
            await engine.start()
            await engine.boardsize(size)
            await engine.komi(settings.komi)
            await engine.clear_board()
            if handicap:
                await engine.set_free_handicap(handicap)
            for color, vertex in moves:
                await engine.play(color, vertex)
        self._settings = settings
        self._handicap = black
        self._known = None if empty_board else game.moves


def _vertex(point: Point | None, size: int) -> str:
    return "pass" if point is None else to_vertex(point[0], point[1], size)


def _default_name(argv: Sequence[str]) -> str:
    program = argv[0].rsplit("/", 1)[-1]
    if "--level" in argv[:-1]:
        return f"{program} level {argv[argv.index('--level') + 1]}"
    return program
