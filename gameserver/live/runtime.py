"""Everything one running app owns, built and torn down by the app's lifespan.

The engine (with its delayer, recovery and persistence), the identities and matches loaded back
from it, the lobby, the socket server, the bot seats and the watcher that adopts versions
written elsewhere. No module globals: two apps in one process each have their own.

Teardown runs in reverse: sockets are closed first (1012) and their clean-up runs while the
engine still commits, then the bots stop, then the engine flushes and closes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass

from flowstate import Clock, Driver, Engine, FlowRegistry, RealClock
from gameserver.bots.seats import BotSeats
from gameserver.core.game import Game
from gameserver.core.match import Limits
from gameserver.games import load_games
from gameserver.live.identity import Identities
from gameserver.live.lobby import Lobby
from gameserver.live.matches import Matches
from gameserver.live.metrics import Metrics
from gameserver.live.persistence import make_driver
from gameserver.live.server import freeze_survivors, tune_gc
from gameserver.live.session import Session
from gameserver.live.sockets import SocketServer
from gameserver.live.timers import Timers
from gameserver.settings import Settings


@dataclass(slots=True)
class Runtime:
    settings: Settings
    clock: Clock
    driver: Driver
    engine: Engine
    metrics: Metrics
    identities: Identities
    matches: Matches
    lobby: Lobby
    sockets: SocketServer
    bots: BotSeats

    @classmethod
    @contextlib.asynccontextmanager
    async def running(cls, settings: Settings, *, clock: Clock | None = None,
                      games: Mapping[str, Game] | None = None,
                      driver: Driver | None = None,
                      net_clock: Clock | None = None) -> AsyncIterator[Runtime]:
        clock = clock or RealClock()
        driver = driver if driver is not None else make_driver(settings)
        served, makers = load_games(settings.games, settings)
        if games is not None:  # tests and embedders give their own
            served, makers = dict(games), {k: v for k, v in makers.items() if k in games}
        registry = FlowRegistry()
        timers = Timers(registry)
        metrics = Metrics()
        async with Engine(driver, registry, clock=clock) as engine:
            identities = Identities(engine, settings.max_name_length)
            matches = Matches(engine, served, now=clock.now,
                              history=settings.update_history,
                              max_open_games=settings.max_open_games_per_player,
                              limits=limits(settings))
            lobby = Lobby()
            matches.observers += [lobby.observe, metrics.observe]
            bots = BotSeats(makers, matches, clock,
                            move_delay=settings.bot_move_delay, bot_games=settings.bot_games,
                            bot_games_size=settings.bot_games_size)
            timers.attach(matches)
            await identities.load()
            await matches.load()
            session = Session(settings, identities, matches, lobby, clock.now)
            sockets = SocketServer(settings, session, matches, lobby, metrics, clock, net_clock)
            if settings.tune_gc:
                tune_gc()
            runtime = cls(settings, clock, driver, engine, metrics, identities, matches, lobby,
                          sockets, bots)
            async with bots.running(), asyncio.TaskGroup() as tg:
                tasks = [tg.create_task(matches.follow(), name="gameserver-follow")]
                if settings.tune_gc:
                    tasks.append(tg.create_task(freeze_survivors(), name="gameserver-gc"))
                try:
                    async with sockets.running():
                        yield runtime
                finally:
                    for task in tasks:
                        task.cancel()


def limits(settings: Settings) -> Limits:
    return Limits(lobby=settings.lobby_timeout, abandon=settings.abandon_after)
