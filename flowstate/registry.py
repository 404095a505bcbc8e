"""`FlowRegistry`: flow ids to flow callables."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from flowstate.errors import FlowNotFoundError, UsageError

if TYPE_CHECKING:
    from flowstate.commands import Command
    from flowstate.engine import Engine
    from flowstate.state import StateCtx

__all__ = ["Flow", "FlowFunc", "FlowRegistry"]

FlowFunc = Callable[["StateCtx", "Engine"], Awaitable["Command"]]


@runtime_checkable
class Flow(Protocol):
    """An object flow: anything with `async execute(ctx, engine) -> Command`."""

    async def execute(self, ctx: StateCtx, engine: Engine) -> Command: ...


class FlowRegistry:
    def __init__(self) -> None:
        self._flows: dict[str, FlowFunc] = {}

    def set_flow(self, flow_id: str, flow: FlowFunc | Flow) -> None:
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
        self._flows[flow_id] = fn

    def flow(self, flow_id: str) -> FlowFunc:
        try:
            return self._flows[flow_id]
        except KeyError:
            raise FlowNotFoundError(flow_id) from None

    def __contains__(self, flow_id: object) -> bool:
        return flow_id in self._flows
