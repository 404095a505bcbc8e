"""What the memory driver hands to a persistence backend, and what it loads back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from flowstate.state import State

__all__ = ["CommitBatch", "DelayedEntry", "Loaded", "Snapshots"]


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
