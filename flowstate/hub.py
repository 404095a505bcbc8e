"""`Hub`: one store shared by the engines of a flowstate server's clients.

`python -m flowstate serve` runs an engine on a `Hub` wrapped around the driver its `--db`
names; every `NetDriver` client is a `Session` of the same hub. The hub is the only user of
the store, so it sees every commit, and it keeps what a store owned by one process does not:

- **Delays by flow.** A client fires the delays of the flows its engine registered (its
  claims name them), on its own clock. The hub keeps the due times of pending delays by
  flow (`DueIndex`) and tells each session when its next delay falls due, as soon as a
  commit makes that earlier (a push, before the commit's answer). Claims go to the store
  (`claim_due_delays` with the session's flows) and are recorded by session: a session that
  goes away before firing what it claimed hands those delays back to the next claimer.
- **In-flight states by session.** A version committed in flight (a non-empty transition,
  recovery on, no committing delay from it) belongs to the session that committed it. When
  a session ends (its client closed, or stayed disconnected for `lease` seconds) its
  in-flight states become orphans; the other sessions are told, and the first engine to call
  `adopt_orphans` resumes them (on its clock, through committing delays due at once).

The server's own engine runs on the hub as the session `local`: its commits and claims take
the same paths; it never ends while the server runs.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import uuid
from collections.abc import Callable, Collection, Mapping, Sequence

from flowstate.commands import (
    GetDelayedStatesCommand,
    GetDelayedStatesResult,
    GetStatesCommand,
    GetStatesResult,
)
from flowstate.driver import CommitRequest, Driver, DriverEvents
from flowstate.errors import DelayClaimLostError, UsageError
from flowstate.snapshots import DelayedEntry
from flowstate.state import State

__all__ = ["DueIndex", "Hub", "Session"]

log = logging.getLogger("flowstate.hub")

LOCAL = "local"


class DueIndex:
    """Due times of pending, unclaimed delays, by flow (heaps with lazy deletion).

    Entries may outlive their delay (a commit of the state pruned it, or another process
    fired it): the index only ever says "maybe due at t", never later than the truth. A
    claim that finds nothing drops the due entries it was asked about (`prune_due`)."""

    __slots__ = ("_heaps", "_live", "_stamps")

    def __init__(self) -> None:
        self._heaps: dict[str, list[tuple[float, int]]] = {}
        self._live: dict[int, tuple[str, float, int]] = {}  # seq -> (flow, at, stamp)
        self._stamps = itertools.count(1)

    def __len__(self) -> int:
        return len(self._live)

    @property
    def stamp(self) -> int:
        """A mark: entries added from now on have a greater stamp."""
        return next(self._stamps)

    def add(self, entry: DelayedEntry) -> None:
        flow = entry.state.transition.to
        self._live[entry.seq] = (flow, entry.at, next(self._stamps))
        heapq.heappush(self._heaps.setdefault(flow, []), (entry.at, entry.seq))

    def discard(self, seq: int) -> None:
        self._live.pop(seq, None)

    def reset(self, entries: Sequence[DelayedEntry]) -> None:
        self._heaps.clear()
        self._live.clear()
        for entry in entries:
            self.add(entry)

    def next_at(self, flow: str) -> float | None:
        heap = self._heaps.get(flow)
        live = self._live
        while heap:
            at, seq = heap[0]
            known = live.get(seq)
            if known is not None and known[1] == at:
                return at
            heapq.heappop(heap)
        if heap is not None:
            del self._heaps[flow]
        return None

    def earliest(self, flows: Collection[str]) -> float | None:
        best: float | None = None
        for flow in flows:
            at = self.next_at(flow)
            if at is not None and (best is None or at < best):
                best = at
        return best

    def prune_due(self, flows: Collection[str], now: float, before: int) -> None:
        """Drop entries of `flows` due at `now` that were known before stamp `before`."""
        live = self._live
        for flow in flows:
            heap = self._heaps.get(flow)
            keep: list[tuple[float, int]] = []
            while heap and heap[0][0] <= now:
                at, seq = heapq.heappop(heap)
                known = live.get(seq)
                if known is None or known[1] != at:
                    continue
                if known[2] < before:
                    del live[seq]
                else:
                    keep.append((at, seq))
            for item in keep:
                heapq.heappush(heap, item)  # type: ignore[arg-type]


class Session:
    """One engine using the hub: a `NetDriver` client, or the server's own engine."""

    __slots__ = (
        "claims",
        "closed",
        "expiry",
        "flows",
        "full",
        "id",
        "on_delays",
        "on_orphans",
        "owned",
        "told",
    )

    def __init__(self, id: str) -> None:
        self.id = id
        self.flows: frozenset[str] = frozenset()
        self.full: frozenset[str] = frozenset()  # flows at their concurrency limit
        self.owned: dict[str, State] = {}  # in-flight versions this session committed
        self.claims: dict[int, DelayedEntry] = {}  # claimed, not yet fired
        self.told: float | None = None  # the next due time last reported
        # set while a client is connected: how to reach it
        self.on_delays: Callable[[float | None], None] | None = None
        self.on_orphans: Callable[[], None] | None = None
        self.expiry: asyncio.TimerHandle | None = None
        self.closed = False

    @property
    def runnable(self) -> frozenset[str]:
        return self.flows - self.full

    def __repr__(self) -> str:
        return f"Session({self.id!r}, flows={sorted(self.flows)})"


