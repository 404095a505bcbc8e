"""Crash recovery bookkeeping: which in-flight states to re-run, and when.

A state committed with a non-empty transition is "in flight" until its next commit. If none
comes within its `retry_after` (default 120 s, at most 300 s), the engine re-commits the
same transition with an attempt counter and re-executes it; past `max_attempts` (default 3) it
parks the state. `flowstate.recovery.enabled = "false"` opts a state out. A version with a
committing delay taken from it is waiting, not in flight: the delay moves it on.

This tracker follows the commits of its own engine. What other engines (or a previous run)
left in flight is handed over by the driver (`Driver.adopt_orphans`) and resumed at once.

Tracking is event-driven: one ordered map per distinct `retry_after`, keyed by state id, so
the oldest entry is always first (commit times never decrease) and re-commits move an entry
to the end in O(1). Memory is bounded by the number of in-flight states, not by commits.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from flowstate.commands import parked, recovery_enabled, retry_after
from flowstate.state import State

__all__ = ["RecoveryStats", "RecoveryTracker"]


@dataclass(frozen=True, slots=True)
class RecoveryStats:
    added: int = 0  # in-flight versions tracked
    retried: int = 0  # re-executions started
    dropped: int = 0  # states parked after max attempts
    completed: int = 0  # parked versions seen (flows that ended)
    tracked: int = 0  # in-flight states now
    resumed: int = 0  # in-flight states taken over at start or from a dead engine (in retried)


class RecoveryTracker:
    __slots__ = ("_queues", "_where", "added", "completed", "dropped", "resumed", "retried")

    def __init__(self) -> None:
        self._queues: dict[float, OrderedDict[str, tuple[float, State]]] = {}
        self._where: dict[str, float] = {}
        self.added = 0
        self.retried = 0
        self.dropped = 0
        self.completed = 0
        self.resumed = 0

    def observe(self, state: State, in_flight: bool) -> None:
        """Called for every version this engine commits; `in_flight` is False when a
        committing delay was taken from it (the state waits on the delay)."""
        if not recovery_enabled(state):
            self._forget(state.id)
            return
        if parked(state):
            self._forget(state.id)
            self.completed += 1
            return
        if not in_flight:
            self._forget(state.id)
            return
        after = retry_after(state)
        where = self._where.get(state.id)
        if where is not None and where != after:
            self._forget(state.id)
        queue = self._queues.get(after)
        if queue is None:
            queue = self._queues[after] = OrderedDict()
        queue[state.id] = (state.committed_at + after, state)
        queue.move_to_end(state.id)
        self._where[state.id] = after
        self.added += 1

    def waiting(self, id: str, rev: int) -> None:
        """A committing delay was taken from version `rev` of `id`: it waits on the delay."""
        after = self._where.get(id)
        if after is not None and self._queues[after][id][1].rev == rev:
            self._forget(id)

    def _forget(self, id: str) -> None:
        after = self._where.pop(id, None)
        if after is not None:
            queue = self._queues[after]
            del queue[id]
            if not queue:
                del self._queues[after]

    def next_at(self) -> float | None:
        best: float | None = None
        for queue in self._queues.values():
            at = next(iter(queue.values()))[0]
            if best is None or at < best:
                best = at
        return best

    def pop_due(self, now: float) -> list[State]:
        due: list[tuple[float, State]] = []
        for after in list(self._queues):
            queue = self._queues[after]
            while queue:
                id, (at, state) = next(iter(queue.items()))
                if at > now:
                    break
                del queue[id]
                del self._where[id]
                due.append((at, state))
            if not queue:
                del self._queues[after]
        due.sort(key=lambda item: (item[0], item[1].rev))
        return [state for _, state in due]

    def stats(self) -> RecoveryStats:
        return RecoveryStats(
            self.added, self.retried, self.dropped, self.completed, len(self._where), self.resumed
        )
