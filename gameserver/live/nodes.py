"""The servers sharing one store (a cluster), as flowstate states.

Each server (node) keeps a state `node.<id>` (kind `node`) with its public URL. Every
`heartbeat` seconds it commits that state again together with a committing delay at
`now + timeout`: the next heartbeat's commit cancels the delay (rev-checked firing), so the
delay only fires when the node stopped beating. flowstate fires each due delay once across
all engines, so exactly one surviving node runs `gameserver.node_lost` for it: every game where
the lost node held a player's presence commits that player's disconnect (the abandonment
limit starts; clocks run as their rules say), and the node state is parked as lost.

Every node follows the node states (`gameserver.live.follow`) and so knows the live nodes:
`/api/nodes` lists them (the web client's reconnect list), and work that must run on one node
only (a bot seat's thinking) goes to the owner a rendezvous hash picks among them.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable

from flowstate import (
    Clock,
    Command,
    Engine,
    FlowRegistry,
    State,
    StateCtx,
    commit,
    delay_until,
    get_states,
    park,
)
from gameserver.live.follow import Kind

__all__ = ["KIND", "LOST_FLOW", "Nodes"]

log = logging.getLogger("gameserver.nodes")

KIND = "node"
LOST_FLOW = "gameserver.node_lost"
URL = "gameserver.url"
LOST = "gameserver.lost"


def node_state_id(node: str) -> str:
    return f"node.{node}"


class Nodes:
    """This node's heartbeat and what it knows of the others."""

    def __init__(self, registry: FlowRegistry, clock: Clock, node: str, url: str, *,
                 heartbeat: float = 2.0, timeout: float = 6.0) -> None:
        self._engine: Engine | None = None
        self._clock = clock
        self.node = node
        self.url = url
        self.heartbeat = heartbeat
        self.timeout = timeout
        self._ctx = StateCtx.new(node_state_id(node), labels={"kind": KIND})
        #: live nodes other than this one: id -> public URL
        self.others: dict[str, str] = {}
        #: called with a lost node's id (the matches clean up its presence)
        self.on_lost: list[Callable[[str], Awaitable[None]]] = []
        #: called whenever the set of live nodes changes
        self.on_change: list[Callable[[], None]] = []
        registry.set_flow(LOST_FLOW, self._lost)

    # -- membership --------------------------------------------------------------------------

    def live(self) -> dict[str, str]:
        """Every live node, this one included: id -> public URL."""
        return {self.node: self.url, **self.others}

    def owner(self, key: str) -> str:
        """The live node that owns `key` (rendezvous hashing: the same answer on every node
        that knows the same nodes, and only the keys of a node that leaves move)."""
        return max(self.live(), key=lambda n: hashlib.blake2b(f"{n}/{key}".encode(),
                                                              digest_size=8).digest())

    def mine(self, key: str) -> bool:
        return self.owner(key) == self.node

    def attach(self, engine: Engine) -> None:
        self._engine = engine

    @property
    def engine(self) -> Engine:
        assert self._engine is not None, "attach() the engine first"
        return self._engine

    async def load(self) -> None:
        cmd = get_states({"kind": KIND}, latest_only=True, limit=1000)
        await self.engine.do(cmd)
        assert cmd.result is not None
        for state in cmd.result.states:
            self._see(state)

    def follow_kind(self) -> Kind:
        return Kind(KIND, self._foreign, self._adopt, self.load)

    def _foreign(self, state: State) -> bool:
        return state.id != self._ctx.current.id

    async def _adopt(self, state: State) -> None:
        self._see(state)

    def _see(self, state: State) -> None:
        node = state.id.removeprefix("node.")
        if node == self.node:
            return
        before = dict(self.others)
        if state.annotation(LOST) or state.transition.to:
            self.others.pop(node, None)
        else:
            self.others[node] = state.annotations.get(URL, "")
        if self.others != before:
            for hook in self.on_change:
                hook()

    # -- this node's heartbeat ---------------------------------------------------------------

    def _beat(self) -> list[Command]:
        current = self._ctx.current
        current.labels = {"kind": KIND}
        current.annotations = {URL: self.url}
        return [park(self._ctx),
                delay_until(self._ctx, LOST_FLOW, self._clock.now() + self.timeout)]

    async def run(self) -> None:
        """Beat forever (the runtime owns this task)."""
        while True:
            try:
                await self.engine.do(commit(*self._beat()))
            except Exception:  # a failed beat is retried at the next one
                log.exception("node %s: heartbeat failed", self.node)
                self._ctx = StateCtx.from_state(self._ctx.committed) if \
                    self._ctx.committed.rev else StateCtx.new(self._ctx.current.id)
            await self._clock.sleep_until(self._clock.now() + self.heartbeat)

    async def leave(self) -> None:
        """A clean stop: park this node's state as gone (its delay is cancelled)."""
        current = self._ctx.current
        current.annotations = {URL: self.url, LOST: "left"}
        try:
            await self.engine.do(commit(park(self._ctx)))
        except Exception:
            log.warning("node %s: could not record its leaving; the others will notice",
                        self.node)

    # -- a lost node -------------------------------------------------------------------------

    async def _lost(self, ctx: StateCtx, engine: Engine) -> Command:
        node = ctx.current.id.removeprefix("node.")
        log.info("node %s stopped beating; %s cleans up after it", node, self.node)
        for hook in self.on_lost:
            await hook(node)
        self.others.pop(node, None)
        for change in self.on_change:
            change()
        return park(ctx, {LOST: "lost"})

