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
import secrets
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field

from flowstate import Clock, Driver, Engine, FlowRegistry, MemoryDriver, RealClock
from gameserver.bots.seats import BotSeats
from gameserver.core.game import Game
from gameserver.core.match import Limits
from gameserver.games import load_games
from gameserver.live.chats import Chats
from gameserver.live.follow import Follower
from gameserver.live.identity import Identities
from gameserver.live.listing import Answers
from gameserver.live.lobby import Lobby
from gameserver.live.matches import Matches
from gameserver.live.metrics import Metrics
from gameserver.live.nodes import Nodes
from gameserver.live.persistence import make_driver
from gameserver.live.quickmatch import QuickMatch
from gameserver.live.ratelimit import AddressBuckets
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
    chats: Chats
    #: the other servers on a shared store (None: this server is alone on its store)
    nodes: Nodes | None
    node: str
    #: requests per second each address may make to the JSON API
    api_limits: AddressBuckets
    #: the encoded pages of `GET /api/games` (not `finished`), while their games are unchanged
    api_answers: Answers = field(default_factory=Answers)

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
        shared = not isinstance(driver, MemoryDriver)  # other servers may use the store
        node = settings.node_id or "n" + secrets.token_hex(4)
        registry = FlowRegistry()
        timers = Timers(registry)
        nodes = (Nodes(registry, clock, node, settings.public_url or
                       f"http://{settings.host}:{settings.port}",
                       heartbeat=settings.node_heartbeat, timeout=settings.node_timeout)
                 if shared else None)
        quick = QuickMatch(registry, timeout=settings.quick_match_timeout)
        metrics = Metrics()
        async with Engine(driver, registry, clock=clock) as engine:
            identities = Identities(engine, settings.max_name_length, now=clock.now,
                                    per_address=settings.identities_per_address,
                                    maximum=settings.max_identities)
            matches = Matches(engine, served, now=clock.now,
                              history=settings.update_history,
                              max_open_games=settings.max_open_games_per_player,
                              limits=limits(settings), node=node, shared=shared,
                              waiting_per_address=settings.open_games_per_address,
                              max_waiting=settings.max_open_games,
                              games_per_address_per_minute=settings.games_per_address_per_minute,
                              bot_games_per_address=settings.bot_games_per_address)
            matches.turns = identities.turns  # creations of both kinds take turns together
            chats = Chats(engine, matches.send_to)
            matches.chat_lines = chats.lines
            lobby = Lobby()
            matches.observers += [lobby.observe, metrics.observe]
            bots = BotSeats(makers, matches, clock,
                            move_delay=settings.bot_move_delay, bot_games=settings.bot_games,
                            bot_games_size=settings.bot_games_size)
            bots.chats = chats
            follower = Follower(engine)
            quick.attach(engine, matches, clock.now)
            for kind in (*matches.follow_kinds(), identities.follow_kind(), chats.follow_kind(),
                         quick.follow_kind()):
                follower.add(kind)
            if nodes is not None:
                nodes.attach(engine)
                follower.add(nodes.follow_kind())
                nodes.on_lost.append(matches.node_lost)
                nodes.on_change.append(bots.rehome)
                bots.mine = nodes.mine
                await nodes.load()
            timers.attach(matches)
            await identities.load()
            await matches.load()
            await chats.load_games(list(matches.hubs))
            matches.on_evict.append(chats.forget)
            matches.on_evicted.append(chats.retire)
            matches.store_ok = lambda: bool(driver.healthy)
            await quick.load()
            session = Session(settings, identities, matches, lobby, chats, quick, clock.now)
            sockets = SocketServer(settings, session, matches, lobby, metrics, clock, net_clock)
            quick.sockets_of = sockets.of_player
            if settings.tune_gc:
                tune_gc()
            runtime = cls(settings, clock, driver, engine, metrics, identities, matches, lobby,
                          sockets, bots, chats, nodes, node,
                          AddressBuckets(settings.api_requests_per_second,
                                         settings.api_request_burst))
            async with bots.running(), asyncio.TaskGroup() as tg:
                tasks = [tg.create_task(follower.run(), name="gameserver-follow"),
                         tg.create_task(matches.index_finished(),
                                        name="gameserver-index-finished")]
                if nodes is not None:
                    tasks.append(tg.create_task(nodes.run(), name="gameserver-heartbeat"))
                if settings.tune_gc:
                    tasks.append(tg.create_task(freeze_survivors(), name="gameserver-gc"))
                if settings.finished_grace >= 0:
                    tasks.append(tg.create_task(matches.sweep(clock, settings.finished_grace),
                                                name="gameserver-evict"))
                try:
                    async with sockets.running():
                        yield runtime
                finally:
                    for task in tasks:
                        task.cancel()
                    if nodes is not None:
                        await nodes.leave()


def limits(settings: Settings) -> Limits:
    return Limits(lobby=settings.lobby_timeout, abandon=settings.abandon_after,
                  lobby_away=settings.lobby_away)
