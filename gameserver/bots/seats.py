"""Bot seats: the service that plays every seat held by a bot, through the match path.

A bot seat is an ordinary `Seat` whose player id is `bot:<kind>:<hex>` (`kind` is `gnugo`, the
configured GTP engine, or `builtin`), so the match record says which seats are bots and a
restart knows them again. Nothing about bots is stored besides that.

What a bot must do is a pure function of the committed match (`next_turn`): move when it is on
turn, accept an undo its opponent asked for, and in scoring propose its dead stones and accept
(see below). The game state is therefore the durable record of the bot's pending work: the
service observes the committed changes of the games that have bot seats (an observer on each
such hub, so games without a bot cost nothing) and wakes the game's worker after each one; on
start-up every loaded bot game is woken once, so a bot whose turn it was when the server
stopped moves as soon as it is back. A second "bot job" state would only repeat what the game
state says, cost two commits per move and could disagree with it.

Each game with bot seats has at most one worker task (owned by this service's task group) that
acts until no bot has anything to do. Every action goes through `Matches.command`, exactly like
a human's command: under the match lock, one rev-checked commit, refused if the game moved on
(`stale_rev`), in which case the worker looks at the game again.

Scoring: the bot proposes its dead stones once per scoring phase (it marks them; a change
clears both acceptances) unless the opponent already accepted, then accepts when the marking is
its own view or its proposal. When the marking differs it says in chat what it disagrees about,
once per marking, and waits; once the opponent has accepted, it accepts too (after saying so),
so a bot never blocks the end of a game.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import shlex
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from flowstate import Clock, Engine
from gameserver.core.match import Match, Seat
from gameserver.core.plan import Plan
from gameserver.core.rules import COLORS, Color, other
from gameserver.games.go import Color as GoColor
from gameserver.games.go import GoGame, Point
from gameserver.games.go.bots import (
    BotPlayer,
    BotResigns,
    BuiltinBot,
    GtpBot,
    engine_available,
    gnugo_argv,
    make_bot,
    score_disagreement,
)
from gameserver.games.go.rules import GoState
from gameserver.live.identity import Player
from gameserver.live.matches import Hub, Matches
from gameserver.settings import Settings
from gameserver.wire import frames
from gameserver.wire import requests as c
from gameserver.wire.errors import BadRequest, ProtocolError

__all__ = ["BOT_PREFIX", "AnswerUndo", "BotSeats", "Move", "Score", "bot_kind", "next_turn",
           "think_budget"]

log = logging.getLogger("gameserver.bots.seats")

BOT_PREFIX = "bot:"
KINDS = ("gnugo", "builtin")
#: a bot with a clock running keeps this much of its remaining time in hand (seconds)
FLAG_MARGIN = 0.25
#: and never thinks for less than this (the built-in bot answers in well under it)
MIN_THINK = 0.05


def bot_kind(seat: Seat | None) -> str | None:
    """The bot kind of a seat held by a bot, else None."""
    if seat is None or not seat.player_id.startswith(BOT_PREFIX):
        return None
    return seat.player_id.split(":", 2)[1]


# -- what a bot has to do: a pure function of the match ------------------------------------------


@dataclass(frozen=True, slots=True)
class Move:
    """The bot playing `color` is on turn."""

    color: Color


@dataclass(frozen=True, slots=True)
class AnswerUndo:
    """The bot playing `color` is asked to let its opponent take a move back (it accepts)."""

    color: Color


@dataclass(frozen=True, slots=True)
class Score:
    """Scoring: the bot playing `color` has not accepted yet."""

    color: Color


Turn = Move | AnswerUndo | Score


def next_turn(match: Match, phase: str, turn: Color | None) -> Turn | None:
    """What a bot seat of `match` has to do now (`phase` and `turn` as the rules say), or None."""
    if phase == "playing":
        undo = match.undo
        if undo is not None:
            responder = other(undo.color)
            return AnswerUndo(responder) if bot_kind(match.seat(responder)) else None
        if turn is not None and bot_kind(match.seat(turn)):
            return Move(turn)
        return None
    if phase == "scoring":
        accepted = match.state.accepted
        for color in COLORS:
            if bot_kind(match.seat(color)) and color not in accepted:
                return Score(color)
    return None


def think_budget(match: Match, color: Color, now: float, timeout: float) -> float:
    """Seconds the bot may think: `timeout`, and with a clock at most half the time left before
    its flag, minus a margin (never under `MIN_THINK`)."""
    clock = match.clock
    if clock is None:  # a fresh clock of an untimed game, or one not started
        return timeout
    left = clock.until_flag_ms(color, now)
    if left is None:
        return timeout
    return max(MIN_THINK, min(timeout, left / 2000 - FLAG_MARGIN))


# -- the service ----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Scoring:
    """What one bot remembers about one scoring phase (lost on restart: it proposes again)."""

    moves: int  # the position: how many moves were played when scoring began
    own: frozenset[Point]
    proposed: frozenset[Point] | None = None
    said: set[frozenset[Point]] = field(default_factory=set)


class BotSeats:
    """Plays every bot seat of the matches; `running()` owns its watcher and workers."""

    def __init__(self, settings: Settings, engine: Engine, matches: Matches,
                 clock: Clock) -> None:
        self._settings = settings
        self._engine = engine
        self._matches = matches
        self._clock = clock
        argv = shlex.split(settings.gtp_command) if settings.gtp_command else None
        self._argv = argv or gnugo_argv(settings.bot_level)
        self._custom = argv is not None
        self._bots: dict[tuple[str, Color], BotPlayer] = {}
        self._scoring: dict[tuple[str, Color], _Scoring] = {}
        self._fallback = BuiltinBot()
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._dirty: set[str] = set()
        #: set when a game changes while its worker waits (paced moves)
        self._changed: dict[str, asyncio.Event] = {}
        self._tg: asyncio.TaskGroup | None = None
        #: bot moves answered by the built-in bot because the think budget ran out
        self.budget_fallbacks = 0
        matches.bot_seat = self.seat_for
        matches.installers.append(self.install)

    # -- lifetime ------------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[BotSeats]:
        """Resume every game where a bot has something to do; on exit stop the workers and
        close every bot (killing engine processes)."""
        try:
            async with asyncio.TaskGroup() as tg:
                self._tg = tg
                for hub in list(self._matches.hubs.values()):
                    if hub.observers:
                        self.wake(hub.match.id)
                for _ in range(self._missing_bot_games()):
                    tg.create_task(self._new_bot_game())
                try:
                    yield self
                finally:
                    self._tg = None
                    for task in self._workers.values():
                        task.cancel()
        finally:
            self._workers.clear()
            bots, self._bots = list(self._bots.values()), {}
            for bot in bots:
                await bot.close()

    def install(self, hub: Hub) -> None:
        """A hub appeared (created, loaded, adopted): observe it if a bot holds a seat."""
        if bot_kind(hub.match.black) or bot_kind(hub.match.white):
            hub.observers.append(self._observe)

    def _observe(self, hub: Hub, outcome: Plan, t0: float) -> None:
        self.wake(hub.match.id)

    # -- seats -----------------------------------------------------------------------------------

    def seat_for(self, game: str) -> Seat:
        """The seat of the configured bot for `create {opponent: "bot"}` (Go only)."""
        if game != "go":
            raise BadRequest(f"bots only play go, not {game!r}")
        return self.new_seat()

    def new_seat(self, kind: str | None = None) -> Seat:
        """A fresh bot seat of `kind` (default: the configured one); a GTP engine that is not
        installed gives a built-in bot's seat."""
        kind = kind or self._settings.bot
        if kind not in KINDS:
            raise BadRequest(f"no bot kind {kind!r} (there are {', '.join(KINDS)})")
        if kind == "gnugo" and not engine_available(self._argv):
            log.warning("bot engine %r is not installed; the built-in bot takes the seat",
                        self._argv[0])
            kind = "builtin"
        if kind == "builtin":
            name = "Built-in bot"
        elif self._custom:
            name = self._argv[0].rsplit("/", 1)[-1]
        else:
            name = f"GNU Go level {self._settings.bot_level}"
        return Seat(f"{BOT_PREFIX}{kind}:{secrets.token_hex(5)}", name)

    async def create_bot_game(self, black: str | None = None, white: str | None = None, *,
                              options: Mapping[str, Any] | None = None,
                              time_control: Any = None) -> Hub:
        """A game between two bots (`gnugo` or `builtin`; default the configured kind), which
        starts at once; watch it like any other game."""
        black_seat, white_seat = self.new_seat(black), self.new_seat(white)
        cmd = c.Create(None, game="go", options=dict(options or {}),
                       time_control=time_control or c.UNTIMED, color="black", opponent="bot")
        return await self._matches.create(Player(black_seat.player_id, black_seat.name), cmd,
                                          None, opponent=white_seat)

    def bot(self, game_id: str, color: Color) -> BotPlayer | None:
        """The bot playing that seat now (None before its first question or after the game)."""
        return self._bots.get((game_id, color))

    def _bot(self, game_id: str, color: Color, kind: str) -> BotPlayer:
        bot = self._bots.get((game_id, color))
        if bot is None:
            s = self._settings
            if kind == "gnugo":
                # a third per GTP command: a hung engine is restarted and asked again
                # within the move's budget
                bot = make_bot("gnugo", gtp_argv=self._argv, timeout=s.bot_timeout / 3)
            else:
                bot = make_bot("builtin")
            self._bots[(game_id, color)] = bot
        return bot

    # -- workers ---------------------------------------------------------------------------------

    def wake(self, game_id: str) -> None:
        """Let the bots of that game act if they have something to do (idempotent)."""
        if game_id in self._workers:
            self._dirty.add(game_id)
            changed = self._changed.get(game_id)
            if changed is not None:
                changed.set()
            return
        hub = self._matches.hubs.get(game_id)
        tg = self._tg
        if hub is None or tg is None:
            return
        if self._turn(hub) is None:
            if hub.phase == "finished" and any(key[0] == game_id for key in self._bots):
                self._workers[game_id] = tg.create_task(self._finish(hub))
            return
        self._workers[game_id] = tg.create_task(self._work(hub), name=f"bot-{game_id}")

    def _turn(self, hub: Hub) -> Turn | None:
        phase = hub.phase
        return next_turn(hub.match, phase,
                         hub.rules.turn(hub.match.state) if phase == "playing" else None)

    async def _work(self, hub: Hub) -> None:
        game_id = hub.match.id
        try:
            while True:
                self._dirty.discard(game_id)
                turn = self._turn(hub)
                if turn is None:
                    break
                try:
                    acted = await self._act(hub, turn)
                except ProtocolError as error:  # the game moved on under the bot: look again
                    log.debug("bot in %s: %s", game_id, error)
                    acted = False
                except Exception:
                    log.exception("the bot in game %s failed; it waits for the next change",
                                  game_id)
                    acted = False
                if not acted and game_id not in self._dirty:
                    break
        finally:
            self._workers.pop(game_id, None)
        if hub.phase == "finished":
            await self._finish(hub)

    async def _finish(self, hub: Hub) -> None:
        """The game is over: close its bots; keep the number of bot-vs-bot games up."""
        game_id = hub.match.id
        self._workers.pop(game_id, None)
        for color in COLORS:
            self._scoring.pop((game_id, color), None)
            bot = self._bots.pop((game_id, color), None)
            if bot is not None:
                await bot.close()
        if (bot_kind(hub.match.black) and bot_kind(hub.match.white)
                and self._missing_bot_games() > 0 and self._tg is not None):
            self._tg.create_task(self._new_bot_game())

    def _missing_bot_games(self) -> int:
        wanted = self._settings.bot_games
        if wanted <= 0:
            return 0
        running = sum(1 for hub in self._matches.hubs.values()
                      if bot_kind(hub.match.black) and bot_kind(hub.match.white)
                      and hub.phase != "finished")
        return max(0, wanted - running)

    async def _new_bot_game(self) -> None:
        try:
            await self.create_bot_game(options={"size": self._settings.bot_games_size})
        except Exception:
            log.exception("could not start a bot-vs-bot game")

    # -- acting ----------------------------------------------------------------------------------

    async def _command(self, hub: Hub, color: Color, cmd: Any) -> None:
        seat = hub.match.seat(color)
        assert seat is not None
        await self._matches.command(Player(seat.player_id, seat.name), cmd, time.perf_counter())

    async def _act(self, hub: Hub, turn: Turn) -> bool:
        """Do `turn`; False when the bot has nothing to do until the game changes."""
        match = hub.match
        game_id, color = match.id, turn.color
        if isinstance(turn, AnswerUndo):
            await self._command(hub, color, c.UndoReply(None, game_id, accept=True))
            return True
        kind = bot_kind(match.seat(color))
        assert kind is not None
        bot = self._bot(game_id, color, kind)
        if isinstance(turn, Move):
            return await self._move(hub, bot, color)
        return await self._score(hub, bot, color)

    async def _move(self, hub: Hub, bot: BotPlayer, color: Color) -> bool:
        match = hub.match
        delay = self._settings.bot_move_delay
        if delay > 0 and not await self._paused(hub, self._clock.now() + delay):
            return True  # the game changed while the bot waited: look again
        game = _game(match)
        budget = think_budget(match, color, self._clock.now(), self._settings.bot_timeout)
        try:
            async with asyncio.timeout(budget):
                point = await bot.choose(game, GoColor(color))
        except BotResigns:
            if hub.match.rev != match.rev:
                return True
            await self._command(hub, color, c.Resign(None, match.id))
            return True
        except TimeoutError:
            log.warning("%s in game %s did not answer within %.2f s; the built-in bot moves",
                        bot.name, match.id, budget)
            self.budget_fallbacks += 1
            point = await self._fallback.choose(game, GoColor(color))
        if point is None:
            await self._command(hub, color, c.Pass(None, match.id, match.rev))
        else:
            await self._command(hub, color, c.Move(None, match.id, match.rev, *point))
        return True

    async def _paused(self, hub: Hub, until: float) -> bool:
        """Wait until `until` on the clock; False as soon as the game changes instead."""
        rev = hub.match.rev
        changed = self._changed.setdefault(hub.match.id, asyncio.Event())
        try:
            while self._clock.now() < until:
                changed.clear()
                sleeper = asyncio.ensure_future(self._clock.sleep_until(until))
                waiter = asyncio.ensure_future(changed.wait())
                try:
                    await asyncio.wait((sleeper, waiter), return_when=asyncio.FIRST_COMPLETED)
                finally:
                    for task in (sleeper, waiter):
                        task.cancel()
                    await asyncio.gather(sleeper, waiter, return_exceptions=True)
                if hub.match.rev != rev:
                    return False
                if sleeper.done() and not sleeper.cancelled():
                    break
        finally:
            self._changed.pop(hub.match.id, None)
        return True

    async def _score(self, hub: Hub, bot: BotPlayer, color: Color) -> bool:
        match = hub.match
        game = _game(match)
        key = (match.id, color)
        memory = self._scoring.get(key)
        if memory is None or memory.moves != len(game.moves):
            memory = _Scoring(len(game.moves), await bot.dead_stones(game))
            self._scoring[key] = memory
            match, game = hub.match, _game(hub.match)
        marked = game.dead
        if marked in (memory.own, memory.proposed):
            await self._command(hub, color, c.AcceptScore(None, match.id, match.rev))
            return True
        opponent_accepted = other(color) in match.state.accepted
        if memory.proposed is None and not opponent_accepted:
            memory.proposed = await self._propose(hub, color, memory.own)
            return True
        if marked not in memory.said:
            memory.said.add(marked)
            message = score_disagreement(game, memory.own, marked)
            if opponent_accepted:
                message += "; but I accept, so the game can end"
            self._say(hub, color, message)
        if opponent_accepted:
            await self._command(hub, color, c.AcceptScore(None, match.id, match.rev))
            return True
        return False

    async def _propose(self, hub: Hub, color: Color, own: frozenset[Point]) -> frozenset[Point]:
        """Mark the bot's own dead stones (group by group, as a player clicks); returns the
        marking reached, which may differ from `own` where a click takes a whole group."""
        tried: set[Point] = set()
        game_id = hub.match.id
        for dead in (False, True):
            while True:
                marked = _game(hub.match).dead
                todo = sorted((marked - own) if not dead else (own - marked),
                              key=lambda p: (p[1], p[0]))
                todo = [p for p in todo if p not in tried]
                if not todo:
                    break
                x, y = todo[0]
                tried.add((x, y))
                await self._command(hub, color, c.MarkDead(None, game_id, x, y, dead=dead))
        return _game(hub.match).dead

    def _say(self, hub: Hub, color: Color, text: str) -> None:
        """A chat line from the bot to everyone watching (as `chat` sends a player's)."""
        seat = hub.match.seat(color)
        assert seat is not None
        self._matches.send_all(hub, frames.chat(hub.match.id, seat.player_id, seat.name, text,
                                                self._clock.now()))


def _game(match: Match) -> GoGame:
    state = match.state
    assert isinstance(state, GoState)
    return state.game


def engine_pid(bot: BotPlayer | None) -> int | None:
    """The engine process of a GTP bot (tests kill it), else None."""
    return bot.engine.pid if isinstance(bot, GtpBot) else None
