"""flowstate: an asyncio engine for durable, long-running flows.

Versioned states with one global revision counter, rev-checked atomic commits, labels,
transitions naming the next flow, delays, crash recovery and watchers pushed by commits.
Storage is a `Driver`: `MemoryDriver` (optionally with write-behind `SqliteSnapshots`) for one
process, `PostgresDriver` for many processes on one database, `NetDriver` for the store of a
flowstate server (`python -m flowstate serve`); `open_driver(url)` builds any of them.
The behaviour is described in `docs/flowstate.md`, the Python shapes in
`docs/flowstate-python-api.md`.
"""

from flowstate.clock import Clock, RealClock
from flowstate.commands import (
    Command,
    CommitCommand,
    DelayCommand,
    ExecuteCommand,
    GetDataCommand,
    GetDelayedStatesCommand,
    GetDelayedStatesResult,
    GetStateByIDCommand,
    GetStateByLabelsCommand,
    GetStatesCommand,
    GetStatesResult,
    NoopCommand,
    ParkCommand,
    StackCommand,
    StoreDataCommand,
    TransitCommand,
    UnstackCommand,
    archived,
    commit,
    delay,
    delay_until,
    delayed,
    disable_recovery,
    execute,
    get_data,
    get_delayed_states,
    get_state_by_id,
    get_state_by_labels,
    get_states,
    mark_archived,
    noop,
    park,
    parked,
    set_max_recovery_attempts,
    set_retry_after,
    stack,
    store_data,
    transit,
    unstack,
)
from flowstate.driver import CommitRequest, Driver, DriverEvents
from flowstate.engine import DelayerStats, Engine
from flowstate.errors import (
    DelayClaimLostError,
    FlowNotFoundError,
    FlowstateError,
    HistoryTrimmedError,
    NotFoundError,
    PersistenceError,
    RevMismatchError,
    UsageError,
    WatcherLaggedError,
)
from flowstate.lifecycle import run_until_signal
from flowstate.memory import MemoryDriver
from flowstate.netdriver import NetDriver
from flowstate.postgres import PostgresDriver
from flowstate.recovery import RecoveryStats
from flowstate.registry import Flow, FlowFunc, FlowRegistry, RetryPolicy
from flowstate.snapshots import CommitBatch, DelayedEntry, Loaded, Snapshots
from flowstate.sqlite import SqliteLockedError, SqliteSnapshots
from flowstate.state import Data, FrozenDict, State, StateCtx, Transition
from flowstate.urls import open_driver
from flowstate.watcher import Watcher

__all__ = [
    "Clock",
    "Command",
    "CommitBatch",
    "CommitCommand",
    "CommitRequest",
    "Data",
    "DelayClaimLostError",
    "DelayCommand",
    "DelayedEntry",
    "DelayerStats",
    "Driver",
    "DriverEvents",
    "Engine",
    "ExecuteCommand",
    "Flow",
    "FlowFunc",
    "FlowNotFoundError",
    "FlowRegistry",
    "FlowstateError",
    "FrozenDict",
    "GetDataCommand",
    "GetDelayedStatesCommand",
    "GetDelayedStatesResult",
    "GetStateByIDCommand",
    "GetStateByLabelsCommand",
    "GetStatesCommand",
    "GetStatesResult",
    "HistoryTrimmedError",
    "Loaded",
    "MemoryDriver",
    "NetDriver",
    "NoopCommand",
    "NotFoundError",
    "ParkCommand",
    "PersistenceError",
    "PostgresDriver",
    "RealClock",
    "RecoveryStats",
    "RetryPolicy",
    "RevMismatchError",
    "Snapshots",
    "SqliteLockedError",
    "SqliteSnapshots",
    "StackCommand",
    "State",
    "StateCtx",
    "StoreDataCommand",
    "TransitCommand",
    "Transition",
    "UnstackCommand",
    "UsageError",
    "Watcher",
    "WatcherLaggedError",
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
    "open_driver",
    "park",
    "parked",
    "run_until_signal",
    "set_max_recovery_attempts",
    "set_retry_after",
    "stack",
    "store_data",
    "transit",
    "unstack",
]
