"""Commands: plain constructors returning command objects that `Engine.do` runs.

Constructors validate their arguments at once, so misuse fails where it is written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from flowstate.errors import UsageError
from flowstate.snapshots import DelayedEntry
from flowstate.state import State, StateCtx, _check_str_map

__all__ = [
    "ARCHIVE_ANNOTATION",
    "DEAD_LETTER",
    "DELAY_COMMIT_ANNOTATION",
    "DELAY_UNTIL_ANNOTATION",
    "MAX_RETRY_AFTER",
    "MIN_RETRY_AFTER",
    "RECOVERY_ATTEMPT_ANNOTATION",
    "RECOVERY_ENABLED_ANNOTATION",
    "RECOVERY_MAX_ATTEMPTS_ANNOTATION",
    "RECOVERY_RETRY_AFTER_ANNOTATION",
    "RETRY_ATTEMPT_ANNOTATION",
    "RETRY_ERROR_ANNOTATION",
    "Command",
    "CommitCommand",
    "DelayCommand",
    "ExecuteCommand",
    "GetDataCommand",
    "GetDelayedStatesCommand",
    "GetDelayedStatesResult",
    "GetStateByIDCommand",
    "GetStateByLabelsCommand",
    "GetStatesCommand",
    "GetStatesResult",
    "NoopCommand",
    "ParkCommand",
    "StackCommand",
    "StoreDataCommand",
    "TransitCommand",
    "UnstackCommand",
    "archived",
    "commit",
    "delay",
    "delay_until",
    "delayed",
    "disable_recovery",
    "execute",
    "get_data",
    "get_delayed_states",
    "get_state_by_id",
    "get_state_by_labels",
    "get_states",
    "mark_archived",
    "noop",
    "park",
    "parked",
    "set_max_recovery_attempts",
    "set_retry_after",
    "stack",
    "transit",
    "unstack",
]

DELAY_UNTIL_ANNOTATION = "flowstate.delay.until"
DELAY_COMMIT_ANNOTATION = "flowstate.delay.commit"
RECOVERY_ENABLED_ANNOTATION = "flowstate.recovery.enabled"
#: "true" on a version whose state is done with: a driver may keep it out of memory
ARCHIVE_ANNOTATION = "flowstate.archive"
RECOVERY_ATTEMPT_ANNOTATION = "flowstate.recovery.attempt"
RECOVERY_MAX_ATTEMPTS_ANNOTATION = "flowstate.recovery.max_attempts"
RECOVERY_RETRY_AFTER_ANNOTATION = "flowstate.recovery.retry_after"
RETRY_ATTEMPT_ANNOTATION = "flowstate.retry.attempt"
RETRY_ERROR_ANNOTATION = "flowstate.retry.error"
DEAD_LETTER = "flowstate.dead_letter"  # annotation and label of a retry policy's dead letter
DEFAULT_MAX_ATTEMPTS = 3
DEFAULT_RETRY_AFTER = 120.0
MIN_RETRY_AFTER = 0.001
MAX_RETRY_AFTER = 300.0


class Command:
    """Base of every command object."""

    __slots__ = ()


def _ctx(name: str, value: object) -> StateCtx:
    if not isinstance(value, StateCtx):
        raise UsageError(f"{name} must be a StateCtx, got {type(value).__name__}")
    return value


def _flow_id(value: object) -> str:
    if not isinstance(value, str):
        raise UsageError(f"flow id must be a string, got {type(value).__name__}")
    if not value:
        raise UsageError("flow id is empty")
    return value


def _annotations(value: Mapping[str, str] | None) -> dict[str, str] | None:
    _check_str_map("annotations", value)
    return dict(value) if value else None


@dataclass(slots=True, eq=False)
class TransitCommand(Command):
    ctx: StateCtx
    to: str
    annotations: dict[str, str] | None = None


@dataclass(slots=True, eq=False)
class ParkCommand(Command):
    ctx: StateCtx
    annotations: dict[str, str] | None = None


@dataclass(slots=True, eq=False)
class DelayCommand(Command):
    ctx: StateCtx
    to: str
    at: float | None  # absolute unix seconds, or None: `seconds` from the engine's clock
    seconds: float
    commit: bool = True
    annotations: dict[str, str] | None = None
    result: State | None = None  # the delayed snapshot, once done


@dataclass(slots=True, eq=False)
class NoopCommand(Command):
    pass


@dataclass(slots=True, eq=False)
class ExecuteCommand(Command):
    ctx: StateCtx


@dataclass(slots=True, eq=False)
class CommitCommand(Command):
    commands: tuple[Command, ...]
    durable: bool = False  # wait until the batch is on disk, whatever the engine's durability


@dataclass(slots=True, eq=False)
class StackCommand(Command):
    carrier: StateCtx
    stacked: StateCtx
    annotation: str


@dataclass(slots=True, eq=False)
class UnstackCommand(Command):
    carrier: StateCtx
    target: StateCtx
    annotation: str


@dataclass(slots=True, eq=False)
class StoreDataCommand(Command):
    ctx: StateCtx
    alias: str


@dataclass(slots=True, eq=False)
class GetDataCommand(Command):
    ctx: StateCtx
    alias: str


@dataclass(slots=True, eq=False)
class GetStateByIDCommand(Command):
    ctx: StateCtx
    id: str
    rev: int = 0


@dataclass(slots=True, eq=False)
class GetStateByLabelsCommand(Command):
    ctx: StateCtx
    labels: dict[str, str]


@dataclass(slots=True)
class GetStatesResult:
    states: list[State] = field(default_factory=list)
    more: bool = False


@dataclass(slots=True, eq=False)
class GetStatesCommand(Command):
    labels: tuple[dict[str, str], ...]  # OR of ANDs; () matches everything
    since_rev: int = 0
    since_latest: bool = False
    since_time: float | None = None
    latest_only: bool = False
    limit: int = 50
    result: GetStatesResult | None = None

    def must_result(self) -> GetStatesResult:
        """The result, once the command ran (raises if it has not)."""
        if self.result is None:
            raise UsageError("get_states result read before the command ran: engine.do(cmd) first")
        return self.result

    def matches(self, state: State) -> bool:
        if self.since_time is not None and state.committed_at < self.since_time:
            return False
        return labels_match(self.labels, state.labels)


@dataclass(slots=True)
class GetDelayedStatesResult:
    delays: list[DelayedEntry] = field(default_factory=list)
    more: bool = False


@dataclass(slots=True, eq=False)
class GetDelayedStatesCommand(Command):
    since_time: float | None = None  # due at or after (unix seconds)
    until_time: float | None = None  # due before
    since_seq: int = 0  # page: delays with a greater seq
    limit: int = 50
    result: GetDelayedStatesResult | None = None

    def must_result(self) -> GetDelayedStatesResult:
        """The result, once the command ran (raises if it has not)."""
        if self.result is None:
            raise UsageError(
                "get_delayed_states result read before the command ran: engine.do(cmd) first"
            )
        return self.result

    def matches(self, entry: DelayedEntry) -> bool:
        if entry.seq <= self.since_seq:
            return False
        if self.since_time is not None and entry.at < self.since_time:
            return False
        return self.until_time is None or entry.at < self.until_time


def labels_match(ors: tuple[dict[str, str], ...], labels: Mapping[str, str]) -> bool:
    if not ors:
        return True
    for ands in ors:
        for k, v in ands.items():
            if labels.get(k) != v:
                break
        else:
            return True
    return False


def transit(ctx: StateCtx, to: str, annotations: Mapping[str, str] | None = None) -> TransitCommand:
    """Set the next flow of `ctx`; committable."""
    return TransitCommand(_ctx("ctx", ctx), _flow_id(to), _annotations(annotations))


def park(ctx: StateCtx, annotations: Mapping[str, str] | None = None) -> ParkCommand:
    """End the flow (`to = ""`); committable."""
    return ParkCommand(_ctx("ctx", ctx), _annotations(annotations))


def _seconds(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UsageError(f"{name} must be a number of seconds, got {type(value).__name__}")
    if value != value or value < 0:
        raise UsageError(f"{name} must be >= 0, got {value}")
    return float(value)


def delay(
    ctx: StateCtx,
    to: str,
    seconds: float,
    *,
    commit: bool = True,
    annotations: Mapping[str, str] | None = None,
) -> DelayCommand:
    """Run flow `to` `seconds` from now on a snapshot of `ctx.current`."""
    return DelayCommand(
        _ctx("ctx", ctx),
        _flow_id(to),
        None,
        _seconds("seconds", seconds),
        bool(commit),
        _annotations(annotations),
    )


def delay_until(
    ctx: StateCtx,
    to: str,
    at: float,
    *,
    commit: bool = True,
    annotations: Mapping[str, str] | None = None,
) -> DelayCommand:
    """Run flow `to` at unix time `at` on a snapshot of `ctx.current`."""
    return DelayCommand(
        _ctx("ctx", ctx),
        _flow_id(to),
        _seconds("at", at),
        0.0,
        bool(commit),
        _annotations(annotations),
    )


def noop() -> NoopCommand:
    """Stop the engine loop."""
    return NoopCommand()


def execute(ctx: StateCtx) -> ExecuteCommand:
    """From `engine.do`: run ctx in its own task; returned from a flow: continue with it."""
    return ExecuteCommand(_ctx("ctx", ctx))


_COMMITTABLE_INSIDE = (
    "transit, park, delay, store_data, get_data, stack, unstack, "
    "get_state_by_id, get_state_by_labels, noop"
)


_ALLOWED_IN_COMMIT_TUPLE = (
    TransitCommand,
    ParkCommand,
    DelayCommand,
    StoreDataCommand,
    GetDataCommand,
    StackCommand,
    UnstackCommand,
    GetStateByIDCommand,
    GetStateByLabelsCommand,
    NoopCommand,
)
_ALLOWED_IN_COMMIT = frozenset(_ALLOWED_IN_COMMIT_TUPLE)


def commit(*cmds: Command, durable: bool = False) -> CommitCommand:
    """Atomic: every sub-command or none. `durable=True` makes this commit wait until its batch
    is on disk (with snapshots), even when the engine acknowledges at memory speed."""
    if not cmds:
        raise UsageError("commit() needs at least one command")
    for cmd in cmds:
        if type(cmd) in _ALLOWED_IN_COMMIT:
            continue
        if isinstance(cmd, CommitCommand):
            raise UsageError("commit inside commit is not allowed")
        if not isinstance(cmd, _ALLOWED_IN_COMMIT_TUPLE):
            raise UsageError(
                f"{type(cmd).__name__} is not allowed inside commit "
                f"(allowed: {_COMMITTABLE_INSIDE})"
            )
    return CommitCommand(tuple(cmds), durable)


def _annotation_name(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise UsageError(f"annotation name must be a non-empty string, got {value!r}")
    return value


def stack(carrier: StateCtx, stacked: StateCtx, annotation: str) -> StackCommand:
    """Serialize the whole `stacked` ctx into `carrier.current.annotations[annotation]`."""
    return StackCommand(
        _ctx("carrier", carrier), _ctx("stacked", stacked), _annotation_name(annotation)
    )


def unstack(carrier: StateCtx, target: StateCtx, annotation: str) -> UnstackCommand:
    """Restore a ctx stacked into `carrier` under `annotation` into `target`."""
    return UnstackCommand(
        _ctx("carrier", carrier), _ctx("target", target), _annotation_name(annotation)
    )


def _alias(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise UsageError(f"data alias must be a non-empty string, got {value!r}")
    return value


def store_data(ctx: StateCtx, alias: str) -> StoreDataCommand:
    """Persist `ctx.datas[alias]` and reference it from `ctx.current`."""
    return StoreDataCommand(_ctx("ctx", ctx), _alias(alias))


def get_data(ctx: StateCtx, alias: str) -> GetDataCommand:
    """Load the data rev that `ctx.current` references under `alias`."""
    return GetDataCommand(_ctx("ctx", ctx), _alias(alias))


def _state_id(value: object) -> str:
    if not isinstance(value, str):
        raise UsageError(f"state id must be a string, got {type(value).__name__}")
    if not value:
        raise UsageError("state id is empty")
    return value


def _rev(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise UsageError(f"{name} must be an int, got {type(value).__name__}")
    if value < 0:
        raise UsageError(f"{name} must be >= 0, got {value}")
    return value


def get_state_by_id(ctx: StateCtx, id: str, rev: int = 0) -> GetStateByIDCommand:
    """Load the latest (rev 0) or that exact version of state `id` into ctx."""
    return GetStateByIDCommand(_ctx("ctx", ctx), _state_id(id), _rev("rev", rev))


def _labels(value: object) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise UsageError(f"labels must be a dict of str to str, got {type(value).__name__}")
    _check_str_map("labels", value)
    return dict(value)


def get_state_by_labels(ctx: StateCtx, labels: Mapping[str, str]) -> GetStateByLabelsCommand:
    """Load the latest state carrying all those labels into ctx."""
    return GetStateByLabelsCommand(_ctx("ctx", ctx), _labels(labels))


def get_states(
    labels: Mapping[str, str] | Sequence[Mapping[str, str]] | None = None,
    *,
    since_rev: int = 0,
    since_latest: bool = False,
    since_time: float | None = None,
    latest_only: bool = False,
    limit: int = 50,
) -> GetStatesCommand:
    """Query the log. `labels`: a dict (AND) or a list of dicts (OR of ANDs)."""
    if labels is None:
        ors: tuple[dict[str, str], ...] = ()
    elif isinstance(labels, Mapping):
        ors = (_labels(labels),) if labels else ()
    elif isinstance(labels, list | tuple):
        ors = tuple(_labels(item) for item in labels)
        if any(not item for item in ors):
            ors = ()  # an empty AND matches everything, so the OR does too
    else:
        raise UsageError(f"labels must be a dict or a list of dicts, got {type(labels).__name__}")
    if since_time is not None:
        since_time = _seconds("since_time", since_time)
    limit = _rev("limit", limit)
    if limit == 0:
        raise UsageError("limit must be >= 1, got 0")
    return GetStatesCommand(
        ors, _rev("since_rev", since_rev), bool(since_latest), since_time, bool(latest_only), limit
    )


def get_delayed_states(
    since_time: float | None = None,
    until_time: float | None = None,
    *,
    since_seq: int = 0,
    limit: int = 50,
) -> GetDelayedStatesCommand:
    """List pending delays due in `[since_time, until_time)` (either may be None: unbounded),
    ascending by seq (the order they were added). Result on `cmd.result`: `.delays` (each a
    `DelayedEntry`: `seq`, `at`, the `state` snapshot whose transition names the flow, and
    `commit`), `.more`; page on with `since_seq=result.delays[-1].seq`."""
    if since_time is not None:
        since_time = _seconds("since_time", since_time)
    if until_time is not None:
        until_time = _seconds("until_time", until_time)
    limit = _rev("limit", limit)
    if limit == 0:
        raise UsageError("limit must be >= 1, got 0")
    return GetDelayedStatesCommand(since_time, until_time, _rev("since_seq", since_seq), limit)


# -- predicates and recovery helpers ---------------------------------------------------------


def parked(state: State) -> bool:
    """True when the state's flow ended (`transition.to == ""`)."""
    return state.transition.to == ""


