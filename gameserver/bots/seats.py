"""Bot seats: the service that plays every seat held by a bot, through the match path.

A bot seat is an ordinary `Seat` whose player id is `bot:<kind>:<hex>`, so the match record
says which seats are bots and a restart knows them again. Nothing about bots is stored besides
that. Which bots a game has is the game's business: the service is given a `BotMaker` per game
name (Go's is `gameserver.games.go.bots.brain.GoBots`), which makes seats and a `Brain` for
each; a game without one has no bot opponents.

What a bot does is a function of the committed match: after every change of a game with a bot
seat, the service asks each of its brains for the next `Step`, an action to send (through
`Matches.command`, exactly like a person's: under the match lock, one rev-checked commit,
refused if the game moved on, in which case the brain is asked again) or a chat line; until
the brain says None. The game state is therefore the durable record of a bot's pending work:
the service observes the committed changes of the games that have bot seats (an observer on
each such hub, so games without a bot cost it nothing) and on start-up wakes every loaded bot
game once, so a bot whose turn it was when the server stopped acts as soon as it is back.

Each game with bot seats has at most one worker task (owned by this service's task group).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from flowstate import Clock
from gameserver.core.match import Match, Seat
from gameserver.core.plan import Plan
from gameserver.live.chats import Chats
from gameserver.live.identity import Player
from gameserver.live.matches import Hub, Matches
from gameserver.wire import requests as c
from gameserver.wire.errors import BadRequest, ProtocolError

__all__ = ["BOT_PREFIX", "BotAct", "BotMaker", "BotSay", "BotSeats", "Brain", "Step",
           "bot_kind"]

log = logging.getLogger("gameserver.bots")

BOT_PREFIX = "bot:"


def bot_kind(seat: Seat | None) -> str | None:
    """The bot kind of a seat held by a bot, else None."""
    if seat is None or not seat.player_id.startswith(BOT_PREFIX):
        return None
    return seat.player_id.split(":", 2)[1]


@dataclass(frozen=True, slots=True)
class BotAct:
    """Send this game action (judged against the match as the brain saw it); a `paced` one
    (a move) waits the service's move delay first (load tests pace bot-vs-bot games)."""

    action: Any
    paced: bool = False


@dataclass(frozen=True, slots=True)
class BotSay:
    """Say this in the game's chat."""

    text: str


Step = BotAct | BotSay


class Brain(Protocol):
    """One bot seat of one game."""

    async def next(self, match: Match, seat: str, now: float) -> Step | None:
        """What to do now, or None until the game changes."""
        ...

    async def close(self) -> None: ...


class BotMaker(Protocol):
    """A game's bots: seats for `create {opponent: "bot"}` and a brain for each seat."""

    def seat(self, kind: str | None = None) -> Seat: ...

    def brain(self, seat: Seat) -> Brain: ...

    def settings(self, size: int) -> dict[str, object]: ...


