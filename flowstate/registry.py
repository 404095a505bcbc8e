"""`FlowRegistry`: flow ids to flow callables, with each flow's retry policy and concurrency."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from flowstate.errors import FlowNotFoundError, UsageError

if TYPE_CHECKING:
    from flowstate.commands import Command
    from flowstate.engine import Engine
    from flowstate.state import StateCtx

__all__ = ["Flow", "FlowFunc", "FlowRegistry", "RetryPolicy"]

FlowFunc = Callable[["StateCtx", "Engine"], Awaitable["Command"]]


@runtime_checkable
class Flow(Protocol):
    """An object flow: anything with `async execute(ctx, engine) -> Command`."""

    async def execute(self, ctx: StateCtx, engine: Engine) -> Command: ...


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """What the engine does when a flow raises (anything but a rev mismatch).

    The state goes back to its last committed version and the flow that raised runs again
    after `backoff` seconds, then `backoff * multiplier`, ... (at most `max_backoff`), until
    `attempts` executions in all (the first included) have failed. Then the state is parked
    as a dead letter: the park's transition carries `flowstate.retry.error` (the last error),
    `flowstate.retry.attempt` and `flowstate.dead_letter` (the flow id), and the version is
    labelled `flowstate.dead_letter` = the flow id so dead letters can be listed. Each
    scheduled retry is a committed version (with `flowstate.retry.attempt` and
    `flowstate.retry.error` on its transition) plus a committing delay, so it survives a
    restart and fires on one engine only.
    """

    attempts: int = 3
    backoff: float = 1.0
    multiplier: float = 2.0
    max_backoff: float = 300.0

    def __post_init__(self) -> None:
        if isinstance(self.attempts, bool) or not isinstance(self.attempts, int):
            raise UsageError(f"attempts must be an int, got {type(self.attempts).__name__}")
        if self.attempts < 1:
            raise UsageError(f"attempts must be >= 1, got {self.attempts}")
        for name in ("backoff", "multiplier", "max_backoff"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
                raise UsageError(f"{name} must be a number, got {value!r}")
        if self.backoff < 0 or self.max_backoff < 0:
            raise UsageError(
                f"backoff and max_backoff must be >= 0, got {self.backoff} and {self.max_backoff}"
            )
        if self.multiplier < 1:
            raise UsageError(f"multiplier must be >= 1, got {self.multiplier}")

    def delay_after(self, attempt: int) -> float:
        """Seconds to wait after attempt number `attempt` (1 = the first) failed."""
        return float(min(self.max_backoff, self.backoff * self.multiplier ** (attempt - 1)))


@dataclass(frozen=True, slots=True)
class _Entry:
    fn: FlowFunc
    retry: RetryPolicy | None
    concurrency: int | None


class FlowRegistry:
    def __init__(self) -> None:
        self._flows: dict[str, _Entry] = {}
        self._limits: dict[str, int] = {}

    def set_flow(
        self,
        flow_id: str,
        flow: FlowFunc | Flow,
        *,
        retry: RetryPolicy | None = None,
        concurrency: int | None = None,
    ) -> None:
        """Register `flow` under `flow_id`.

        `retry`: what to do when it raises (see `RetryPolicy`; None: the error propagates
        and crash recovery retries after `retry_after`). `concurrency`: at most this many
        executions of it that the engine starts on its own (fired delays, worker-queue
        jobs, resumed and taken-over work) run at once on this engine; the others wait,
        still pending, for a free slot here or on another engine. None: no limit.
        """
        if not isinstance(flow_id, str) or not flow_id:
            raise UsageError(f"flow id must be a non-empty string, got {flow_id!r}")
        if isinstance(flow, Flow):
            fn: Any = flow.execute
        elif callable(flow):
            fn = flow
        else:
            raise UsageError(
                f"flow {flow_id!r} must be an async callable, got {type(flow).__name__}"
            )
        if retry is not None and not isinstance(retry, RetryPolicy):
            raise UsageError(f"retry must be a RetryPolicy, got {type(retry).__name__}")
        if concurrency is not None and (
            isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1
        ):
            raise UsageError(f"concurrency must be an int >= 1 or None, got {concurrency!r}")
        self._flows[flow_id] = _Entry(fn, retry, concurrency)
        if concurrency is None:
            self._limits.pop(flow_id, None)
        else:
            self._limits[flow_id] = concurrency

    def flow(self, flow_id: str) -> FlowFunc:
        try:
            return self._flows[flow_id].fn
        except KeyError:
            raise FlowNotFoundError(flow_id) from None

    def retry_policy(self, flow_id: str) -> RetryPolicy | None:
        entry = self._flows.get(flow_id)
        return entry.retry if entry is not None else None

    def concurrency_limits(self) -> Mapping[str, int]:
        """Flow id -> concurrency limit, for the flows that have one (a live view)."""
        return self._limits

    def flow_ids(self) -> Collection[str]:
        """The registered flow ids (a live view)."""
        return self._flows.keys()

    def __contains__(self, flow_id: object) -> bool:
        return flow_id in self._flows