class _Tee:
    """The store's events, seen by the hub and passed on to the server's engine."""

    __slots__ = ("engine", "hub")

    def __init__(self, hub: Hub, engine: DriverEvents) -> None:
        self.hub = hub
        self.engine = engine

    def published(self, states: Sequence[State]) -> None:
        self.engine.published(states)

    def delays_changed(self) -> None:
        self.hub._reload_soon()  # another process added delays (shared stores only)
        self.engine.delays_changed()

    def orphaned(self) -> None:
        self.engine.orphaned()

    def watching(self) -> bool:
        return self.engine.watching()


class Hub:
    """A `Driver` for the server's engine over `driver`, plus the sessions of its clients.

    `lease`: seconds a disconnected client's session is kept for it to reconnect (its
    claims and in-flight states stay its own meanwhile); then it ends.
    """

    def __init__(self, driver: Driver, *, lease: float = 5.0) -> None:
        if not isinstance(driver, Driver):
            raise UsageError(f"driver must implement flowstate.Driver, got {type(driver).__name__}")
        if isinstance(driver, Hub):
            raise UsageError("a Hub cannot wrap another Hub")
        if not lease > 0:
            raise UsageError(f"lease must be > 0 seconds, got {lease}")
        self.driver = driver
        self.lease = float(lease)
        self.local = Session(LOCAL)
        self.sessions: dict[str, Session] = {}
        self.index = DueIndex()
        self._owner: dict[str, Session] = {}  # state id -> session owning its in-flight version
        self._ledger: dict[int, Session] = {}  # claimed delay seq -> session
        self._released: dict[int, DelayedEntry] = {}  # claims handed back by ended sessions
        self.orphans: dict[str, State] = {}  # in-flight versions of ended sessions
        self._reload: asyncio.Task[None] | None = None
        self._reload_again = False
        self._events: DriverEvents | None = None
        # called when pending delays changed (added, claimed, fired): the UI's stream
        self.delay_listeners: list[Callable[[], None]] = []
        self.sessions_ended = 0
        self.delays_added = 0
        self.delays_claimed = 0
        self.delays_fired = 0

    # -- lifecycle -------------------------------------------------------------------------

    async def open(self, events: DriverEvents) -> None:
        self._events = events
        await self.driver.open(_Tee(self, events))
        self.index.reset(await self._pending())

    async def _pending(self) -> list[DelayedEntry]:
        found: list[DelayedEntry] = []
        since = 0
        while True:
            result = await self.driver.read_delays(GetDelayedStatesCommand(None, None, since, 1000))
            found.extend(result.delays)
            if not result.more or not result.delays:
                return found
            since = result.delays[-1].seq

    def _reload_soon(self) -> None:
        if self._reload is not None and not self._reload.done():
            self._reload_again = True
            return
        self._reload = asyncio.get_running_loop().create_task(
            self._reload_index(), name="flowstate-hub-reload"
        )

    async def _reload_index(self) -> None:
        while True:
            self._reload_again = False
            entries = [e for e in await self._pending() if e.seq not in self._ledger]
            self.index.reset(entries)
            self._tell_all()
            if not self._reload_again:
                return

    async def close(self) -> None:
        for session in list(self.sessions.values()):
            self.end(session)
        if self._reload is not None:
            self._reload.cancel()
            try:
                await self._reload
            except asyncio.CancelledError:
                current = asyncio.current_task()
                if current is not None and current.cancelling():
                    raise
            self._reload = None
        await self.driver.close()
        self._events = None

    # -- sessions ----------------------------------------------------------------------------

    def open_session(self, resume: str = "") -> Session:
        """A new session, or the session `resume` if it has not ended (a client
        reconnecting); raises `UsageError` for an unknown one."""
        if resume:
            session = self.sessions.get(resume)
            if session is None:
                raise UsageError(f"session {resume!r} has ended (or never existed)")
            if session.expiry is not None:
                session.expiry.cancel()
                session.expiry = None
            return session
        session = Session(uuid.uuid4().hex)
        self.sessions[session.id] = session
        return session

    def detach(self, session: Session) -> None:
        """Its client disconnected: the session ends unless it is resumed within `lease`."""
        session.on_delays = session.on_orphans = None
        if session.closed or session.expiry is not None:
            return
        session.expiry = asyncio.get_running_loop().call_later(self.lease, self.end, session)

    def end(self, session: Session) -> None:
        """The session is over: its claims go back to the next claimer, its in-flight
        states become orphans for another engine to adopt."""
        if session.closed:
            return
        session.closed = True
        if session.expiry is not None:
            session.expiry.cancel()
            session.expiry = None
        self.sessions.pop(session.id, None)
        self.sessions_ended += 1
        for seq, entry in session.claims.items():
            if self._ledger.get(seq) is session:
                del self._ledger[seq]
                self._released[seq] = entry
                self.index.add(entry)
        session.claims.clear()
        for id, state in session.owned.items():
            if self._owner.get(id) is session:
                del self._owner[id]
                self.orphans[id] = state
        had = bool(session.owned)
        session.owned.clear()
        if had:
            log.info("session %s ended with in-flight states: orphans to adopt", session.id)
            for other in self.sessions.values():
                if other.on_orphans is not None:
                    other.on_orphans()
        if self._released:
            self._tell_all()

    # -- commits -----------------------------------------------------------------------------

    async def commit_for(self, session: Session, request: CommitRequest) -> int:
        seq = request.consume
        if seq and self._ledger.get(seq) is not session:
            raise DelayClaimLostError(seq)
        ticket = await self.driver.commit(request)
        owner = self._owner
        for state, flight in zip(request.states, request.in_flight, strict=True):
            previous = owner.pop(state.id, None)
            if previous is not None:
                previous.owned.pop(state.id, None)
            if self.orphans:
                self.orphans.pop(state.id, None)
            if flight:
                owner[state.id] = session
                session.owned[state.id] = state
        if seq:
            del self._ledger[seq]
            session.claims.pop(seq, None)
            self._released.pop(seq, None)
            self.index.discard(seq)
            self.delays_fired += 1
        if request.delays:
            self.delays_added += len(request.delays)
            for entry in request.delays:
                self.index.add(entry)
                if entry.commit:
                    # a committing delay taken from a stored version: it waits on the delay
                    holder = owner.get(entry.state.id)
                    if holder is not None and holder.owned[entry.state.id].rev == entry.state.rev:
                        del owner[entry.state.id]
                        del holder.owned[entry.state.id]
            self._tell({entry.state.transition.to for entry in request.delays})
        if seq or request.delays:
            self._delays_changed()
        return ticket

    def _delays_changed(self) -> None:
        for listener in self.delay_listeners:
            listener()

    def stats(self) -> dict[str, int]:
        """The clients' side of the server: sessions, their in-flight states and delays."""
        return {
            "sessions": len(self.sessions),
            "sessions_ended": self.sessions_ended,
            "in_flight": len(self._owner),
            "orphans": len(self.orphans),
            "claimed": len(self._ledger),
            "delays_added": self.delays_added,
            "delays_claimed": self.delays_claimed,
            "delays_fired": self.delays_fired,
        }

    def _tell(self, flows: Collection[str]) -> None:
        """Sessions running one of `flows` whose next due time may be earlier now."""
        for session in (self.local, *self.sessions.values()):
            if not session.flows.isdisjoint(flows):
                self._tell_one(session)

    def _tell_all(self) -> None:
        for session in (self.local, *self.sessions.values()):
            self._tell_one(session)

    def _tell_one(self, session: Session) -> None:
        at = self.next_at(session)
        if at is not None and (session.told is None or at < session.told):
            session.told = at
            if session is self.local:
                if self._events is not None:
                    self._events.delays_changed()
            elif session.on_delays is not None:
                session.on_delays(at)

    # -- delays ------------------------------------------------------------------------------

    def next_at(self, session: Session) -> float | None:
        at = self.index.earliest(session.runnable)
        if self._released:
            runnable = session.runnable
            for entry in self._released.values():
                if entry.state.transition.to in runnable and (at is None or entry.at < at):
                    at = entry.at
        return at

    async def claim_for(
        self, session: Session, now: float, limits: Mapping[str, int], flows: Collection[str]
    ) -> list[DelayedEntry]:
        """Claim the delays due at `now` of `flows` for `session` (see the module
        docstring); afterwards `session.told` is its next due time."""
        session.flows = frozenset(flows)
        session.full = frozenset(flow for flow, free in limits.items() if free <= 0)
        before = self.index.stamp
        free = dict(limits)
        taken: list[DelayedEntry] = []
        if self._released:
            for seq, entry in sorted(self._released.items(), key=lambda kv: kv[1].at):
                flow = entry.state.transition.to
                if entry.at > now or flow not in session.flows or free.get(flow, 1) <= 0:
                    continue
                if flow in free:
                    free[flow] -= 1
                del self._released[seq]
                taken.append(entry)
        claimed = await self.driver.claim_due_delays(now, free, session.flows)
        for entry in (*taken, *claimed):
            previous = self._ledger.get(entry.seq)
            if previous is not None and previous is not session:
                previous.claims.pop(entry.seq, None)  # its claim on the store expired
            self._ledger[entry.seq] = session
            session.claims[entry.seq] = entry
            self.index.discard(entry.seq)
        if not taken and not claimed:
            self.index.prune_due(session.runnable, now, before)
        else:
            self.delays_claimed += len(taken) + len(claimed)
            self._delays_changed()
        session.told = self.next_at(session)
        if taken:
            claimed = sorted((*taken, *claimed), key=lambda e: (e.at, e.seq))
        return claimed

    def adopt_for(self, session: Session) -> list[State]:
        """The orphans, now this session's to resume (its engine commits their resumption)."""
        states = sorted(self.orphans.values(), key=lambda s: s.rev)
        self.orphans.clear()
        return states

    # -- the Driver of the server's own engine -----------------------------------------------

    @property
    def durability(self) -> str:
        return self.driver.durability

    @property
    def healthy(self) -> bool:
        return self.driver.healthy

    @property
    def head_rev(self) -> int:
        return self.driver.head_rev

    @property
    def pending_delays(self) -> int:
        return self.driver.pending_delays

    @property
    def delays_pruned(self) -> int:
        return self.driver.delays_pruned

    @property
    def busy(self) -> bool:
        return self.driver.busy

    async def settle(self) -> None:
        await self.driver.settle()

    async def next_data_rev(self, pending: int) -> int:
        return await self.driver.next_data_rev(pending)

    async def commit(self, request: CommitRequest) -> int:
        return await self.commit_for(self.local, request)

    async def wait_durable(self, ticket: int) -> None:
        await self.driver.wait_durable(ticket)

    async def read_state(self, id: str, rev: int = 0) -> State | None:
        return await self.driver.read_state(id, rev)

    async def read_latest(
        self, ors: tuple[dict[str, str], ...], max_rev: int | None = None
    ) -> State | None:
        return await self.driver.read_latest(ors, max_rev)

    async def read_states(self, cmd: GetStatesCommand) -> GetStatesResult:
        return await self.driver.read_states(cmd)

    async def read_data(self, rev: int) -> tuple[bytes, Mapping[str, str]] | None:
        return await self.driver.read_data(rev)

    async def read_delays(self, cmd: GetDelayedStatesCommand) -> GetDelayedStatesResult:
        return await self.driver.read_delays(cmd)

    def next_delay_at(self) -> float | None:
        return self.next_at(self.local)

    async def claim_due_delays(
        self, now: float, limits: Mapping[str, int], flows: Collection[str]
    ) -> list[DelayedEntry]:
        return await self.claim_for(self.local, now, limits, flows)

    async def adopt_orphans(self, now: float) -> list[State]:
        """What the store itself reports in flight and unowned: at start, everything a
        previous server left in flight (on a shared store, also the work of dead engines)."""
        return await self.driver.adopt_orphans(now)
