"""What the memory driver hands to a persistence backend, and what it loads back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from flowstate.state import State

__all__ = ["ColdStore", "CommitBatch", "DelayedEntry", "Loaded", "Snapshots"]


@dataclass(slots=True)
class DelayedEntry:
    """A pending delay: run `state.transition.to` on `state` at `at` (unix seconds)."""

    seq: int
    at: float
    state: State  # frozen snapshot; its transition is the one the firing commits
    commit: bool = True


@dataclass(slots=True)
class CommitBatch:
    """Everything one atomic commit (or one delay pop) changed, in rev order."""

    states: list[State] = field(default_factory=list)
    datas: list[tuple[int, bytes, dict[str, str]]] = field(default_factory=list)
    delays_added: list[DelayedEntry] = field(default_factory=list)
    delays_removed: list[int] = field(default_factory=list)


@dataclass(slots=True)
class Loaded:
    """What a backend restores at start: every retained version (ascending rev), the latest
    version of every state, data, pending delays and the counters."""

    history: list[State] = field(default_factory=list)
    latest: list[State] = field(default_factory=list)
    datas: list[tuple[int, bytes, dict[str, str]]] = field(default_factory=list)
    delays: list[DelayedEntry] = field(default_factory=list)
    head_rev: int = 0
    data_rev: int = 0
    delay_seq: int = 0
    #: archived states older than the retained history, left on disk: (id, rev) of each
    cold: list[tuple[str, int]] = field(default_factory=list)


class Snapshots(Protocol):
    """A write-behind persistence backend for `MemoryDriver`."""

    async def open(self) -> Loaded:
        """Open (creating if needed) and load everything back."""
        ...

    def record(self, batch: CommitBatch) -> int:
        """Queue a committed batch for writing; returns its ticket (monotonic)."""
        ...

    async def wait_durable(self, ticket: int) -> None:
        """Return once the batch with that ticket is on disk (raises PersistenceError if not)."""
        ...

    def trimmed(self, oldest_rev: int) -> None:
        """History before `oldest_rev` (except latest versions) may be deleted."""
        ...

    def data_dropped(self, rev: int) -> None:
        """Data version `rev` is referenced by no retained state version: it may be deleted."""
        ...

    async def close(self) -> None:
        """Flush everything queued and close."""
        ...

    @property
    def healthy(self) -> bool: ...


class ColdStore(Protocol):
    """What a backend offers to keep archived states out of memory (optional: the memory
    driver keeps everything in memory with a backend that lacks it)."""

    @property
    def durable_ticket(self) -> int:
        """Every batch with a ticket up to this one is on disk."""
        ...

    async def read_cold(self, revs: Sequence[int]) -> list[State]:
        """The versions stored at `revs`, read from disk, ascending by rev (a rev that is
        not there is left out)."""
        ...

    async def read_cold_labels(
        self, after_rev: int, before_rev: int, limit: int = 2000,
        labels: tuple[dict[str, str], ...] = (),
    ) -> list[tuple[int, str, dict[str, str]]]:
        """`(rev, id, labels)` of the first `limit` archived versions stored with after_rev
        < rev < before_rev, ascending by rev, that may match `labels` (an OR of ANDs; a
        backend may filter less, the caller checks again; superseded ones included: the
        caller filters)."""
        ...
