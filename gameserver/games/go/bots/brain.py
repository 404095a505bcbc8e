"""Go's bot seats for the server's bot service: what a bot does next in a match, step by step.

`GoBots` makes bot seats (`bot:<kind>:<hex>`, `kind` `gnugo` or `builtin`) and one `GoBrain`
per seat. The bot service (`gameserver.bots.seats`) asks a brain for its next step after every
change of the match; the brain answers with one action to send (through the same path as a
person's) or one chat line to say, or None when it has nothing to do until the game changes.

What a bot must do is a pure function of the committed match (`next_turn`): move when it is on
turn, accept an undo its opponent asked for, and in scoring propose its dead stones and accept.

Scoring: the bot proposes its dead stones once per scoring phase (it marks them group by group;
a change clears both acceptances) unless the opponent already accepted, then accepts when the
marking is its own view or its proposal. When the marking differs it says in chat what it
disagrees about, once per marking, and waits; once the opponent has accepted, it accepts too
(after saying so), so a bot never blocks the end of a game.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import shlex
from dataclasses import dataclass, field

from gameserver.bots.seats import BotAct, BotSay, Step, bot_kind
from gameserver.core.match import Match, Seat
from gameserver.core.timecontrol import GameClock
from gameserver.games.go import Color as GoColor
from gameserver.games.go import GoGame, Point
from gameserver.games.go.bots.factory import engine_available, make_bot
from gameserver.games.go.bots.gtp import gnugo_argv
from gameserver.games.go.bots.gtpbot import GtpBot
from gameserver.games.go.bots.player import BotPlayer, BotResigns, BuiltinBot, score_disagreement
from gameserver.games.go.bots.pool import ThinkPool
from gameserver.games.go.rules import (
    AcceptScore,
    GoState,
    MarkDead,
    Move,
    Pass,
    Resign,
    UndoReply,
)
from gameserver.wire.errors import BadRequest

__all__ = ["FLAG_MARGIN", "MIN_THINK", "AnswerUndo", "GoBots", "GoBrain", "Score", "Turn",
           "engine_pid", "next_turn", "think_budget"]

log = logging.getLogger("gameserver.bots.go")

KINDS = ("gnugo", "builtin")
#: a bot with a clock running keeps this much of its remaining time in hand (seconds)
FLAG_MARGIN = 0.25
#: and never thinks for less than this (the built-in bot answers in well under it)
MIN_THINK = 0.05
_OTHER = {"black": "white", "white": "black"}


@dataclass(frozen=True, slots=True)
class Play:
    """The bot playing `color` is on turn."""

    color: str


@dataclass(frozen=True, slots=True)
class AnswerUndo:
    """The bot playing `color` is asked to let its opponent take a move back (it accepts)."""

    color: str


@dataclass(frozen=True, slots=True)
class Score:
    """Scoring: the bot playing `color` has not accepted yet."""

    color: str


Turn = Play | AnswerUndo | Score


def next_turn(match: Match, seat: str) -> Turn | None:
    """What the bot in `seat` of `match` has to do now, or None."""
    state = match.state
    assert isinstance(state, GoState)
    phase = _phase(match)
    if phase == "playing":
        undo = state.undo
        if undo is not None:
            return AnswerUndo(seat) if _OTHER[undo.color] == seat else None
        to_move = state.game.to_move
        return Play(seat) if to_move is not None and to_move.value == seat else None
    if phase == "scoring" and seat not in state.accepted:
        return Score(seat)
    return None


def _phase(match: Match) -> str:
    if match.ended is not None:
        return "finished"
    if match.started_at is None:
        return "waiting"
    state = match.state
    assert isinstance(state, GoState)
    return "playing" if state.game.phase == "placement" else state.game.phase


def think_budget(clock: GameClock | None, color: str, now: float, timeout: float) -> float:
    """Seconds the bot may think: `timeout`, and with a clock at most half the time left before
    its flag, minus a margin (never under `MIN_THINK`)."""
    if clock is None:
        return timeout
    left = clock.until_flag_ms(color, now)  # type: ignore[arg-type]
    if left is None:
        return timeout
    return max(MIN_THINK, min(timeout, left / 2000 - FLAG_MARGIN))


@dataclass(slots=True)
class _Scoring:
    """What one bot remembers about one scoring phase (lost on restart: it proposes again)."""

    moves: int  # the position: how many moves were played when scoring began
    own: frozenset[Point]
    proposed: frozenset[Point] | None = None
    proposing: bool = False  # marking its groups, one step at a time
    tried: set[Point] = field(default_factory=set)
    said: set[frozenset[Point]] = field(default_factory=set)


class GoBrain:
    """One bot seat of one game."""

    def __init__(self, player: BotPlayer, timeout: float, bots: GoBots) -> None:
        self.player = player
        self._timeout = timeout
        self._bots = bots
        self._scoring: _Scoring | None = None

    async def next(self, match: Match, seat: str, now: float) -> Step | None:
        turn = next_turn(match, seat)
        if turn is None:
            return None
        state = match.state
        assert isinstance(state, GoState)
        if isinstance(turn, AnswerUndo):
            return BotAct(UndoReply(True))
        if isinstance(turn, Play):
            return await self._move(state, seat, now)
        return await self._score(state, seat)

    async def _move(self, state: GoState, seat: str, now: float) -> Step:
        game = state.game
        budget = think_budget(state.clock, seat, now, self._timeout)
        try:
            async with asyncio.timeout(budget):
                point = await self.player.choose(game, GoColor(seat))
        except BotResigns:
            return BotAct(Resign(), paced=True)
        except TimeoutError:
            log.warning("%s did not answer within %.2f s; the built-in bot moves",
                        self.player.name, budget)
            self._bots.budget_fallbacks += 1
            point = await self._bots.fallback.choose(game, GoColor(seat))
        return BotAct(Pass() if point is None else Move(*point), paced=True)

    async def _score(self, state: GoState, seat: str) -> Step | None:
        game = state.game
        memory = self._scoring
        if memory is None or memory.moves != len(game.moves):
            memory = self._scoring = _Scoring(len(game.moves),
                                              await self.player.dead_stones(game))
        marked = game.dead
        opponent_accepted = _OTHER[seat] in state.accepted
        if memory.proposed is None and (memory.proposing or not opponent_accepted):
            step = self._propose(game, memory)
            if step is not None:
                memory.proposing = True
                return step
            memory.proposed, memory.proposing = marked, False  # as far as clicks could get
        if marked in (memory.own, memory.proposed):
            return BotAct(AcceptScore())
        if marked not in memory.said:
            memory.said.add(marked)
            message = score_disagreement(game, memory.own, marked)
            if opponent_accepted:
                message += "; but I accept, so the game can end"
            return BotSay(message)
        return BotAct(AcceptScore()) if opponent_accepted else None

    @staticmethod
    def _propose(game: GoGame, memory: _Scoring) -> Step | None:
        """The next group to mark (or unmark) toward the bot's own view, as a player clicks;
        None when there is none left to try (a click takes a whole group, so the marking
        reached may differ from the bot's view)."""
        marked = game.dead
        for dead, todo in ((False, marked - memory.own), (True, memory.own - marked)):
            points = sorted((p for p in todo if p not in memory.tried),
                            key=lambda p: (p[1], p[0]))
            if points:
                x, y = points[0]
                memory.tried.add((x, y))
                return BotAct(MarkDead(x, y, dead))
        return None

    async def close(self) -> None:
        await self.player.close()


class GoBots:
    """Bot seats for Go games: the configured engine (GNU Go, any GTP engine, or the built-in
    bot when that is missing) and the built-in bot."""

    def __init__(self, kind: str = "gnugo", *, level: int = 1, gtp_command: str = "",
                 timeout: float = 10.0, workers: int = 0) -> None:
        self.kind = kind
        self.level = level
        argv = shlex.split(gtp_command) if gtp_command else None
        self._argv = argv or gnugo_argv(level)
        self._custom = argv is not None
        self._timeout = timeout
        #: the built-in bots' searches run in these worker processes, off the event loop
        self.pool = ThinkPool(workers)
        self.fallback = BuiltinBot(pool=self.pool)
        #: bot moves answered by the built-in bot because the think budget ran out
        self.budget_fallbacks = 0

    def seat(self, kind: str | None = None) -> Seat:
        """A fresh bot seat of `kind` (default: the configured one); a GTP engine that is not
        installed gives a built-in bot's seat."""
        kind = kind or self.kind
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
            name = f"GNU Go level {self.level}"
        return Seat(f"bot:{kind}:{secrets.token_hex(5)}", name)

    def brain(self, seat: Seat) -> GoBrain:
        kind = bot_kind(seat)
        if kind == "gnugo":
            # a third per GTP command: a hung engine is restarted and asked again within the
            # move's budget
            player = make_bot("gnugo", gtp_argv=self._argv, timeout=self._timeout / 3)
        else:
            player = BuiltinBot(pool=self.pool)
        return GoBrain(player, self._timeout, self)

    def close(self) -> None:
        """The bot service stops: so do the worker processes."""
        self.pool.close()

    def settings(self, size: int) -> dict[str, object]:
        """`create` fields of a bot-vs-bot game (load tests)."""
        return {"size": size}


def engine_pid(brain: object) -> int | None:
    """The engine process of a GTP bot seat (tests kill it), else None."""
    player = getattr(brain, "player", None)
    return player.engine.pid if isinstance(player, GtpBot) else None