def delayed(state: State) -> bool:
    """True when this version was produced by a delay firing (or is a delayed snapshot)."""
    return bool(state.transition.annotations.get(DELAY_UNTIL_ANNOTATION))


def mark_archived(ctx: StateCtx) -> None:
    """Mark the next committed version of this state archived: the state is done with (a
    finished game, a closed order). It stays stored and readable like any other version (by
    id, by `get_states`, by watchers), but a driver may keep it out of memory: the memory
    driver with a snapshot file drops it from memory once it is out of the retained history
    and on disk, and does not load it at start. A later commit without the mark makes the
    state an ordinary one again."""
    ctx.current.annotations[ARCHIVE_ANNOTATION] = "true"


def archived(state: State) -> bool:
    """True when this version was committed with `mark_archived`."""
    return state.annotations.get(ARCHIVE_ANNOTATION) == "true"


def disable_recovery(ctx: StateCtx) -> None:
    """Opt this state out of crash recovery."""
    ctx.current.annotations[RECOVERY_ENABLED_ANNOTATION] = "false"


def set_max_recovery_attempts(ctx: StateCtx, n: int) -> None:
    """Park the state after `n` recovery attempts (n <= 0 means the default, 3)."""
    n = int(n)
    ctx.current.annotations[RECOVERY_MAX_ATTEMPTS_ANNOTATION] = str(
        n if n > 0 else DEFAULT_MAX_ATTEMPTS
    )


