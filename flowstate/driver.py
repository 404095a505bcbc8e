"""`Driver`: the storage interface `Engine` runs on, and what the engine hands a driver.

Three drivers implement it and pass one conformance suite (`tests/flowstate/conformance/`):
`MemoryDriver()` (in-process), `MemoryDriver(snapshots=SqliteSnapshots(...))` (in-process with
write-behind SQLite) and `PostgresDriver(dsn)` (many processes on one database).

The division of work:

- The engine stages a commit from the caller's commands (transitions, data, delays, undo
  records) without touching storage, and hands the driver one `CommitRequest`.
- The driver checks every state's expected rev, assigns revs (one counter, contiguous, in
  commit order), `committed_at` (never decreasing) and delay sequence numbers, and stores
  everything or nothing: a mismatch raises `RevMismatchError` naming every conflicting id.
- The driver publishes committed versions to `DriverEvents.published`, in rev order, each once,
  whoever committed them (this process or, for shared stores, another one): watchers hang off
  that. It calls `delays_changed()` when pending delays may now fall due earlier than it said
  before (another process added one), and `orphaned()` when in-flight states nobody runs
  any more (their process died) can be taken over with `adopt_orphans`.

Every storage operation is `async`. The memory driver's coroutines never suspend, so awaiting
them costs a coroutine call, not a trip through the event loop.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from flowstate.commands import (
    GetDelayedStatesCommand,
    GetDelayedStatesResult,
    GetStatesCommand,
    GetStatesResult,
)
from flowstate.snapshots import DelayedEntry
from flowstate.state import State

__all__ = ["CommitRequest", "Driver", "DriverEvents"]


@dataclass(slots=True, eq=False)
class CommitRequest:
    """One atomic commit as the engine hands it to a driver.

    `states` are read-only versions the commit writes, built by the engine with a provisional
    `rev` and `committed_at`: the driver sets both (`flowstate.state.seal`) once it knows them,
    before anyone else can see the versions. `expected[i]` is the rev the stored latest
    version of `states[i].id` must have (0: it must not exist). `in_flight[i]` says whether
    that version leaves the state in flight for crash recovery (a non-empty transition,
    recovery enabled, and no committing delay taken from it in this commit).

    `datas` are `(rev, blob, annotations)` with revs from `next_data_rev`. `delays` are new
    pending delays (`seq` 0: the driver assigns it); `follows[j]` is the index in `states` of
    the version delay `j` snapshots (its rev and time are set with it), or -1.
    `consume` is the seq of a delay this engine claimed and this commit fires (0: none): the
    delay is removed with the commit, atomically. `now` is the engine's clock in whole
    milliseconds; `committed_at` becomes `max(now, the last commit's time)`.

    `finalize`, if set, is called by the driver once revs and times are sealed and before
    anything is stored: the engine uses it when a commit stacks a ctx it also writes, since
    the stacked text must carry the new revs. The driver reports back `pruned`: committing
    delays that this commit made unable to fire (taken from an older rev of a state it
    writes), which it deleted.
    """

    states: list[State]
    expected: list[int]
    in_flight: list[bool]
    datas: list[tuple[int, bytes, dict[str, str]]]
    delays: list[DelayedEntry]
    follows: list[int]
    now: float
    consume: int = 0
    finalize: Callable[[CommitRequest], None] | None = None
    pruned: int = 0


class DriverEvents(Protocol):
    """What a driver tells the engine that opened it."""

    def published(self, states: Sequence[State]) -> None:
        """Committed versions, in rev order, each once (watchers are fed from here)."""
        ...

    def delays_changed(self) -> None:
        """Pending delays changed elsewhere: `next_delay_at()` may be earlier now."""
        ...

    def orphaned(self) -> None:
        """Some in-flight work has no live engine (its process died or left): the engine
        may call `adopt_orphans` to take it over."""
        ...

    def watching(self) -> bool:
        """Whether any watcher is open (a shared driver then fetches other processes'
        commits to publish them; otherwise it only tracks the head)."""
        ...


@runtime_checkable
class Driver(Protocol):
    """The storage an `Engine` runs on. See the module docstring for who does what."""

    # -- lifecycle -----------------------------------------------------------------------------

    async def open(self, events: DriverEvents) -> None:
        """Open (creating or migrating the store if needed) and start publishing to `events`."""
        ...

    async def close(self) -> None:
        """Flush what is queued and close; in-flight work this engine held is released."""
        ...

    @property
    def durability(self) -> str:
        """"strict" if every commit must wait for `wait_durable`, else "default"."""
        ...

    @property
    def healthy(self) -> bool:
        """False while the store is failing (writes queued, or the connection lost)."""
        ...

    @property
    def head_rev(self) -> int:
        """The newest rev this process knows to be committed and published."""
        ...

    @property
    def pending_delays(self) -> int:
        """Pending delays in the store (for a shared store: as of this engine's last write)."""
        ...

    @property
    def delays_pruned(self) -> int:
        """Committing delays this engine's commits made unable to fire (and deleted)."""
        ...

    @property
    def busy(self) -> bool:
        """True while a storage operation is in flight (tests' fake clock waits for it)."""
        ...

    async def settle(self) -> None:
        """Return once no storage operation started by this engine is in flight."""
        ...

    # -- writes --------------------------------------------------------------------------------

    async def next_data_rev(self, pending: int) -> int:
        """A rev for a data version a commit is about to store; the commit already holds
        `pending` new data versions. Revs only grow; a failed commit may leave a gap."""
        ...

    async def commit(self, request: CommitRequest) -> int:
        """Store the request atomically or raise `RevMismatchError` (nothing stored), or
        `DelayClaimLostError` when the delay it fires is gone. Returns a ticket for
        `wait_durable` (0: durable already)."""
        ...

    async def wait_durable(self, ticket: int) -> None:
        """Return once the commit with that ticket survives a crash."""
        ...

    # -- reads ---------------------------------------------------------------------------------

    async def read_state(self, id: str, rev: int = 0) -> State | None:
        """The latest version of `id` (rev 0) or that exact version, if stored."""
        ...

    async def read_latest(
        self, ors: tuple[dict[str, str], ...], max_rev: int | None = None
    ) -> State | None:
        """The newest version (at most `max_rev`) matching an OR of ANDs of labels."""
        ...

    async def read_states(self, cmd: GetStatesCommand) -> GetStatesResult:
        """Answer a `get_states` query."""
        ...

    async def read_data(self, rev: int) -> tuple[bytes, Mapping[str, str]] | None:
        """The blob and annotations of data version `rev`, if stored."""
        ...

    async def read_delays(self, cmd: GetDelayedStatesCommand) -> GetDelayedStatesResult:
        """Answer a `get_delayed_states` query (pending delays, ascending by seq)."""
        ...

    # -- delays and recovery -------------------------------------------------------------------

    def next_delay_at(self) -> float | None:
        """When the next claimable delay falls due, as far as this engine knows."""
        ...

    async def claim_due_delays(
        self, now: float, limits: Mapping[str, int], flows: Collection[str]
    ) -> list[DelayedEntry]:
        """Claim delays due at `now` for this engine (each delay is claimed by one engine).

        `limits` maps a flow id to how many more executions of it this engine may start:
        delays for a flow at 0 stay pending for later (or another engine). `flows` are the
        flows this engine has registered: a shared store leaves other flows' delays to the
        engines that run them (a store owned by one process may ignore it; the firing then
        fails with `FlowNotFoundError`). The engine fires each claimed delay with a commit
        whose `consume` is its seq."""
        ...

    async def adopt_orphans(self, now: float) -> list[State]:
        """In-flight states nobody runs (their engine stopped or died), now owned by this
        engine: the latest versions with a non-empty transition, recovery enabled and no
        committing delay pending from that version."""
        ...

