"""Errors of the flowstate engine. `FlowstateError` is the root; each leaf carries its data."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "DelayClaimLostError",
    "FlowNotFoundError",
    "FlowstateError",
    "HistoryTrimmedError",
    "NotFoundError",
    "PersistenceError",
    "RevMismatchError",
    "UsageError",
    "WatcherLaggedError",
]


class FlowstateError(Exception):
    """Root of every error the engine raises on purpose."""


class UsageError(FlowstateError, ValueError):
    """The caller misused the API: an empty id, a nested commit, a wrong type...

    It is also a `ValueError`, so code that guards arguments generically still catches it.
    """


class RevMismatchError(FlowstateError):
    """A commit wrote a state whose stored rev moved on: nothing of that commit was applied."""

    def __init__(self, ids: Iterable[str]) -> None:
        self.ids: tuple[str, ...] = tuple(ids)
        super().__init__(f"rev mismatch for state(s) {', '.join(repr(i) for i in self.ids)}")


class NotFoundError(FlowstateError):
    """The requested state, version or data does not exist (or is no longer retained)."""

    def __init__(self, what: str) -> None:
        self.what = what
        super().__init__(f"not found: {what}")


class FlowNotFoundError(FlowstateError):
    """A transition names a flow id that is not registered."""

    def __init__(self, flow_id: str) -> None:
        self.flow_id = flow_id
        super().__init__(f"flow {flow_id!r} is not registered")


class HistoryTrimmedError(FlowstateError):
    """A query asked for versions older than the retained history."""

    def __init__(self, since_rev: int, oldest_rev: int) -> None:
        self.since_rev = since_rev
        self.oldest_rev = oldest_rev
        super().__init__(
            f"history after rev {since_rev} is no longer retained: "
            f"the oldest retained version is rev {oldest_rev}"
        )


class WatcherLaggedError(FlowstateError):
    """A watcher fell behind further than the retained history: it cannot resume exactly."""

    def __init__(self, last_rev: int, oldest_rev: int) -> None:
        self.last_rev = last_rev
        self.oldest_rev = oldest_rev
        super().__init__(
            f"watcher lagged: it last delivered rev {last_rev}, but history is only retained "
            f"from rev {oldest_rev}; re-read the current states and watch again"
        )


class DelayClaimLostError(FlowstateError):
    """A delay this engine claimed was fired or dropped by someone else meanwhile (its claim
    expired): the commit that would have fired it changed nothing."""

    def __init__(self, seq: int) -> None:
        self.seq = seq
        super().__init__(f"delay {seq} is no longer claimed by this engine: nothing was fired")


class PersistenceError(FlowstateError):
    """The snapshot store failed (disk full, read-only, corrupt file...)."""
