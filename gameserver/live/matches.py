"""The live matches, and the one straight line every change of a match takes.

Each match is a flowstate state whose `Match` value is kept in memory (its `Hub`). A change
(a player's command, a join, a presence change, a deadline passing) runs start to finish in the
task that asked for it, under the match's lock:

    judge it (pure) -> plan it (pure: the next value, event, phase, deadline and the encoded
    push, each computed once) -> one rev-checked commit -> write the planned bytes to every
    watching socket -> tell the observers

There is no side table of pushes waiting for a broadcaster and no second task on this path:
the bytes a commit's `Plan` carries are what the opponent's socket receives, written from the
mover's task right after the commit returns.

Storage: the commit parks the game state with the record of the match (head and unsealed
actions, see `gameserver.core.record`) in the `gameserver.match` annotation, the match rev in
`gameserver.rev` and `[at, event]` in `gameserver.note`; a chunk of actions sealed by the change
is committed in the same commit as its own small state (`<game>.log.<n>`, kind `gamelog`),
written once. Deadlines are durable flowstate delays on a companion timer state
(`gameserver.live.timers`), armed in the same commit.

Versions this process did not write (another process on a shared store, a commit made around
this path) reach `follow()`, the one engine watcher, whose synchronous filter drops this
process's own commits so they never wake it. It adopts them under the match lock and
publishes them like its own. A commit that meets a rev mismatch reloads the match, publishes
what it found, and judges the command again (retried or refused, e.g. `stale_rev`; never lost).

Bots, the lobby and metrics observe committed outcomes through one interface: an `Observer`
called with the hub, the plan and the change's start time, after the sockets got the push.
Global observers see every change; a hub's own observers (a bot seat's) only its game's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections import deque
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from dataclasses import dataclass, field, replace
from typing import Any

import orjson

from flowstate import (
    Clock,
    Command,
    Engine,
    NotFoundError,
    PersistenceError,
    RevMismatchError,
    State,
    StateCtx,
    commit,
    get_state_by_id,
    get_states,
    mark_archived,
    park,
)
from gameserver.core.game import Game
from gameserver.core.match import (
    CANCELLED,
    CHUNK_ACTIONS,
    Connect,
    Deadline,
    Disconnect,
    Event,
    Limits,
    Match,
    Rename,
    Seat,
    bump,
    deadline,
    expire,
    join,
    new_match,
    present,
    snapshot_view,
    step,
    summary_view,
)
from gameserver.core.phases import TickPhases
from gameserver.core.plan import Plan, plan
from gameserver.core.record import catch_up, from_record, record_data, to_record
from gameserver.core.timecontrol import to_ms
from gameserver.live import timers
from gameserver.live.connection import Connection
from gameserver.live.follow import Kind
from gameserver.live.identity import Player
from gameserver.live.listing import FinishedIndex, Key, Query, page_after
from gameserver.live.ratelimit import AddressBuckets
from gameserver.live.turns import Turns
from gameserver.wire import frames
from gameserver.wire import requests as c
from gameserver.wire.errors import (
    BadRequest,
    Forbidden,
    Internal,
    NotFound,
    RateLimited,
    TooMany,
    Unavailable,
    WrongPhase,
)

log = logging.getLogger("gameserver.matches")

RECORD = "gameserver.match"
REV = "gameserver.rev"
NOTE = "gameserver.note"
KIND = "game"
LOG_KIND = "gamelog"
ACTIONS = "gameserver.actions"
#: a finished game's `GameSummary` (with `finished_at`), so listing it needs no replay
SUMMARY = "gameserver.summary"

#: called after every committed change: (hub, plan, perf_counter() when the change began)
Observer = Callable[["Hub", Plan, float], None]
Change = Callable[[Match], tuple[Match, Event]]


def chunk_id(game_id: str, index: int) -> str:
    return f"{game_id}.log.{index}"


@dataclass(slots=True, eq=False)
class Hub:
    """One match in memory: its value, its committed ctx, and who watches it."""

    match: Match
    game: Game
    ctx: StateCtx
    phase: str
    #: when something happens to the match unless somebody acts (cached from the last plan)
    deadline: Deadline | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    #: the last pushes, for `watch since_rev`: (rev, frame)
    history: deque[tuple[int, bytes]] = field(default_factory=deque)
    watchers: set[Connection] = field(default_factory=set)
    #: seated player id -> sockets of theirs that count as present
    present: dict[str, int] = field(default_factory=dict)
    in_lobby: bool = False
    #: the game's timer state (None until its first deadline) and the deadline it holds
    timer: StateCtx | None = None
    armed: Deadline | None = None
    #: the match rev this process is committing right now (0: none)
    writing: int = 0
    #: observers of this game only (a bot seat's)
    observers: list[Observer] = field(default_factory=list)
    #: the address of the socket that created it ("" when unknown: loaded, adopted, a bot's)
    address: str = ""
    #: the address whose `bot_games_per_address` count this bot game holds ("": none)
    bot_address: str = ""
    #: when this server saw it finish (None: not finished); it leaves memory after the grace
    finished_at: float | None = None

    def snapshot(self, now: float | None = None, seat: str | None = None) -> bytes:
        return frames.snapshot(snapshot_view(self.match, self.game, now, seat))

    def summary(self) -> dict[str, Any]:
        return summary_view(self.match, self.game, self.phase)

    def seat_of(self, conn: Connection) -> str | None:
        """The seat the socket's player holds here (None: a spectator)."""
        player = conn.player
        return None if player is None else self.match.seat_of(player.id)