def set_retry_after(ctx: StateCtx, seconds: float) -> None:
    """Retry the state's flow this long after its last commit (at most 300 s; any positive
    value below, down to a millisecond)."""
    value = min(max(_seconds("seconds", seconds), MIN_RETRY_AFTER), MAX_RETRY_AFTER)
    ctx.current.annotations[RECOVERY_RETRY_AFTER_ANNOTATION] = repr(value)


def recovery_enabled(state: State) -> bool:
    return state.annotations.get(RECOVERY_ENABLED_ANNOTATION) != "false"


def retry_after(state: State) -> float:
    raw = state.annotations.get(RECOVERY_RETRY_AFTER_ANNOTATION)
    try:
        value = float(raw) if raw else DEFAULT_RETRY_AFTER
    except ValueError:
        value = DEFAULT_RETRY_AFTER
    return min(max(value, MIN_RETRY_AFTER), MAX_RETRY_AFTER)


def max_recovery_attempts(state: State) -> int:
    try:
        value = int(state.annotations.get(RECOVERY_MAX_ATTEMPTS_ANNOTATION, "0"))
    except ValueError:
        value = 0
    return value if value > 0 else DEFAULT_MAX_ATTEMPTS


def recovery_attempt(state: State) -> int:
    try:
        return int(state.transition.annotations.get(RECOVERY_ATTEMPT_ANNOTATION, "0"))
    except ValueError:
        return 0
