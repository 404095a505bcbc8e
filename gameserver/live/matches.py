"""The live matches: each one a flowstate state, its `Match` value kept in memory.

Every accepted command is one rev-checked commit (`commit(park(ctx))`) holding the match record
(settings, seats, actions, pending undo) in the `gameserver.core.match` annotation, so a restart
rebuilds the match by replaying it. Commands for one match run strictly in order under that
match's lock; a commit that still meets a rev mismatch (another writer) reloads and retries.

The update push for a commit is encoded once, before the commit, into `hub.pending[rev]`;
`Broadcaster` (one `engine.watch` over all games) sends those same bytes to every watcher.

Deadlines (`match.deadline`: the flag, lobby, abandonment and scoring limits) are durable
flowstate delays on a small companion state per game (`gameserver.live.timers`), committed in the
same atomic commit as the match version they belong to, so the next commit that changes the
deadline cancels the old delay (rev-checked firing). A firing runs `Matches.fire`, which takes
the match lock like any command and commits what `match.expire` says through the same path.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import orjson

from flowstate import (
    Command,
    Engine,
    RevMismatchError,
    State,
    StateCtx,
    commit,
    get_state_by_id,
    get_states,
    park,
)
from gameserver.core.match import (
    Connect,
    Disconnect,
    Limits,
    Match,
    Seat,
    bump,
    deadline,
    expire,
    from_record,
    game_view,
    join,
    new_match,
    snapshot_view,
    step,
    summary_view,
    to_record,
)
from gameserver.core.rules import Color, Rules
from gameserver.live import timers
from gameserver.live.connection import Connection
from gameserver.live.identity import Player
from gameserver.live.metrics import Metrics
from gameserver.wire import requests as c
from gameserver.wire.errors import BadRequest, Internal, NotFound, RateLimited

log = logging.getLogger("gameserver.live.matches")

RECORD = "gameserver.core.match"
REV = "gameserver.rev"
MOVE_EVENTS = frozenset({"move", "pass"})


@dataclass(slots=True)
class Hub:
    """One match in memory: its value, its committed ctx, and who watches it."""

    match: Match
    rules: Rules
    ctx: StateCtx
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    #: encoded pushes committed (or being committed) but not yet broadcast: rev -> (text, t0)
    pending: dict[int, tuple[str, float]] = field(default_factory=dict)
    #: the last broadcast updates, for `watch since_rev`
    history: deque[tuple[int, str]] = field(default_factory=deque)
    #: socket -> last rev sent to it
    watchers: dict[Connection, int] = field(default_factory=dict)
    #: seated player id -> sockets of theirs that count as present
    present: dict[str, int] = field(default_factory=dict)
    in_lobby: bool = False
    #: the game's timer state (None until its first deadline) and the deadline it holds
    timer: StateCtx | None = None
    armed: tuple[float, str] | None = None

    @property
    def phase(self) -> str:
        return self.match.phase(self.rules)

    def snapshot_text(self, now: float | None = None) -> str:
        return orjson.dumps({"type": "game",
                             "game": snapshot_view(self.match, self.rules, now)}).decode()

    def summary(self) -> dict[str, Any]:
        return summary_view(self.match, self.rules)


class Matches:
    """Creates, loads and changes matches; owns the per-match hubs."""

    def __init__(self, engine: Engine, games: Mapping[str, Rules], metrics: Metrics,
                 *, now: Any, history: int, max_open_games: int,
                 limits: Limits | None = None) -> None:
        self._engine = engine
        self.games = dict(games)
        self._metrics = metrics
        self._now = now
        self._history = history
        self._max_open = max_open_games
        self.limits = limits or Limits()
        self.loaded = asyncio.Event()  # timer flows wait for it after a restart
        self.hubs: dict[str, Hub] = {}
        self._by_player: dict[str, set[str]] = {}
        #: the seat a bot takes for `create {opponent: "bot"}` in that game (set by the bot
        #: service, `gameserver.bots.seats`); None: this server has no bots
        self.bot_seat: Callable[[str], Seat] | None = None

    # -- loading -----------------------------------------------------------------------------

    async def load(self) -> None:
        """Rebuild every match from its latest committed record, then its timer."""
        await self._load_games()
        since = 0
        while True:
            cmd = get_states({"kind": timers.KIND}, since_rev=since, latest_only=True, limit=500)
            await self._engine.do(cmd)
            assert cmd.result is not None
            for state in cmd.result.states:
                since = state.rev
                hub = self.hubs.get(timers.game_of(state))
                if hub is not None:
                    hub.timer = StateCtx.from_state(state)
                    hub.armed = timers.armed(state)
            if not cmd.result.more:
                break
        self.loaded.set()
        for hub in list(self.hubs.values()):
            timer = hub.timer
            if timer is not None and timer.committed.transition.to:
                # the server stopped between a firing and its outcome: judge it now
                await self.fire(hub.match.id, timer.committed)

    async def _load_games(self) -> None:
        since = 0
        while True:
            cmd = get_states({"kind": "game"}, since_rev=since, latest_only=True, limit=500)
            await self._engine.do(cmd)
            assert cmd.result is not None
            for state in cmd.result.states:
                since = state.rev
                try:
                    match = from_record(state.annotation(RECORD), self.games)
                except Exception:  # a record this server cannot replay must not stop the rest
                    log.exception("cannot rebuild game %s; it stays unavailable", state.id)
                    continue
                self._install(Hub(match, self.games[match.game], StateCtx.from_state(state)))
            if not cmd.result.more:
                return

    def _install(self, hub: Hub) -> None:
        self.hubs[hub.match.id] = hub
        hub.in_lobby = hub.phase == "waiting"
        for color in ("black", "white"):
            seat = hub.match.seat(color)
            if seat is not None:
                self._by_player.setdefault(seat.player_id, set()).add(hub.match.id)

    # -- reading -----------------------------------------------------------------------------

    def hub(self, game_id: str) -> Hub:
        hub = self.hubs.get(game_id)
        if hub is None:
            raise NotFound(game_id)
        return hub

    def games_of(self, player_id: str) -> Iterator[Hub]:
        for game_id in self._by_player.get(player_id, ()):
            yield self.hubs[game_id]

    def open_games(self) -> list[Hub]:
        return [hub for hub in self.hubs.values() if hub.phase == "waiting"]

    def count_by_phase(self) -> dict[str, int]:
        counts = {"waiting": 0, "playing": 0, "scoring": 0, "finished": 0}
        for hub in self.hubs.values():
            phase = hub.phase
            counts[phase] = counts.get(phase, 0) + 1
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
        `bot_seat`) the other seat is taken at once and the game starts."""
        rules = self.games.get(cmd.game)
        if rules is None:
            raise BadRequest(f"this server has no game {cmd.game!r} "
                             f"(it has {', '.join(sorted(self.games))})")
        if cmd.opponent == "bot" and opponent is None:
            if self.bot_seat is None:
                raise BadRequest("this server has no bot opponents")
            opponent = self.bot_seat(cmd.game)
        self._check_open_games(player)
        options = rules.parse_options(cmd.options)
        color: Color = (secrets.choice(("black", "white")) if cmd.color == "random"
                        else cmd.color)
        game_id = "g" + secrets.token_hex(5)
        now = self._now()
        match = new_match(rules, game_id, options, cmd.time_control,
                          Seat(player.id, player.name), color, now)
        if opponent is not None:
            match, _ = join(match, rules, opponent)
        if conn is not None:
            match = replace(match, connected=frozenset({color}))
        ctx = StateCtx.new(game_id)
        hub = Hub(match, rules, ctx)
        text = hub.snapshot_text(now)
        self._write(hub, match)
        hub.pending[match.rev] = (text, time.perf_counter())
        if conn is not None:
            hub.watchers[conn] = 0
            conn.watching.add(game_id)
        self.hubs[game_id] = hub
        try:
            await self._commit(hub, self._timer_commands(hub, match))
        except BaseException:
            self.hubs.pop(game_id, None)
            if conn is not None:
                conn.watching.discard(game_id)
            raise
        self._install(hub)
        if conn is not None:
            self._mark_present(hub, conn, player)
        return hub

    async def join(self, player: Player, game_id: str, conn: Connection | None) -> Hub:
        hub = self.hub(game_id)
        async with hub.lock:
            self._check_open_games(player)
            seat = Seat(player.id, player.name)
            now = self._now()
            await self._expire(hub, now)
            join(hub.match, hub.rules, seat, now)  # refuse before subscribing
            if conn is not None:
                self._subscribe_snapshot(hub, conn, now)
            online = conn is not None
            await self._run(hub, lambda m: _joined(m, hub.rules, seat, online, now),
                            time.perf_counter(), now)
            if conn is not None:
                self._mark_present(hub, conn, player)
        self._by_player.setdefault(player.id, set()).add(game_id)
        return hub

    async def command(self, player: Player, cmd: Any, t0: float) -> Hub:
        """Apply one game command from `player` (move, pass, resign, undo, scoring...)."""
        hub = self.hub(cmd.game_id)
        async with hub.lock:
            now = self._now()
            await self._expire(hub, now)  # a flag that fell before this command ends the game
            event = await self._run(hub, lambda m: step(m, hub.rules, player.id, cmd, now), t0,
                                    now)
        if event["kind"] in MOVE_EVENTS:
            self._metrics.moves += 1
        return hub

    async def _run(self, hub: Hub, change: Change, t0: float, now: float) -> dict[str, Any]:
        """Apply `change` to the match and commit (caller holds the lock). A rev mismatch
        (another writer) reloads the match and judges the command again, so it is retried or
        refused (e.g. `stale_rev`), never lost."""
        for _ in range(3):
            nxt, event = change(hub.match)
            try:
                await self._apply(hub, nxt, event, t0, now)
            except RevMismatchError:
                continue
            return event
        raise Internal(f"game {hub.match.id} keeps changing under this command; try again")

    async def _apply(self, hub: Hub, nxt: Match, event: dict[str, Any], t0: float,
                     now: float) -> None:
        """Commit `nxt` with its deadline (caller holds the lock); on a rev mismatch reload and
        re-raise."""
        text = orjson.dumps({"type": "update", "game_id": nxt.id, "rev": nxt.rev, "event": event,
                             "game": game_view(nxt, hub.rules, now)}).decode()
        previous = hub.match
        self._write(hub, nxt)
        hub.pending[nxt.rev] = (text, t0)
        try:
            await self._commit(hub, self._timer_commands(hub, nxt))
        except RevMismatchError as error:
            hub.pending.pop(nxt.rev, None)
            hub.match = previous
            self._metrics.commit_conflicts += 1
            if hub.timer is not None and hub.timer.current.id in error.ids:
                await self._reload_timer(hub)
            if nxt.id in error.ids:
                await self._reload(hub)
            else:
                hub.ctx = StateCtx.from_state(hub.ctx.committed)
            raise
        except BaseException:
            hub.pending.pop(nxt.rev, None)
            hub.match = previous
            hub.ctx = StateCtx.from_state(hub.ctx.committed)
            if hub.timer is not None:
                hub.timer = StateCtx.from_state(hub.timer.committed)
            raise

    def _write(self, hub: Hub, match: Match) -> None:
        hub.match = match
        current = hub.ctx.current
        current.labels = {"kind": "game", "game": match.game, "phase": hub.phase}
        current.annotations = {RECORD: to_record(match), REV: str(match.rev)}

    def _timer_commands(self, hub: Hub, match: Match) -> list[Command]:
        """The timer part of the commit writing `match`: a delay at its new deadline (which
        cancels the pending one) or, with no deadline left, a park that cancels it; nothing if
        the deadline did not change. Sets `hub.armed` (the caller restores it on failure)."""
        due = deadline(match, hub.rules, self.limits)
        if due == hub.armed:
            return []
        if hub.timer is None:
            if due is None:
                return []
            hub.timer = StateCtx.new(timers.timer_id(match.id))
        hub.armed = due
        return timers.arm(hub.timer, match.id, due)

    async def _commit(self, hub: Hub, extra: list[Command] | None = None) -> None:
        t = time.perf_counter()
        try:
            await self._engine.do(commit(park(hub.ctx), *(extra or ())))
        except BaseException:
            if extra:  # the timer is as it was: what its committed version holds
                hub.armed = timers.armed(hub.timer.committed if hub.timer else None)
            raise
        self._metrics.commit_latency.observe(time.perf_counter() - t)
        self._metrics.commits += 1

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
        if expire(hub.match, hub.rules, self.limits, now) is None:
            return False

        def change(match: Match) -> tuple[Match, dict[str, Any]]:
            out = expire(match, hub.rules, self.limits, now)
            if out is None:
                raise _NothingDue
            return out

        try:
            await self._run(hub, change, time.perf_counter(), now)
        except _NothingDue:
            return False
        return True

    async def fire(self, game_id: str, state: State) -> None:
        """A timer delay fired (`state` is the timer version its firing committed): judge the
        match's deadlines under its lock, as of now; arm again if nothing was due yet."""
        await self.loaded.wait()
        hub = self.hubs.get(game_id)
        if hub is None:
            return
        async with hub.lock:
            timer = hub.timer
            if timer is None or timer.committed.rev > state.rev:
                return  # armed again since: the newer delay decides
            if timer.committed.rev < state.rev:
                hub.timer = StateCtx.from_state(state)
            hub.armed = timers.FIRED  # spent: the next commit settles the timer state
            if await self._expire(hub, self._now()):
                return
            assert hub.timer is not None
            cmds = self._timer_commands(hub, hub.match) or [park(hub.timer)]
            try:
                await self._engine.do(commit(*cmds))
            except RevMismatchError:
                await self._reload_timer(hub)

    async def _reload(self, hub: Hub) -> None:
        ctx = StateCtx.new(hub.match.id)
        await self._engine.do(get_state_by_id(ctx, hub.match.id))
        self.adopt(hub, ctx.committed)

    def adopt(self, hub: Hub, state: State) -> None:
        """Take a version committed by another writer as the hub's match."""
        hub.ctx = StateCtx.from_state(state)
        connected = hub.match.connected
        hub.match = replace(from_record(state.annotation(RECORD), self.games),
                            connected=connected)

    # -- watching and presence ---------------------------------------------------------------

    def _subscribe_snapshot(self, hub: Hub, conn: Connection, now: float | None = None) -> None:
        conn.send(hub.snapshot_text(self._now() if now is None else now))
        hub.watchers[conn] = hub.match.rev
        conn.watching.add(hub.match.id)

    def watch(self, conn: Connection, game_id: str, since_rev: int | None) -> None:
        """Subscribe; send the updates after `since_rev` if kept, else a full snapshot."""
        hub = self.hub(game_id)
        current = hub.match.rev
        if since_rev == current:  # up to date: later updates only
            hub.watchers[conn] = current
            conn.watching.add(game_id)
            return
        if since_rev is not None and since_rev < current:
            kept = [(rev, text) for rev, text in hub.history if rev > since_rev]
            delivered = kept[-1][0] if kept else (hub.history[-1][0] if hub.history else None)
            first = kept[0][0] if kept else None
            if (first == since_rev + 1) or (not kept and delivered is not None
                                            and delivered <= since_rev):
                for _, text in kept:
                    conn.send(text)
                hub.watchers[conn] = kept[-1][0] if kept else since_rev
                conn.watching.add(game_id)
                return
        self._subscribe_snapshot(hub, conn)

    def unwatch(self, conn: Connection, game_id: str) -> None:
        hub = self.hub(game_id)
        hub.watchers.pop(conn, None)
        conn.watching.discard(game_id)

    async def player_online(self, conn: Connection, player: Player) -> None:
        """After hello: subscribe the socket to the player's unfinished games; mark present."""
        for hub in list(self.games_of(player.id)):
            if hub.phase == "finished" or hub.match.id in conn.watching:
                continue
            async with hub.lock:
                self._subscribe_snapshot(hub, conn)
            await self._connect(hub, conn, player)

    def _mark_present(self, hub: Hub, conn: Connection, player: Player) -> int:
        if hub.match.id in conn.present:
            return -1
        conn.present.add(hub.match.id)
        n = hub.present.get(player.id, 0) + 1
        hub.present[player.id] = n
        return n

    async def _connect(self, hub: Hub, conn: Connection, player: Player) -> None:
        if self._mark_present(hub, conn, player) == 1:
            await self._presence(hub, player, Connect())

    async def connection_closed(self, conn: Connection) -> None:
        """Forget the socket; a player's last socket leaving is a `player_disconnected`."""
        for game_id in conn.watching:
            hub = self.hubs.get(game_id)
            if hub is not None:
                hub.watchers.pop(conn, None)
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
            await self._presence(hub, player, Disconnect())
        conn.watching.clear()
        conn.present.clear()

    async def _presence(self, hub: Hub, player: Player, cmd: Connect | Disconnect) -> None:
        async with hub.lock:
            if hub.phase == "finished" or hub.match.color_of(player.id) is None:
                return
            now = self._now()
            await self._run(hub, lambda m: step(m, hub.rules, player.id, cmd, now),
                            time.perf_counter(), now)

    # -- broadcasting (called by the Broadcaster for each committed game state) --------------

    def delivered(self, hub: Hub, rev: int) -> tuple[str, float] | None:
        """The encoded push for a committed rev, moved to the history."""
        item = hub.pending.pop(rev, None)
        if item is None:
            return None
        hub.history.append((rev, item[0]))
        while len(hub.history) > self._history:
            hub.history.popleft()
        return item


Change = Callable[[Match], tuple[Match, dict[str, Any]]]


class _NothingDue(Exception):
    """A deadline judged again after a reload was no longer due."""


def _joined(match: Match, rules: Rules, seat: Seat, online: bool,
            now: float) -> tuple[Match, dict[str, Any]]:
    """The join itself; a player joining from a socket is connected from that rev on."""
    joined, event = join(match, rules, seat, now)
    if online:
        color = joined.color_of(seat.player_id)
        assert color is not None
        joined = replace(joined, connected=joined.connected | {color})
    return bump(joined), event