class Matches:
    """Creates, loads and changes matches; owns the hubs."""

    def __init__(self, engine: Engine, games: Mapping[str, Game], *, now: Callable[[], float],
                 history: int, max_open_games: int, limits: Limits | None = None,
                 node: str = "local", shared: bool = False, waiting_per_address: int = 0,
                 max_waiting: int = 0, games_per_address_per_minute: float = 0.0,
                 bot_games_per_address: int = 0) -> None:
        self._engine = engine
        #: this server's name among the servers on one store (presence is per server)
        self.node = node
        #: other servers may write to the store (a cluster)
        self.shared = shared
        self.games = dict(games)
        self._now = now
        self._history = history
        self._max_open = max_open_games
        #: caps on waiting games, per creating address and in total (0: none)
        self.waiting_per_address = waiting_per_address
        self.max_waiting = max_waiting
        #: new games (any kind, bot games too) one address may create a minute, 10 at once
        self.games_per_minute = games_per_address_per_minute
        self._created = AddressBuckets(games_per_address_per_minute / 60,
                                       min(10.0, games_per_address_per_minute))
        #: unfinished bot games one address may hold (0: no cap), and how many each holds
        self.bot_games_per_address = bot_games_per_address
        self._bot_games: dict[str, int] = {}
        #: change counters of the listings (`gameserver.live.listing.Answers` keys its
        #: encoded pages by them): `version` moves with any game's change, `lobby_version`
        #: only with a change of a game that is or was waiting (what the open listing shows)
        self.version = 0
        self.lobby_version = 0
        #: the waiting games, and those created from each address
        self.waiting: dict[str, Hub] = {}
        self._waiting_by_address: dict[str, set[str]] = {}
        #: every finished game, in memory or not (listed newest first)
        self.finished = FinishedIndex()
        #: the tick phases of the live games that tick (`gameserver.core.phases`)
        self.tick_phases = TickPhases()
        self.evicted = 0  # finished games that left memory
        #: whether the store takes writes now (set by the runtime: the driver's `healthy`);
        #: while it does not, players' changes are refused with `unavailable`
        self.store_ok: Callable[[], bool] = lambda: True
        #: called with the id of every game that leaves memory (its chat goes too)
        self.on_evict: list[Callable[[str], None]] = []
        #: awaited by `sweep` after each round that evicted games (the chats archive theirs)
        self.on_evicted: list[Callable[[], Awaitable[None]]] = []
        self.limits = limits or Limits()
        self.loaded = asyncio.Event()  # timer flows wait for it after a restart
        #: set once the finished games in the store are indexed (`index_finished`)
        self.indexed = asyncio.Event()
        self.hubs: dict[str, Hub] = {}
        self._by_player: dict[str, set[str]] = {}
        self.conflicts = 0  # commits that met a newer version (another writer) and retried
        self._rematches: dict[str, str] = {}  # finished game -> the rematch offered after it
        #: players' creations and closed sockets' presence commits take turns, one per
        #: loop turn (`gameserver.live.turns`); the runtime shares it with `Identities`
        self.turns = Turns()
        self.adopted = 0  # versions written elsewhere and taken into a hub
        #: observers of every change (the lobby, metrics)
        self.observers: list[Observer] = []
        #: called with every hub that appears (created, loaded or adopted): a bot seat
        #: service attaches its observer to the games it plays
        self.installers: list[Callable[[Hub], None]] = []
        #: the chat kept with a game (set by the runtime), shown to sockets that start watching
        self.chat_lines: Callable[[str], Sequence[Mapping[str, Any]]] | None = None
        #: the seat a bot takes for `create {opponent: "bot"}` in that game (set by the bot
        #: service); None: this server has no bots
        self.bot_seat: Callable[[str], Seat] | None = None

    # -- loading -----------------------------------------------------------------------------

    async def load(self) -> None:
        """Rebuild every unfinished match from its latest record and chunks, then its timer.
        Only the live games are read (by their phase labels): finished ones are indexed by
        `index_finished`, which the runtime runs next to the server, so start-up time and
        memory follow the live games."""
        phases = {"waiting", *(p for g in self.games.values() for p in g.phases)} - {"finished"}
        # the latest version in a live phase of each game: within the store's history window
        # that may be an older version of a game that has finished since, so each is read
        # again by id and kept only if it is the latest
        seen = [StateCtx.new(state.id) async for state in
                self._latest([{"kind": KIND, "phase": p} for p in sorted(phases)])]
        for i in range(0, len(seen), 500):
            await self._engine.do(*(get_state_by_id(ctx, ctx.current.id)
                                    for ctx in seen[i:i + 500]))
        await self._install_live([ctx.committed for ctx in seen
                                  if ctx.committed.labels.get("phase") != "finished"])
        self.loaded.set()
        now = self._now()
        for hub in list(self.hubs.values()):
            timer = hub.timer
            due = hub.deadline
            if timer is not None and (timer.committed.transition.to or (
                    due is not None and due[0] <= now)):
                # the server stopped between a firing and its outcome (a committed firing, or
                # a plain delay already spent): judge it now
                await self.fire(hub.match.id, timer.committed)

    async def _install_live(self, states: Sequence[State]) -> None:
        for state in states:
            # the chunks of the live games only (archived: they may be on disk only)
            match = await self._rebuild(state)
            if match is None:  # a record this server cannot replay must not stop the rest
                continue
            if not self.shared and match.present:  # nobody kept a socket across a restart
                match = replace(match, present={})
            self._install(self._new_hub(match, StateCtx.from_state(state)))
            hub = self.hubs[state.id]
            ctx = StateCtx.new(timers.timer_id(state.id))  # its timer (by id: see above)
            try:
                await self._engine.do(get_state_by_id(ctx, ctx.current.id))
            except NotFoundError:
                continue
            hub.timer = StateCtx.from_state(ctx.committed)
            hub.armed = timers.armed(ctx.committed)

    async def index_finished(self) -> None:
        """Index the finished games in the store (the listing of finished games waits for
        it; `find` reads the store meanwhile). A start reads each one's last version once;
        the server is serving its live games while this runs. A stored game in a phase no
        served game declares (not rebuilt by `load`) is rebuilt here, with a warning."""
        try:
            late: list[State] = []
            async for state in self._latest({"kind": KIND}):
                if state.labels.get("phase") == "finished":
                    self.finished.add(_finished_at(state), state.id,
                                      state.labels.get("game", ""))
                elif state.id not in self.hubs and state.labels.get("game") in self.games:
                    log.warning("game %s is in phase %r, which its game does not declare; "
                                "rebuilt late", state.id, state.labels.get("phase"))
                    late.append(state)
            await self._install_live(late)
        except Exception:  # the live games are served anyway: say so, list what was found
            log.exception("indexing the finished games failed; %d are listed",
                          len(self.finished))
        finally:
            self.indexed.set()

    async def _latest(self, labels: dict[str, str] | list[dict[str, str]]
                      ) -> AsyncIterator[State]:
        since = 0
        while True:
            cmd = get_states(labels, since_rev=since, latest_only=True, limit=500)
            await self._engine.do(cmd)
            assert cmd.result is not None
            for state in cmd.result.states:
                since = state.rev
                yield state
            if not cmd.result.more:
                return

    def _new_hub(self, match: Match, ctx: StateCtx) -> Hub:
        game = self.games[match.game]
        phase = match.phase(game)
        return Hub(match, game, ctx, phase, deadline(match, game, self.limits, phase))

    def _install(self, hub: Hub) -> None:
        self.hubs[hub.match.id] = hub
        if hub.phase != "finished":
            self._hold_phase(hub)
        hub.in_lobby = listed(hub)
        self._track(hub)
        self._index(hub)
        if hub.match.rematch_of is not None:
            self._rematches[hub.match.rematch_of] = hub.match.id
        for installer in self.installers:
            installer(hub)

    def _hold_phase(self, hub: Hub) -> None:
        """Count a live game's tick phase, if its game ticks (see `open`)."""
        settings = hub.match.settings
        phase = settings.get("tick_phase")
        if type(phase) is int:
            period = hub.game.tick_period(settings)
            if period is not None:
                self.tick_phases.hold(hub.match.id, period, phase)

    def _track(self, hub: Hub) -> None:
        """Keep the waiting-game counts the caps read, and the index of finished games, in
        step with the hub's phase, and the listings' change counters."""
        game_id = hub.match.id
        self.version += 1
        if hub.phase == "waiting" or game_id in self.waiting:
            self.lobby_version += 1
        if hub.phase == "finished":
            if hub.finished_at is None:
                hub.finished_at = self._now()
            self.finished.add(hub.finished_at, game_id, hub.match.game)
            self.tick_phases.release(game_id)
            if hub.bot_address:
                self._release_bot_game(hub.bot_address)
                hub.bot_address = ""
        if hub.phase == "waiting" and game_id in self.hubs:
            self.waiting[game_id] = hub
            if hub.address:
                self._waiting_by_address.setdefault(hub.address, set()).add(game_id)
            return
        if self.waiting.pop(game_id, None) is not None and hub.address:
            ids = self._waiting_by_address.get(hub.address)
            if ids is not None:
                ids.discard(game_id)
                if not ids:
                    del self._waiting_by_address[hub.address]

    def _check_rate(self, address: str) -> None:
        """Refuse a new game past the address's rate of new games."""
        if self.games_per_minute and address and not self._created.take(address, self._now()):
            raise RateLimited(f"at most {self.games_per_minute:g} new games a minute from one "
                              "address")

    def _check_waiting(self, address: str) -> None:
        """Refuse one more waiting game over the total cap or the address's cap."""
        if self.max_waiting and len(self.waiting) >= self.max_waiting:
            raise TooMany("max_open_games", self.max_waiting,
                          f"the server has its maximum of {self.max_waiting} games waiting "
                          "for players; join one or try again later")
        if self.waiting_per_address and address:
            n = len(self._waiting_by_address.get(address, ()))
            if n >= self.waiting_per_address:
                raise TooMany("open_games_per_address", self.waiting_per_address,
                              f"{n} games created from your address are waiting for players "
                              f"(the limit is {self.waiting_per_address})")

    def _hold_bot_game(self, address: str) -> bool:
        """Count one more unfinished bot game for `address`, or refuse it over the cap; False
        when nothing is counted (no cap, no address)."""
        cap = self.bot_games_per_address
        if not cap or not address:
            return False
        held = self._bot_games.get(address, 0)
        if held >= cap:
            raise TooMany("bot_games_per_address", cap,
                          f"{held} unfinished games against the bot were created from your "
                          f"address (the limit is {cap}); finish or resign one first")
        self._bot_games[address] = held + 1
        return True

    def _release_bot_game(self, address: str) -> None:
        held = self._bot_games.get(address, 0) - 1
        if held > 0:
            self._bot_games[address] = held
        else:
            self._bot_games.pop(address, None)

    def check_store(self) -> None:
        """Refuse a player's change while the store cannot write (docs/persistence.md)."""
        if not self.store_ok():
            raise Unavailable("the server cannot save games right now (its store is failing "
                              "to write); nothing changed: try again in a moment")

    def _index(self, hub: Hub) -> None:
        for _, seat in hub.match.taken():
            self._by_player.setdefault(seat.player_id, set()).add(hub.match.id)

    # -- reading -----------------------------------------------------------------------------

    def hub(self, game_id: str) -> Hub:
        hub = self.hubs.get(game_id)
        if hub is None:
            raise NotFound(game_id)
        return hub

    async def find(self, game_id: str) -> Hub:
        """The hub of `game_id`; a finished game that left memory, or (on a shared store) one
        another server made and this one has not heard of yet, is loaded from the store."""
        hub = self.hubs.get(game_id)
        if hub is not None:
            return hub
        if not self.shared and game_id not in self.finished and self.indexed.is_set():
            raise NotFound(game_id)
        state = await self._stored(game_id)
        hub = self.hubs.get(game_id)
        if hub is None:
            match = await self._rebuild(state)
            if match is None:
                raise NotFound(game_id)
            hub = self.hubs.get(game_id)
            if hub is None:
                hub = self._new_hub(match, StateCtx.from_state(state))
                self._install(hub)
        return hub

    async def _stored(self, game_id: str) -> State:
        """The latest stored version of game `game_id`, or `NotFound`."""
        ctx = StateCtx.new(game_id)
        try:
            await self._engine.do(get_state_by_id(ctx, game_id))
        except NotFoundError:
            raise NotFound(game_id) from None
        state = ctx.committed
        if state.labels.get("kind") != KIND:
            raise NotFound(game_id)
        return state

    async def stored_match(self, game_id: str) -> tuple[Match, Game]:
        """The match of `game_id` for reading (HTTP): its hub's if in memory, else rebuilt
        from the store without taking it back into memory."""
        hub = self.hubs.get(game_id)
        if hub is not None:
            return hub.match, hub.game
        state = await self._stored(game_id)
        match = await self._rebuild(state)
        if match is None:
            raise NotFound(game_id)
        return match, self.games[match.game]

    # -- listing -----------------------------------------------------------------------------

    def listing(self, query: Query) -> tuple[list[Hub], str | None, int]:
        """A page of the games in memory that `query` asks for (not `finished`): the hubs,
        the next cursor, the total."""
        if query.phase == "open":
            hubs: Iterable[Hub] = (h for h in self.waiting.values() if listed(h))
        elif query.phase == "playing":
            hubs = (h for h in self.hubs.values() if h.phase in ("playing", "scoring"))
        else:
            hubs = (h for h in self.hubs.values() if h.phase != "finished")
        kind = query.game
        items: list[tuple[Key, Hub]] = sorted(
            (((h.match.created_at, h.match.id), h) for h in hubs
             if kind is None or h.match.game == kind), key=lambda item: item[0])
        page, nxt = page_after(items, query.cursor, query.limit)
        return page, nxt, len(items)

    async def finished_page(self, query: Query) -> tuple[list[Any], str | None, int]:
        """A page of finished games, newest first, each a `GameSummary` with `finished_at`
        (read from the store for games no longer in memory, in one engine call; a kept
        summary is passed on as the JSON it was stored as, an `orjson.Fragment`)."""
        await self.indexed.wait()  # (right after a start: until the index is built)
        entries, nxt = self.finished.page(query.game, query.cursor, query.limit)
        stored = [StateCtx.new(game_id) for game_id, _ in entries
                  if game_id not in self.hubs]
        if stored:
            with contextlib.suppress(NotFoundError):
                await self._engine.do(*(get_state_by_id(ctx, ctx.current.id)
                                        for ctx in stored))
        states = {ctx.current.id: ctx.committed for ctx in stored if ctx.committed.rev}
        out: list[Any] = []
        for game_id, at in entries:
            hub = self.hubs.get(game_id)
            if hub is not None:
                out.append({**hub.summary(), "finished_at": at})
                continue
            state = states.get(game_id)
            kept = state.annotations.get(SUMMARY) if state is not None else None
            if kept:
                out.append(orjson.Fragment(kept))
                continue
            summary = await self.finished_summary(game_id, at)  # finished before summaries
            if summary is not None:
                out.append(summary)
        return out, nxt, self.finished.total(query.game)

    async def finished_summary(self, game_id: str, at: float) -> dict[str, Any] | None:
        """One finished game's `GameSummary` with `finished_at`, from its hub or the store
        (rebuilt from its record if it finished before summaries were kept)."""
        hub = self.hubs.get(game_id)
        if hub is not None:
            return {**hub.summary(), "finished_at": at}
        try:
            state = await self._stored(game_id)
        except NotFound:
            return None
        kept = state.annotations.get(SUMMARY)
        if kept:
            summary: dict[str, Any] = orjson.loads(kept)
            return summary
        match = await self._rebuild(state)
        if match is None:
            return None
        game = self.games[match.game]
        return {**summary_view(match, game, "finished"), "finished_at": at}

    # -- leaving memory ----------------------------------------------------------------------

    def evict_finished(self, now: float, grace: float) -> int:
        """Forget the hubs of games finished at least `grace` ago, unless a rematch offered
        after one is still waiting; their sockets stop watching them. They stay listed and
        readable from the store (and `watch` loads one back)."""
        gone = 0
        for game_id, hub in list(self.hubs.items()):
            at = hub.finished_at
            if (at is None or now - at < grace or hub.phase != "finished"
                    or hub.lock.locked() or self._rematch_of(game_id) is not None):
                continue
            del self.hubs[game_id]
            for conn in hub.watchers:
                conn.watching.discard(game_id)
                conn.present.discard(game_id)
            hub.watchers.clear()
            for _, seat in hub.match.taken():
                ids = self._by_player.get(seat.player_id)
                if ids is not None:
                    ids.discard(game_id)
                    if not ids:
                        del self._by_player[seat.player_id]
            self._rematches.pop(game_id, None)
            if hub.match.rematch_of is not None and \
                    self._rematches.get(hub.match.rematch_of) == game_id:
                del self._rematches[hub.match.rematch_of]
            for forget in self.on_evict:
                forget(game_id)
            gone += 1
        self.evicted += gone
        return gone

    async def sweep(self, clock: Clock, grace: float) -> None:
        """Evict finished games every `grace / 4` (at least 1 s) of `clock` time, forever."""
        every = max(grace / 4, 1.0)
        while True:
            await clock.sleep_until(clock.now() + every)
            if self.evict_finished(clock.now(), grace):
                for after in self.on_evicted:
                    await after()

    def games_of(self, player_id: str) -> Iterator[Hub]:
        for game_id in self._by_player.get(player_id, ()):
            hub = self.hubs.get(game_id)
            if hub is not None:
                yield hub

    def open_games(self) -> list[Hub]:
        """Waiting games anyone may join: not dormant (creator away), no seat kept for
        somebody."""
        return [hub for hub in self.hubs.values() if listed(hub)]

    def count_by_phase(self) -> dict[str, int]:
        counts = {"waiting": 0, "playing": 0, "scoring": 0, "finished": 0}
        for hub in self.hubs.values():
            counts[hub.phase] = counts.get(hub.phase, 0) + 1
        return counts

    def _check_open_games(self, player: Player) -> None:
        n = sum(1 for hub in self.games_of(player.id) if hub.phase != "finished")
        if n >= self._max_open:
            raise RateLimited(f"you already play {n} unfinished games (the limit is "
                              f"{self._max_open})")

    # -- changing ----------------------------------------------------------------------------

    async def create(self, player: Player, cmd: c.Create, conn: Connection | None, *,
                     opponent: Seat | None = None) -> Hub:
        """A new match with `player` seated; with `opponent` (or `opponent: "bot"`, which asks
        `bot_seat`) the next seat is taken at once (and the game starts if that fills it)."""
        self.check_store()
        game = self.games.get(cmd.game)
        if game is None:
            raise BadRequest(f"this server has no game {cmd.game!r} "
                             f"(it has {', '.join(sorted(self.games))})")
        if cmd.opponent == "bot" and opponent is None:
            if self.bot_seat is None:
                raise BadRequest("this server has no bot opponents")
            opponent = self.bot_seat(cmd.game)
        self._check_open_games(player)
        address = conn.peer if conn is not None else ""
        if opponent is None:
            self._check_waiting(address)
        settings = game.settings(cmd.options)
        names = tuple(game.seat_names(settings))
        seat = secrets.choice(names) if cmd.seat == "random" else cmd.seat
        held = cmd.opponent == "bot" and self._hold_bot_game(address)
        try:
            self._check_rate(address)
            async with self.turns:  # many sockets creating at once: one game per loop turn
                hub = await self.open(game, settings, Seat(player.id, player.name), seat, conn,
                                      opponents=() if opponent is None else (opponent,))
        except BaseException:
            if held:
                self._release_bot_game(address)
            raise
        if held:
            if hub.phase == "finished":  # (ended already: nothing more to count)
                self._release_bot_game(address)
            else:
                hub.bot_address = address
        return hub

    async def open(self, game: Game, settings: Mapping[str, Any], creator: Seat, seat: str,
                   conn: Connection | None, *, opponents: Sequence[Seat] = (),
                   reserved: Mapping[str, str] | None = None,
                   rematch_of: str | None = None, game_id: str | None = None) -> Hub:
        """Commit a new match: `creator` in `seat`, `opponents` in the next open seats, seats
        kept for players in `reserved`; `conn` (the creator's socket) watches it."""
        t0 = time.perf_counter()
        game_id = game_id or "g" + secrets.token_hex(5)
        now = self._now()
        period = game.tick_period(settings)
        if period is not None:  # where in its period it ticks: spread (`core.phases`)
            settings = {**settings, "tick_phase": self.tick_phases.pick(period)}
        match = new_match(game, game_id, settings, creator, seat, now)
        if reserved or rematch_of:
            match = replace(match, reserved=dict(reserved or {}), rematch_of=rematch_of)
        for opponent in opponents:
            match, _ = join(match, game, opponent, now)
        if conn is not None:
            match = present(match, seat, self.node, True)
        outcome = plan(None, match, {"kind": "created"}, game, self.limits, now, snapshot=True)
        hub = Hub(match, game, StateCtx.new(game_id), outcome.phase,
                  address=conn.peer if conn is not None else "")
        self.hubs[game_id] = hub
        try:
            await self._commit(hub, outcome)
        except PersistenceError as error:
            self.hubs.pop(game_id, None)
            self.version += 1
            raise Unavailable("the server could not save the new game to disk (its store is "
                              "failing to write); try again in a moment") from error
        except BaseException:
            self.hubs.pop(game_id, None)
            self.version += 1
            raise
        self._install(hub)
        if conn is not None:
            self._subscribe(hub, conn)
            self._mark_present(hub, conn, Player(creator.player_id, creator.name))
        self._publish(hub, outcome, t0)
        return hub

    # -- rematch -----------------------------------------------------------------------------

    async def rematch(self, player: Player, game_id: str, conn: Connection | None) -> Hub:
        """Offer the other players of finished game `game_id` the same game again with the
        seats turned by one (colours swapped in a two-player game): a new waiting match
        with `player` seated and the others' seats kept for them (a bot takes its seat at
        once). Asking again returns the offer already made."""
        self.check_store()
        old = await self.find(game_id)
        if old.phase != "finished":
            raise WrongPhase("rematch", old.phase)
        match = old.match
        mine = match.seat_of(player.id)
        if mine is None:
            raise Forbidden(f"you did not play game {game_id}")
        pending = self._rematch_of(game_id)
        if pending is not None:
            if conn is not None:
                await self.watch(conn, pending.match.id, None)
            return pending
        names = match.seat_names
        turned = {names[i]: names[(i + 1) % len(names)] for i in range(len(names))}
        others = [(turned[n], s) for n, s in match.taken() if s.player_id != player.id]
        bots = tuple(s for _, s in others if s.player_id.startswith("bot:"))
        reserved = {seat: s.player_id for seat, s in others if not s.player_id.startswith("bot:")}
        self._check_open_games(player)
        self._check_waiting(conn.peer if conn is not None else "")
        self._check_rate(conn.peer if conn is not None else "")
        return await self.open(old.game, match.settings, Seat(player.id, player.name),
                               turned[mine], conn, opponents=bots, reserved=reserved,
                               rematch_of=game_id)

    async def rematch_reply(self, player: Player, game_id: str, accept: bool,
                            conn: Connection | None) -> Hub:
        """Accept (join) or decline (cancel) a rematch offered to `player`."""
        self.check_store()
        hub = await self.find(game_id)
        match = hub.match
        if match.rematch_of is None or player.id not in match.reserved.values():
            raise Forbidden(f"game {game_id} is no rematch offered to you")
        if accept:
            return await self.join(player, game_id, conn)
        async with hub.lock:
            now = self._now()

            def decline(m: Match) -> tuple[Match, Event]:
                if m.phase(hub.game) != "waiting":
                    raise WrongPhase("rematch_reply", m.phase(hub.game))
                return bump(replace(m, ended=(CANCELLED, now),
                                    state=hub.game.stop(m.state, now))), {
                    "kind": "cancelled", "reason": "rematch declined", "result": CANCELLED,
                    "player_id": player.id}

            await self._run(hub, decline, time.perf_counter(), now)
        return hub

    def _rematch_of(self, game_id: str) -> Hub | None:
        """The waiting rematch offered after finished game `game_id`, if any."""
        new_id = self._rematches.get(game_id)
        hub = self.hubs.get(new_id) if new_id is not None else None
        return hub if hub is not None and hub.phase == "waiting" else None

    def _tell_rematch(self, hub: Hub) -> None:
        """The watchers of the game a rematch was offered after hear how it stands."""
        old_id = hub.match.rematch_of
        if old_id is None:
            return
        old = self.hubs.get(old_id)
        if old is None:
            return
        data = frames.rematch(old_id, self._offer(hub))
        for conn in old.watchers:
            conn.send(data)

    def _offer(self, hub: Hub) -> dict[str, Any]:
        match = hub.match
        by = next((s for n, s in match.taken() if n not in match.reserved), None)
        return {"game_id": match.id, "phase": hub.phase,
                "player_id": None if by is None else by.player_id,
                "name": None if by is None else by.name,
                "for": sorted(match.reserved.values())}

    async def join(self, player: Player, game_id: str, conn: Connection | None,
                   wanted: str | None = None) -> Hub:
        t0 = time.perf_counter()
        self.check_store()
        hub = await self.find(game_id)
        async with hub.lock:
            self._check_open_games(player)
            seat = Seat(player.id, player.name)
            now = self._now()
            await self._expire(hub, now)
            join(hub.match, hub.game, seat, now, wanted)  # refuse before subscribing
            if conn is not None:
                self._subscribe_snapshot(hub, conn, now)
            online = conn is not None
            node = self.node if online else None
            await self._run(hub, lambda m: _joined(m, hub.game, seat, node, now, wanted),
                            t0, now)
            if conn is not None:
                self._mark_present(hub, conn, player)
        self._by_player.setdefault(player.id, set()).add(game_id)
        return hub

    async def command(self, player: Player, cmd: Any, t0: float) -> Hub:
        """Apply one game command from `player` (move, pass, resign, undo, scoring...)."""
        self.check_store()
        hub = self.hubs.get(cmd.game_id)
        if hub is None:  # not in memory (finished and evicted, or another server's)
            hub = await self.find(cmd.game_id)
        async with hub.lock:
            now = self._now()
            due = hub.deadline
            if due is not None and now >= due[0]:
                await self._expire(hub, now)  # a flag that fell first ends the game
            player_id = player.id
            await self._run(hub, lambda m: step(m, hub.game, player_id, cmd, now), t0, now)
        return hub

    async def _run(self, hub: Hub, change: Change, t0: float, now: float) -> None:
        """Judge `change` against the match, commit and publish it (the caller holds the
        lock). A rev mismatch (another writer) reloads the match and judges the command again,
        so it is retried or refused (e.g. `stale_rev`), never lost."""
        for _ in range(3):
            nxt, event = change(hub.match)
            outcome = plan(hub.phase, nxt, event, hub.game, self.limits, now)
            try:
                await self._commit(hub, outcome)
            except RevMismatchError as error:
                await self._conflict(hub, error)
                continue
            except PersistenceError as error:
                # a commit that waited for disk and the disk failed: it is applied in memory
                # (and written once the store recovers) but not durable; take what memory
                # holds so every watcher sees it, and tell the player it is not acknowledged
                await self._reload(hub)
                raise Unavailable("the server could not save this change to disk (its store "
                                  "is failing to write); it is kept in memory and saved when "
                                  "the store recovers, but it is not acknowledged") from error
            self._publish(hub, outcome, t0)
            return
        raise Internal(f"game {hub.match.id} keeps changing under this command; try again")

    async def _commit(self, hub: Hub, outcome: Plan) -> None:
        """One rev-checked commit of `outcome` (the caller holds the lock): the game state with
        its record, any chunk the change sealed, and the timer if the deadline moved. The hub
        takes the new value only once the commit succeeded."""
        match = outcome.match
        ctx = hub.ctx
        current = ctx.current
        if ctx.committed.rev == 0 or outcome.phase != hub.phase:
            current.labels = {"kind": KIND, "game": match.game, "phase": outcome.phase}
        current.annotations = {RECORD: to_record(match, full=False), REV: str(match.rev),
                               NOTE: outcome.note}
        finished_at = None
        if outcome.phase == "finished":
            finished_at = hub.finished_at if hub.finished_at is not None else self._now()
            current.annotations[SUMMARY] = orjson.dumps(
                {**summary_view(match, hub.game, "finished"), "finished_at": finished_at}
            ).decode()
            mark_archived(ctx)  # the store may keep it out of memory (docs/hardening.md)
        cmds: list[Command] = [park(ctx)]
        sealed = len(hub.match.log) if ctx.committed.rev else 0
        for index in range(sealed, len(match.log)):
            chunk = StateCtx.new(chunk_id(match.id, index), labels={"kind": LOG_KIND},
                                 annotations={ACTIONS: match.log[index]})
            mark_archived(chunk)  # written once, read back only to rebuild the match
            cmds.append(park(chunk))
        armed = hub.armed
        due = outcome.deadline
        if due != armed:
            if hub.timer is None and due is not None:
                hub.timer = StateCtx.new(timers.timer_id(match.id))
            if hub.timer is not None:
                cmds.extend(timers.arm(hub.timer, match.id, due, outcome.at))
                if due is None and finished_at is not None:
                    mark_archived(hub.timer)
        hub.writing = match.rev
        try:
            await self._engine.do(commit(*cmds))
        except BaseException:
            if hub.timer is not None:
                hub.timer = _fresh(hub.timer)
            hub.ctx = _fresh(ctx)
            raise
        finally:
            hub.writing = 0
        if due != armed and hub.timer is not None:
            hub.armed = due
        hub.match = match
        hub.phase = outcome.phase
        hub.deadline = due
        if finished_at is not None:
            hub.finished_at = finished_at

    def _publish(self, hub: Hub, outcome: Plan, t0: float) -> None:
        """The committed change's frame to every watching socket, then the observers."""
        self._track(hub)
        data = outcome.push
        if outcome.seat_pushes is None:
            for conn in hub.watchers:
                conn.send(data)
            history = hub.history
            history.append((outcome.match.rev, data))
            if len(history) > self._history:
                history.popleft()
        else:  # hidden information: each seat its own frame; since_rev gets a snapshot
            for conn in hub.watchers:
                conn.send(outcome.push_for(hub.seat_of(conn)))
            hub.history.clear()
        for observer in self.observers:
            observer(hub, outcome, t0)
        for observer in hub.observers:
            observer(hub, outcome, t0)
        if hub.match.rematch_of is not None and outcome.lobby:
            self._tell_rematch(hub)

    # -- versions somebody else wrote --------------------------------------------------------

    def follow_kinds(self) -> list[Kind]:
        """What `gameserver.live.follow` watches for the matches: games and their timers."""
        return [Kind(KIND, self._foreign, self._adopt, self._resync),
                Kind(timers.KIND, self._foreign_timer, self._adopt_timer, self._resync)]

    def _foreign(self, state: State) -> bool:
        """The filter for game versions (runs inside every game commit): only versions this
        process does not already hold."""
        hub = self.hubs.get(state.id)
        if hub is None:
            return True
        rev = int(state.annotations.get(REV, "0"))
        return rev > hub.match.rev and rev != hub.writing

    def _foreign_timer(self, state: State) -> bool:
        hub = self.hubs.get(timers.game_of(state))
        if hub is None or hub.writing:
            return False
        return hub.timer is None or state.rev > hub.timer.committed.rev

    async def _adopt_timer(self, state: State) -> None:
        hub = self.hubs.get(timers.game_of(state))
        if hub is None:
            return
        async with hub.lock:
            if hub.timer is None or state.rev > hub.timer.committed.rev:
                hub.timer = StateCtx.from_state(state)
                hub.armed = timers.armed(state)

    async def _resync(self) -> None:
        for hub in list(self.hubs.values()):
            async with hub.lock:
                await self._reload(hub)

    async def _adopt(self, state: State) -> None:
        hub = self.hubs.get(state.id)
        if hub is None:
            match = await self._rebuild(state)
            if match is not None and state.id not in self.hubs:
                hub = self._new_hub(match, StateCtx.from_state(state))
                self._install(hub)
                self._publish(hub, plan(None, match, {"kind": "created"}, hub.game,
                                        self.limits, self._now(), snapshot=True),
                              time.perf_counter())
            return
        async with hub.lock:
            if state.rev > hub.ctx.committed.rev:
                await self._take(hub, state)

    async def _take(self, hub: Hub, state: State) -> None:
        """Make a newer committed version the hub's match and publish it (caller holds the
        lock): an `update` with the writer's event if it is the next rev, else a snapshot."""
        previous = hub.match
        rev = int(state.annotations.get(REV, "0"))
        hub.ctx = StateCtx.from_state(state)
        if rev <= previous.rev:
            return
        data = record_data(state.annotation(RECORD))
        match = catch_up(previous, data, hub.game)
        if match is None:
            rebuilt = await self._rebuild(state)
            if rebuilt is None:
                return
            match = rebuilt
        self.adopted += 1
        note = state.annotations.get(NOTE)
        if note:
            at, event = orjson.loads(note)
        else:  # a writer that did not say what happened: everyone gets the whole game
            at, event = state.committed_at, {"kind": "changed"}
        outcome = plan(hub.phase, match, event, hub.game, self.limits, at,
                       snapshot=rev != previous.rev + 1 or not note)
        hub.match, hub.phase, hub.deadline = match, outcome.phase, outcome.deadline
        if len(match.taken()) != len(previous.taken()):  # somebody joined elsewhere
            self._index(hub)
            if not hub.observers:
                for installer in self.installers:
                    installer(hub)
        self._publish(hub, outcome, time.perf_counter())

    async def _rebuild(self, state: State) -> Match | None:
        """A match from a version and its stored chunks (None, logged, if it cannot be)."""
        try:
            data = record_data(state.annotation(RECORD))
            ctxs = [StateCtx.new(chunk_id(state.id, index))
                    for index in range(data.get("base", 0) // CHUNK_ACTIONS)]
            if ctxs:
                await self._engine.do(*(get_state_by_id(ctx, ctx.current.id) for ctx in ctxs))
            return from_record(data, self.games,
                               [ctx.committed.annotation(ACTIONS) for ctx in ctxs])
        except Exception:
            log.exception("cannot rebuild game %s at rev %s", state.id, state.rev)
            return None

    async def _conflict(self, hub: Hub, error: RevMismatchError) -> None:
        """A commit met newer versions: take them (and publish them) before judging again."""
        self.conflicts += 1
        if hub.timer is not None and hub.timer.current.id in error.ids:
            await self._reload_timer(hub)
        if hub.match.id in error.ids:
            await self._reload(hub)

    async def _reload(self, hub: Hub) -> None:
        ctx = StateCtx.new(hub.match.id)
        await self._engine.do(get_state_by_id(ctx, hub.match.id))
        if ctx.committed.rev > hub.ctx.committed.rev:
            await self._take(hub, ctx.committed)

    async def _reload_timer(self, hub: Hub) -> None:
        assert hub.timer is not None
        ctx = StateCtx.new(hub.timer.current.id)
        await self._engine.do(get_state_by_id(ctx, ctx.current.id))
        hub.timer = StateCtx.from_state(ctx.committed)
        hub.armed = timers.armed(ctx.committed)

    # -- deadlines ---------------------------------------------------------------------------

    async def _expire(self, hub: Hub, now: float) -> bool:
        """Commit what a deadline passed by `now` does (caller holds the lock); False if
        nothing is due."""
        due = hub.deadline
        if due is None or to_ms(now) < to_ms(due[0]):  # as `expire` judges it, for less
            return False

        def change(match: Match) -> tuple[Match, Event]:
            out = expire(match, hub.game, self.limits, now)
            if out is None:
                raise _NothingDue
            return out

        try:
            await self._run(hub, change, time.perf_counter(), now)
        except _NothingDue:
            return False
        return True

    async def fire(self, game_id: str, state: State, armed_for: Deadline | None = None) -> None:
        """A timer delay fired (`state` is the timer version its firing committed, or the one a
        plain delay was taken from, and `armed_for` the deadline a plain delay was armed for): judge
        the match's deadlines under its lock, as of now; arm again if nothing was due yet."""
        await self.loaded.wait()
        hub = self.hubs.get(game_id)
        if hub is None:
            return
        async with hub.lock:
            timer = hub.timer
            if timer is None or timer.committed.rev > state.rev:
                return  # armed again since: the newer delay decides
            if armed_for is not None and armed_for != hub.deadline:
                await self._reload(hub)  # another writer may have moved it: look again
                if armed_for != hub.deadline:
                    return  # the deadline moved on: the newer delay decides
                timer = hub.timer
                if timer is None or timer.committed.rev > state.rev:
                    return
            if timer.committed.rev < state.rev:
                hub.timer = StateCtx.from_state(state)
            hub.armed = timers.FIRED  # spent: the next commit settles the timer state
            if await self._expire(hub, self._now()):
                return
            assert hub.timer is not None
            due = hub.deadline
            cmds = timers.arm(hub.timer, game_id, due, self._now())
            try:
                await self._engine.do(commit(*cmds))
            except RevMismatchError:
                await self._reload_timer(hub)
            else:
                hub.armed = due

    # -- watching and presence ---------------------------------------------------------------

    def _subscribe(self, hub: Hub, conn: Connection) -> None:
        hub.watchers.add(conn)
        conn.watching.add(hub.match.id)

    def _subscribe_snapshot(self, hub: Hub, conn: Connection, now: float | None = None) -> None:
        """A full `game` for a socket that starts watching, then the chat kept with it."""
        seat = hub.seat_of(conn) if hub.game.hidden else None
        conn.send(hub.snapshot(self._now() if now is None else now, seat))
        self._subscribe(hub, conn)
        lines = self.chat_lines(hub.match.id) if self.chat_lines is not None else ()
        if lines:
            conn.send(frames.chat_history(hub.match.id, lines))
        pending = self._rematch_of(hub.match.id) if hub.phase == "finished" else None
        if pending is not None:
            conn.send(frames.rematch(hub.match.id, self._offer(pending)))

    async def watch(self, conn: Connection, game_id: str, since_rev: int | None) -> None:
        """Subscribe; send the updates after `since_rev` if kept, else a full snapshot."""
        hub = await self.find(game_id)
        current = hub.match.rev
        if since_rev == current:  # up to date: later updates only
            self._subscribe(hub, conn)
            return
        if since_rev is not None and since_rev < current:
            kept = [(rev, data) for rev, data in hub.history if rev > since_rev]
            if kept and kept[0][0] == since_rev + 1 and kept[-1][0] == current:
                for _, data in kept:
                    conn.send(data)
                self._subscribe(hub, conn)
                return
        self._subscribe_snapshot(hub, conn)

    def unwatch(self, conn: Connection, game_id: str) -> None:
        hub = self.hub(game_id)
        hub.watchers.discard(conn)
        conn.watching.discard(game_id)

    async def player_online(self, conn: Connection, player: Player) -> None:
        """After hello: subscribe the socket to the player's unfinished games; mark present;
        a new name reaches the seats it holds."""
        for hub in list(self.games_of(player.id)):
            if hub.phase == "finished" or hub.match.id in conn.watching:
                continue
            async with hub.lock:
                self._subscribe_snapshot(hub, conn)
            await self._connect(hub, conn, player)
            seat = hub.match.seat(hub.match.seat_of(player.id) or "")
            if seat is not None and seat.name != player.name:
                await self._presence(hub, player, Rename(player.name))

    def _mark_present(self, hub: Hub, conn: Connection, player: Player) -> int:
        if hub.match.id in conn.present:
            return -1
        conn.present.add(hub.match.id)
        n = hub.present.get(player.id, 0) + 1
        hub.present[player.id] = n
        return n

    async def _connect(self, hub: Hub, conn: Connection, player: Player) -> None:
        if self._mark_present(hub, conn, player) == 1:
            await self._presence(hub, player, Connect(self.node))

    async def connection_closed(self, conn: Connection) -> None:
        """Forget the socket; a player's last socket leaving is a `player_disconnected`."""
        for game_id in conn.watching:
            hub = self.hubs.get(game_id)
            if hub is not None:
                hub.watchers.discard(conn)
        player = conn.player
        for game_id in conn.present:
            hub = self.hubs.get(game_id)
            if hub is None or player is None:
                continue
            n = hub.present.get(player.id, 0) - 1
            if n > 0:
                hub.present[player.id] = n
                continue
            hub.present.pop(player.id, None)
            async with self.turns:  # a client closing hundreds of sockets at once
                await self._presence(hub, player, Disconnect(self.node))
        conn.watching.clear()
        conn.present.clear()

    async def _presence(self, hub: Hub, player: Player,
                        cmd: Connect | Disconnect | Rename) -> None:
        t0 = time.perf_counter()
        async with hub.lock:
            if hub.phase == "finished" or hub.match.seat_of(player.id) is None:
                return
            now = self._now()
            player_id = player.id
            await self._run(hub, lambda m: step(m, hub.game, player_id, cmd, now), t0, now)

    async def node_lost(self, node: str) -> None:
        """Server `node` is gone (its heartbeat stopped): its players' sockets went with it,
        so each game where it held someone's presence commits that player's disconnect."""
        for hub in list(self.hubs.values()):
            for seat, nodes in list(hub.match.present.items()):
                held = hub.match.seat(seat)
                if node in nodes and held is not None and hub.phase != "finished":
                    await self._presence(hub, Player(held.player_id, held.name),
                                         Disconnect(node))

    def send_to(self, game_id: str, data: bytes) -> None:
        """A frame that is not a change of the match (a chat line) to everyone watching it."""
        hub = self.hubs.get(game_id)
        if hub is not None:
            for conn in hub.watchers:
                conn.send(data)


def listed(hub: Hub) -> bool:
    """Whether the lobby shows the game: waiting, its creator around, no seat kept."""
    match = hub.match
    return hub.phase == "waiting" and not match.dormant and not match.reserved


def _finished_at(state: State) -> float:
    """When a stored finished game ended (its summary says; else its last commit)."""
    kept = state.annotations.get(SUMMARY)
    if kept:
        at = orjson.loads(kept).get("finished_at")
        if isinstance(at, int | float):
            return float(at)
    return state.committed_at


def _fresh(ctx: StateCtx) -> StateCtx:
    """`ctx` as its committed version left it (a new one if it never was committed)."""
    if ctx.committed.rev == 0:
        return StateCtx.new(ctx.current.id)
    return StateCtx.from_state(ctx.committed)


class _NothingDue(Exception):
    """A deadline judged again after a reload was no longer due."""


def _joined(match: Match, game: Game, seat: Seat, node: str | None, now: float,
            wanted: str | None) -> tuple[Match, Event]:
    """The join itself; a player joining from a socket (on server `node`) is present from
    that rev on."""
    joined, event = join(match, game, seat, now, wanted)
    if node is not None:
        name = joined.seat_of(seat.player_id)
        assert name is not None
        joined = present(joined, name, node, True)
    return bump(joined), event