class BotSeats:
    """Plays every bot seat of the matches; `running()` owns its workers."""

    def __init__(self, makers: Mapping[str, BotMaker], matches: Matches, clock: Clock, *,
                 move_delay: float = 0.0, bot_games: int = 0, bot_games_size: int = 9,
                 bot_games_of: str = "go") -> None:
        self._makers = dict(makers)
        self._matches = matches
        self._clock = clock
        self._move_delay = move_delay
        self._bot_games = bot_games
        self._bot_games_size = bot_games_size
        self._bot_games_of = bot_games_of
        self._brains: dict[tuple[str, str], Brain] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._dirty: set[str] = set()
        #: set when a game changes while its worker waits (paced moves)
        self._changed: dict[str, asyncio.Event] = {}
        self._tg: asyncio.TaskGroup | None = None
        #: where bots' chat lines go (set by the runtime)
        self.chats: Chats | None = None
        #: whether this server plays the bots of a game (one server of a cluster does)
        self.mine: Callable[[str], bool] = lambda game_id: True
        matches.bot_seat = self.seat_for
        matches.installers.append(self.install)

    # -- lifetime ------------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[BotSeats]:
        """Resume every game where a bot has something to do; on exit stop the workers and
        close every brain (killing engine processes)."""
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
            brains, self._brains = list(self._brains.values()), {}
            for brain in brains:
                await brain.close()
            for maker in self._makers.values():
                close = getattr(maker, "close", None)  # a maker that owns workers stops them
                if callable(close):
                    close()

    def rehome(self) -> None:
        """The live servers changed: wake every bot game (those that are now this server's
        start here; the others' workers find nothing to do)."""
        for hub in list(self._matches.hubs.values()):
            if hub.observers:
                self.wake(hub.match.id)

    def install(self, hub: Hub) -> None:
        """A hub appeared (created, loaded, adopted): observe it if a bot holds a seat."""
        if any(bot_kind(seat) for _, seat in hub.match.taken()):
            hub.observers.append(self._observe)

    def _observe(self, hub: Hub, outcome: Plan, t0: float) -> None:
        self.wake(hub.match.id)

    # -- seats -----------------------------------------------------------------------------------

    def seat_for(self, game: str) -> Seat:
        """The seat of the configured bot for `create {opponent: "bot"}`."""
        maker = self._makers.get(game)
        if maker is None:
            raise BadRequest(f"{game} games have no bot opponents")
        return maker.seat()

    def new_seat(self, kind: str | None = None, game: str = "go") -> Seat:
        return self._maker(game).seat(kind)

    def _maker(self, game: str) -> BotMaker:
        maker = self._makers.get(game)
        if maker is None:
            raise BadRequest(f"{game} games have no bot opponents")
        return maker

    async def create_bot_game(self, first: str | None = None, second: str | None = None, *,
                              game: str = "go", options: Mapping[str, Any] | None = None) -> Hub:
        """A game between two bots (their kinds; default the configured one), which starts
        at once; watch it like any other game."""
        maker = self._maker(game)
        one, two = maker.seat(first), maker.seat(second)
        names = self._matches.games[game].seat_names(
            self._matches.games[game].settings(dict(options or {})))
        cmd = c.Create(None, game=game, options=dict(options or {}), seat=names[0],
                       opponent="bot")
        return await self._matches.create(Player(one.player_id, one.name), cmd, None,
                                          opponent=two)

    def bot(self, game_id: str, seat: str) -> Brain | None:
        """The brain playing that seat now (None before its first question or after the
        game)."""
        return self._brains.get((game_id, seat))

    def _brain(self, hub: Hub, seat: str) -> Brain:
        key = (hub.match.id, seat)
        brain = self._brains.get(key)
        if brain is None:
            held = hub.match.seat(seat)
            assert held is not None
            brain = self._brains[key] = self._maker(hub.match.game).brain(held)
        return brain

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
        if hub is None or tg is None or not self.mine(game_id):
            return
        if hub.phase == "finished":
            if any(key[0] == game_id for key in self._brains):
                self._workers[game_id] = tg.create_task(self._finish(hub))
            return
        if hub.phase == "waiting":
            return
        self._workers[game_id] = tg.create_task(self._work(hub), name=f"bot-{game_id}")

    def _bot_seats(self, match: Match) -> list[str]:
        return [name for name, seat in match.taken() if bot_kind(seat)]

    async def _work(self, hub: Hub) -> None:
        game_id = hub.match.id
        try:
            while True:
                self._dirty.discard(game_id)
                acted = False
                for seat in self._bot_seats(hub.match):
                    if hub.phase in ("finished", "waiting"):
                        break
                    try:
                        acted = await self._step(hub, seat) or acted
                    except ProtocolError as error:  # the game moved on under the bot
                        log.debug("bot in %s: %s", game_id, error)
                    except Exception:
                        log.exception("the bot in game %s failed; it waits for the next "
                                      "change", game_id)
                if not acted and game_id not in self._dirty:
                    break
        finally:
            self._workers.pop(game_id, None)
        if hub.phase == "finished":
            await self._finish(hub)

    async def _step(self, hub: Hub, seat: str) -> bool:
        """Ask the seat's brain once and do what it says; False when it has nothing to do."""
        match = hub.match
        brain = self._brain(hub, seat)
        step = await brain.next(match, seat, self._clock.now())
        if step is None:
            return False
        if isinstance(step, BotSay):
            held = match.seat(seat)
            assert held is not None
            if self.chats is not None:
                await self.chats.say(match.id, held.player_id, held.name, step.text,
                                     self._clock.now(), hub.game.moves(match.state))
            return True
        if step.paced and self._move_delay > 0 and not await self._paused(hub, match.rev,
                                                           self._clock.now() + self._move_delay):
            return True  # the game changed while the bot waited: look again
        if hub.match.rev != match.rev:
            return True
        held = match.seat(seat)
        assert held is not None
        request = c.Act(None, match.id, match.rev, step.action)
        await self._matches.command(Player(held.player_id, held.name), request,
                                    time.perf_counter())
        return True

    async def _finish(self, hub: Hub) -> None:
        """The game is over: close its brains; keep the number of bot-vs-bot games up."""
        game_id = hub.match.id
        self._workers.pop(game_id, None)
        for seat in hub.match.seat_names:
            brain = self._brains.pop((game_id, seat), None)
            if brain is not None:
                await brain.close()
        if (self._all_bots(hub.match) and self._missing_bot_games() > 0
                and self._tg is not None):
            self._tg.create_task(self._new_bot_game())

    @staticmethod
    def _all_bots(match: Match) -> bool:
        return all(bot_kind(seat) for seat in match.seats)

    def _missing_bot_games(self) -> int:
        if self._bot_games <= 0:
            return 0
        running = sum(1 for hub in self._matches.hubs.values()
                      if self._all_bots(hub.match) and hub.phase != "finished")
        return max(0, self._bot_games - running)

    async def _new_bot_game(self) -> None:
        try:
            maker = self._maker(self._bot_games_of)
            await self.create_bot_game(game=self._bot_games_of,
                                       options=maker.settings(self._bot_games_size))
        except Exception:
            log.exception("could not start a bot-vs-bot game")

    async def _paused(self, hub: Hub, rev: int, until: float) -> bool:
        """Wait until `until` on the clock; False as soon as the game changes instead."""
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
