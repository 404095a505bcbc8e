"""`Engine`: runs commands and flows over a `Driver`, owns the timer, recovery, watchers and
every task it starts."""

from __future__ import annotations

import asyncio
import contextvars
import logging
import math
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from flowstate.clock import Clock, RealClock
from flowstate.commands import (
    DEAD_LETTER,
    DELAY_COMMIT_ANNOTATION,
    DELAY_UNTIL_ANNOTATION,
    RECOVERY_ATTEMPT_ANNOTATION,
    RETRY_ATTEMPT_ANNOTATION,
    RETRY_ERROR_ANNOTATION,
    Command,
    CommitCommand,
    DelayCommand,
    ExecuteCommand,
    GetDataCommand,
    GetDelayedStatesCommand,
    GetStateByIDCommand,
    GetStateByLabelsCommand,
    GetStatesCommand,
    NoopCommand,
    ParkCommand,
    StackCommand,
    StoreDataCommand,
    TransitCommand,
    UnstackCommand,
    max_recovery_attempts,
    recovery_attempt,
    recovery_enabled,
)
from flowstate.driver import CommitRequest, Driver
from flowstate.errors import (
    DelayClaimLostError,
    FlowstateError,
    NotFoundError,
    RevMismatchError,
    UsageError,
)
from flowstate.recovery import RecoveryStats, RecoveryTracker
from flowstate.registry import FlowRegistry, RetryPolicy
from flowstate.snapshots import DelayedEntry
from flowstate.staging import StagedStack, Undo, finalize_stacks
from flowstate.state import (
    DATA_ANNOTATION_PREFIX,
    Data,
    FrozenDict,
    State,
    StateCtx,
    Transition,
)
from flowstate.watcher import Watcher, WatcherHub

__all__ = ["DelayerStats", "Engine"]

log = logging.getLogger("flowstate")

DURABILITY_MODES = ("default", "strict")


@dataclass(frozen=True, slots=True)
class DelayerStats:
    added: int = 0  # delays committed
    fired: int = 0  # delays that ran their flow
    dropped: int = 0  # delays whose commit conflicted (the state moved on)
    pending: int = 0  # delays waiting now


class _Events:
    """What the driver reports, routed into the engine (kept off the engine's public API)."""

    __slots__ = ("_engine", "published")

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self.published = engine._hub.publish

    def delays_changed(self) -> None:
        self._engine._arm(self._engine.clock.now())

    def orphaned(self) -> None:
        engine = self._engine
        if engine.running and engine._recovery_enabled and not engine._adopting:
            engine._adopting = True
            engine._spawn(engine._adopt(), "flowstate-take-over")

    def watching(self) -> bool:
        return len(self._engine._hub) > 0


class Engine:
    """The flowstate engine. Use as `async with Engine(driver, registry) as engine:`.

    `driver` is any `Driver` (`MemoryDriver`, `PostgresDriver`, `open_driver(url)`).
    `resume=True` (the default) re-executes, at start, the states a previous engine left in
    flight (skipping those whose committing delay is pending: the delay resumes them), and
    on a shared store the in-flight states of engines that died; `resume=False` leaves them
    to crash recovery, after their `retry_after`.
    """

    def __init__(
        self,
        driver: Driver,
        registry: FlowRegistry,
        *,
        clock: Clock | None = None,
        recovery: bool = True,
        resume: bool = True,
        durability: str = "default",
        watcher_buffer: int = 10_000,
        shutdown_timeout: float = 10.0,
    ) -> None:
        if not isinstance(driver, Driver):
            raise UsageError(
                "driver must implement flowstate.Driver (MemoryDriver, PostgresDriver, "
                f"open_driver(url)), got {type(driver).__name__}"
            )
        if not isinstance(registry, FlowRegistry):
            raise UsageError(f"registry must be a FlowRegistry, got {type(registry).__name__}")
        if durability not in DURABILITY_MODES:
            raise UsageError(f"durability must be one of {DURABILITY_MODES}, got {durability!r}")
        if watcher_buffer < 1:
            raise UsageError(f"watcher_buffer must be >= 1, got {watcher_buffer}")
        self.driver = driver
        self.registry = registry
        self.clock: Clock = clock if clock is not None else RealClock()
        self.durability = durability
        self.watcher_buffer = watcher_buffer
        self.shutdown_timeout = shutdown_timeout
        self._recovery_enabled = recovery
        self._resume = resume
        self._recovery = RecoveryTracker()
        self._hub = WatcherHub(driver)
        self._events = _Events(self)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._timer_task: asyncio.Task[None] | None = None
        self._timer_fut: asyncio.Future[None] | None = None
        self._timer_target: float | None = None
        self._missed: float | None = None  # earliest wake-up asked for while firing
        self._started = False
        self._stopping = False
        self._delays_added = 0
        self._delays_fired = 0
        self._firing = 0  # plain delays whose flows run now (their removal rides a commit)
        self._delays_dropped = 0
        self._failed_executions = 0
        self._adopting = False
        self._running: dict[str, int] = {}  # engine-started executions of concurrency-limited flows
        self._handlers: dict[type, Callable[[Any], Coroutine[Any, Any, None]]] = {
            TransitCommand: self._do_transit,
            ParkCommand: self._do_park,
            NoopCommand: _nothing,
            StackCommand: self._do_stack,
            UnstackCommand: self._do_unstack,
            StoreDataCommand: self._do_alone,
            GetDataCommand: self._do_get_data,
            GetStateByIDCommand: self._do_get_state_by_id,
            GetStateByLabelsCommand: self._do_get_state_by_labels,
            GetStatesCommand: self._do_get_states,
            GetDelayedStatesCommand: self._do_get_delayed_states,
            DelayCommand: self._do_alone,
            ExecuteCommand: self._do_execute,
        }

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Open the driver, start the timer, and resume what was left in flight."""
        if self._started:
            return
        await self.driver.open(self._events)
        self._started = True
        self._stopping = False
        self._timer_task = asyncio.get_running_loop().create_task(
            self._timer_loop(), name="flowstate-timer"
        )
        add_hook = getattr(self.clock, "add_idle_hook", None)
        if add_hook is not None:
            add_hook(self.wait_idle)
        if self._recovery_enabled:
            try:
                orphans = await self.driver.adopt_orphans(self._now())
                await self._take_over(orphans)
            except BaseException:
                await self.shutdown()
                raise

    async def shutdown(self) -> None:
        """Stop accepting work, let running flows return, flush persistence and close."""
        if not self._started or self._stopping:
            return
        self._stopping = True
        remove_hook = getattr(self.clock, "remove_idle_hook", None)
        if remove_hook is not None:
            remove_hook(self.wait_idle)
        if self._timer_task is not None:
            self._timer_task.cancel()
            try:
                await self._timer_task
            except asyncio.CancelledError:
                current = asyncio.current_task()
                if current is not None and current.cancelling():
                    raise
            self._timer_task = None
        # Watchers end first, so flows waiting on one return instead of holding shutdown up.
        self._hub.close_all()
        pending = [t for t in self._tasks if not t.done()]
        if pending:
            _, still = await asyncio.wait(pending, timeout=self.shutdown_timeout)
            for task in still:
                task.cancel()
            if still:
                await asyncio.wait(still)
        await self.driver.close()
        self._started = False

    async def __aenter__(self) -> Engine:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.shutdown()

    @property
    def running(self) -> bool:
        return self._started and not self._stopping

    def _check_running(self) -> None:
        if not self._started:
            raise UsageError("the engine is not started: use `async with Engine(...)` or start()")
        if self._stopping:
            raise UsageError("the engine is shutting down and accepts no new work")

    # -- public API --------------------------------------------------------------------------

    async def do(self, *cmds: Command) -> None:
        """Run commands in order, stopping at the first error."""
        if not cmds:
            raise UsageError("do() needs at least one command")
        self._check_running()
        for cmd in cmds:
            await self._do(cmd)

    async def execute(self, ctx: StateCtx) -> None:
        """Run flows on ctx until one parks, delays or returns noop.

        A flow that raises propagates its error, unless the flow has a `RetryPolicy`: then
        the retry (or the dead letter) is committed and this returns."""
        if not isinstance(ctx, StateCtx):
            raise UsageError(f"execute() takes a StateCtx, got {type(ctx).__name__}")
        self._check_running()
        if not ctx.current.id:
            raise UsageError("state id is empty")
        registry = self.registry
        while not self._stopping:
            to = ctx.current.transition.to
            if not to:
                raise UsageError(
                    f"state {ctx.current.id!r} has an empty transition: nothing to execute"
                )
            flow = registry.flow(to)
            try:
                cmd = await flow(ctx, self)
            except Exception as exc:
                policy = registry.retry_policy(to)
                if policy is None:
                    raise
                if not isinstance(exc, RevMismatchError):
                    await self._retry_later(ctx, to, policy, exc)
                return
            if not isinstance(cmd, Command):
                raise UsageError(f"flow {to!r} returned {type(cmd).__name__}, not a command")
            if type(cmd) is ExecuteCommand:
                ctx = cmd.ctx
                continue
            try:
                await self._do(cmd)
            except RevMismatchError as exc:
                log.debug("execute of %r ended on a conflict: %s", ctx.current.id, exc)
                return
            nxt = _continuation(cmd)
            if nxt is None:
                return
            ctx = nxt

    def watch(self, cmd: GetStatesCommand, *, buffer: int | None = None,
              where: Callable[[State], bool] | None = None) -> Watcher:
        """An async iterator over every committed version matching `cmd`, pushed by commits.

        `where(state)`, if given, is called synchronously for each matching version as it is
        committed (it must be cheap and must not raise); versions it rejects are dropped before
        they reach the buffer, so they never wake the reader. A process that handles its own
        commits itself uses it to watch only for versions somebody else wrote. On a shared
        store (PostgreSQL) that includes versions other processes committed.
        """
        if not isinstance(cmd, GetStatesCommand):
            raise UsageError(f"watch() takes a get_states(...) command, got {type(cmd).__name__}")
        self._check_running()
        return self._hub.add(cmd, buffer if buffer is not None else self.watcher_buffer, where)

    def delayer_stats(self) -> DelayerStats:
        return DelayerStats(
            self._delays_added,
            self._delays_fired,
            self._delays_dropped + self.driver.delays_pruned,
            self.driver.pending_delays,
        )

    def recovery_stats(self) -> RecoveryStats:
        return self._recovery.stats()

    @property
    def failed_executions(self) -> int:
        """Executions started by the engine (execute command, delays, recovery) that raised."""
        return self._failed_executions

    @property
    def watchers(self) -> int:
        return len(self._hub)

    async def wait_idle(self) -> None:
        """Return when nothing the engine started can make progress and no timer is overdue.

        "Can make progress" means the event loop has callbacks ready to run or the driver
        has a storage operation in flight: a flow blocked on something that has not happened
        (a watcher, a lock, a socket) counts as idle, as with trio's autojump clock. On loops
        that do not expose their ready queue, waits for every engine-owned task to finish.
        """
        clock = self.clock
        loop = asyncio.get_running_loop()
        ready = getattr(loop, "_ready", None)
        driver = self.driver
        while True:
            for _ in range(3):
                await asyncio.sleep(0)
            if ready is not None:
                spins = 0
                while ready and spins < 100_000:
                    await asyncio.sleep(0)
                    spins += 1
            else:
                pending = [t for t in self._tasks if not t.done()]
                if pending:
                    await asyncio.wait(pending)
                    continue
            if driver.busy:
                await driver.settle()
                continue
            due = self._next_due()
            if self._started and not self._stopping and due is not None and due <= clock.now():
                continue
            return

    # -- command dispatch ----------------------------------------------------------------------

    def _do(self, cmd: Command) -> Coroutine[Any, Any, None]:
        """The coroutine that runs `cmd` (returned, not wrapped in one more)."""
        if type(cmd) is CommitCommand:
            return self._commit_and_wait(cmd, cmd.durable)
        handler = self._handlers.get(type(cmd))
        if handler is None:
            raise UsageError(f"unknown command {type(cmd).__name__}")
        return handler(cmd)

    async def _commit_and_wait(self, cmd: CommitCommand, durable: bool) -> None:
        ticket = await self._commit(cmd)
        if ticket and (
            durable or self.durability == "strict" or self.driver.durability == "strict"
        ):
            await self.driver.wait_durable(ticket)

    def _now(self) -> float:
        """The clock in whole milliseconds (the driver keeps commit times from decreasing)."""
        return round(self.clock.now(), 3)

    async def _do_transit(self, cmd: TransitCommand) -> None:
        _set_transition(cmd.ctx, cmd.to, cmd.annotations)

    async def _do_park(self, cmd: ParkCommand) -> None:
        _set_transition(cmd.ctx, "", cmd.annotations)

    async def _do_alone(self, cmd: DelayCommand | StoreDataCommand) -> None:
        """A bare delay or store_data is a commit of its own (strict durability waits for it)."""
        await self._commit_and_wait(CommitCommand((cmd,)), False)

    async def _do_stack(self, cmd: StackCommand) -> None:
        if cmd.carrier.current.annotations.get(cmd.annotation):
            raise UsageError(f"stack annotation {cmd.annotation!r} is already set")
        cmd.carrier.current.annotations[cmd.annotation] = cmd.stacked.dumps()

    async def _do_unstack(self, cmd: UnstackCommand) -> None:
        raw = cmd.carrier.current.annotations.get(cmd.annotation)
        if not raw:
            raise UsageError(f"stack annotation {cmd.annotation!r} is empty: nothing to unstack")
        restored = StateCtx.loads(raw)
        target = cmd.target
        target.current, target.committed = restored.current, restored.committed
        target.transitions[:] = restored.transitions
        cmd.carrier.current.annotations[cmd.annotation] = ""

    async def _stage_store_data(
        self,
        cmd: StoreDataCommand,
        datas: list[tuple[int, bytes, dict[str, str]]],
        undo: list[tuple[Data, int, Any]],
    ) -> None:
        data = cmd.ctx.data(cmd.alias)
        if data.is_dirty():
            undo.append((data, data.rev, data._stored))
            data.rev = await self.driver.next_data_rev(len(datas))
            datas.append((data.rev, data.blob, dict(data.annotations)))
            data.mark_stored()
        cmd.ctx.current.annotations[DATA_ANNOTATION_PREFIX + cmd.alias] = str(data.rev)

    async def _do_get_data(self, cmd: GetDataCommand) -> None:
        key = DATA_ANNOTATION_PREFIX + cmd.alias
        raw = cmd.ctx.current.annotations.get(key)
        if not raw:
            raise UsageError(f"annotation {key!r} is not set: no data {cmd.alias!r} to load")
        try:
            rev = int(raw)
        except ValueError:
            raise UsageError(f"annotation {key!r} holds an invalid data rev {raw!r}") from None
        existing = cmd.ctx.datas.get(cmd.alias)
        if existing is not None and existing.rev == rev:
            return
        stored = await self.driver.read_data(rev)
        if stored is None:
            raise NotFoundError(f"data {cmd.alias!r} rev {rev}")
        data = Data(stored[0], dict(stored[1]), rev)
        data.mark_stored()
        cmd.ctx.datas[cmd.alias] = data

    async def _do_get_state_by_id(self, cmd: GetStateByIDCommand) -> None:
        state = await self.driver.read_state(cmd.id, cmd.rev)
        if state is None:
            raise NotFoundError(f"state {cmd.id!r}" + (f" rev {cmd.rev}" if cmd.rev else ""))
        _load(cmd.ctx, state)

    async def _do_get_state_by_labels(self, cmd: GetStateByLabelsCommand) -> None:
        state = await self.driver.read_latest((cmd.labels,) if cmd.labels else ())
        if state is None:
            raise NotFoundError(f"state with labels {cmd.labels}")
        _load(cmd.ctx, state)

    async def _do_get_states(self, cmd: GetStatesCommand) -> None:
        cmd.result = await self.driver.read_states(cmd)

    async def _do_get_delayed_states(self, cmd: GetDelayedStatesCommand) -> None:
        cmd.result = await self.driver.read_delays(cmd)

    def _stage_delay(self, cmd: DelayCommand) -> DelayedEntry:
        if not cmd.ctx.current.id:
            raise UsageError("state id is empty")
        at = cmd.at if cmd.at is not None else round(self.clock.now() + cmd.seconds, 3)
        annotations = dict(cmd.annotations or {})
        annotations[DELAY_UNTIL_ANNOTATION] = repr(at)
        if not cmd.commit:
            annotations[DELAY_COMMIT_ANNOTATION] = "false"
        snapshot = cmd.ctx.current.frozen(Transition(cmd.to, annotations))
        return DelayedEntry(0, at, snapshot, cmd.commit)

    async def _do_execute(self, cmd: ExecuteCommand) -> None:
        self._spawn(self.execute(cmd.ctx.copy()), f"execute {cmd.ctx.current.id}")

    # -- the atomic commit ---------------------------------------------------------------------

    async def _commit(self, cmd: CommitCommand, consume: int = 0) -> int:
        """Stage every sub-command, then let the driver store all of it or none.

        Returns the driver's durability ticket. On any failure every ctx (and data) the
        commit touched is restored."""
        undos: dict[int, Undo] = {}
        data_undo: list[tuple[Data, int, Any]] = []
        states: list[State] = []
        in_flight: list[bool] = []  # per state: committed with a transition to run
        expected: list[int] = []
        ctxs: list[StateCtx] = []
        datas: list[tuple[int, bytes, dict[str, str]]] = []
        delays: list[DelayedEntry] = []
        delay_cmds: list[DelayCommand] = []
        stacks: list[StagedStack] = []
        index: dict[str, int] = {}
        try:
            for sub in cmd.commands:
                kind = type(sub)
                if kind is TransitCommand or kind is ParkCommand:
                    ctx = _touch(undos, sub.ctx)  # type: ignore[attr-defined]
                    to = sub.to if kind is TransitCommand else ""  # type: ignore[attr-defined]
                    _set_transition(ctx, to, sub.annotations)  # type: ignore[attr-defined]
                    cur = ctx.current
                    if not cur.id:
                        raise UsageError("state id is empty")
                    if cur.id in index:
                        raise UsageError(f"state {cur.id!r} is committed twice in one commit")
                    if ctx.committed.rev < 0:
                        raise UsageError(
                            f"state {cur.id!r}: committed rev {ctx.committed.rev} is negative"
                        )
                    index[cur.id] = len(states)
                    frozen = cur.frozen()
                    states.append(frozen)
                    in_flight.append(bool(frozen.transition.to) and recovery_enabled(frozen))
                    expected.append(ctx.committed.rev)
                    ctxs.append(ctx)
                elif kind is DelayCommand:
                    delays.append(self._stage_delay(sub))  # type: ignore[arg-type]
                    delay_cmds.append(sub)  # type: ignore[arg-type]
                elif kind is StoreDataCommand:
                    _touch(undos, sub.ctx, True)  # type: ignore[attr-defined]
                    await self._stage_store_data(sub, datas, data_undo)  # type: ignore[arg-type]
                elif kind is StackCommand:
                    _touch(undos, sub.carrier, True)  # type: ignore[attr-defined]
                    await self._do_stack(sub)  # type: ignore[arg-type]
                    stacked = sub.stacked  # type: ignore[attr-defined]
                    at = index.get(stacked.current.id)
                    if at is not None and ctxs[at] is stacked:
                        stacks.append(
                            StagedStack(sub.carrier, stacked, sub.annotation, len(states))  # type: ignore[attr-defined]
                        )
                elif kind is UnstackCommand:
                    _touch(undos, sub.carrier, True)  # type: ignore[attr-defined]
                    _touch(undos, sub.target, True)  # type: ignore[attr-defined]
                    await self._do_unstack(sub)  # type: ignore[arg-type]
                elif kind is NoopCommand:
                    pass
                else:  # get_data, get_state_by_id, get_state_by_labels
                    handler = self._handlers.get(kind)
                    if handler is None:
                        raise UsageError(f"unknown command {kind.__name__} inside commit")
                    _touch(undos, sub.ctx, True)  # type: ignore[attr-defined]
                    await handler(sub)
        except BaseException:
            _restore(undos, data_undo)
            raise
        if delays:
            # A delay committed with its own state snapshots the version this commit
            # writes, wherever it is listed: the commit is one step, not a sequence.
            follows = [index.get(entry.state.id, -1) for entry in delays]
            for entry, at in zip(delays, follows, strict=True):
                if entry.commit and at >= 0:
                    in_flight[at] = False  # waiting on its delay, not in flight
        else:
            follows = []
        firing = None
        if self._firing and not consume and states:
            firing = _FIRING.get()
            if firing is not None and firing.seq:
                consume = firing.seq  # the plain delay this flow runs for goes with it
            else:
                firing = None
        request = CommitRequest(
            states,
            expected,
            in_flight,
            datas,
            delays,
            follows,
            self._now(),
            consume,
            finalize_stacks(stacks, ctxs) if stacks else None,
        )
        try:
            ticket = await self.driver.commit(request)
        except BaseException:
            _restore(undos, data_undo)
            raise
        if firing is not None:
            firing.seq = 0
        stored_states = request.states  # one per ctx, in order (zip(strict=True) costs 0.3 us)
        for i, ctx in enumerate(ctxs):
            stored = stored_states[i]
            cur = ctx.current
            cur.rev = stored.rev
            cur.committed_at = stored.committed_at
            ctx.committed = stored
            ctx.transitions.clear()
        if delays:
            for delay_cmd, entry in zip(delay_cmds, delays, strict=True):
                delay_cmd.result = entry.state
                self._arm(entry.at)
            self._delays_added += len(delays)
        if self._recovery_enabled:
            self._observe(request)
        return ticket

    def _observe(self, request: CommitRequest) -> None:
        """Crash-recovery bookkeeping of the versions this engine just committed."""
        tracker = self._recovery
        before = tracker.next_at()
        in_flight = request.in_flight  # one per state, in order
        for i, state in enumerate(request.states):
            tracker.observe(state, in_flight[i])
        if request.delays:
            for entry, at in zip(request.delays, request.follows, strict=True):
                if entry.commit and at < 0:
                    tracker.waiting(entry.state.id, entry.state.rev)
        after = tracker.next_at()
        if after is not None and after != before:
            self._arm(after)

    # -- retries, recovery and take-over ---------------------------------------------------------

    async def _retry_later(
        self, ctx: StateCtx, flow_id: str, policy: RetryPolicy, exc: Exception
    ) -> None:
        """Commit the next attempt of `flow_id` on the last committed version (a version plus
        a committing delay), or the dead letter once `policy.attempts` have failed."""
        base = ctx.committed
        if base.rev == 0:
            raise exc  # nothing committed to go back to: the error is the caller's
        attempt = _int(base.transition.annotations.get(RETRY_ATTEMPT_ANNOTATION), 1)
        error = f"{type(exc).__name__}: {exc}"[:2000]
        retry = StateCtx.from_state(base)
        try:
            if attempt >= policy.attempts:
                log.warning(
                    "flow %r failed on state %r (attempt %d of %d), parked as a dead letter: %s",
                    flow_id, base.id, attempt, policy.attempts, error,
                )
                retry.current.labels[DEAD_LETTER] = flow_id
                await self._commit(
                    CommitCommand(
                        (
                            ParkCommand(
                                retry,
                                {
                                    RETRY_ATTEMPT_ANNOTATION: str(attempt),
                                    RETRY_ERROR_ANNOTATION: error,
                                    DEAD_LETTER: flow_id,
                                },
                            ),
                        )
                    )
                )
                return
            wait = policy.delay_after(attempt)
            log.warning(
                "flow %r failed on state %r (attempt %d of %d), retrying in %.3f s: %s",
                flow_id, base.id, attempt, policy.attempts, wait, error,
            )
            annotations = {
                RETRY_ATTEMPT_ANNOTATION: str(attempt + 1),
                RETRY_ERROR_ANNOTATION: error,
            }
            await self._commit(
                CommitCommand(
                    (
                        TransitCommand(retry, flow_id, annotations),
                        DelayCommand(retry, flow_id, None, wait, True, annotations),
                    )
                )
            )
        except RevMismatchError:
            log.debug("retry of %r not scheduled: the state moved on", base.id)

    async def _adopt(self) -> None:
        """The driver saw in-flight work nobody runs (its engine died or left): take it."""
        try:
            await self._take_over(await self.driver.adopt_orphans(self._now()))
        finally:
            self._adopting = False

    async def _take_over(self, states: list[State]) -> None:
        """Resume states left in flight: a committing delay due now for each (so concurrency
        limits apply and, on a shared store, one engine fires it), or, with `resume=False`,
        crash recovery after their `retry_after`."""
        if not states:
            return
        if not self._resume:
            for state in states:
                self._recovery.observe(state, True)
            nxt = self._recovery.next_at()
            if nxt is not None:
                self._arm(nxt)
            return
        now = self._now()
        for chunk in range(0, len(states), 500):
            cmds: list[Command] = []
            for state in states[chunk : chunk + 500]:
                annotations = dict(state.transition.annotations)
                annotations[RECOVERY_ATTEMPT_ANNOTATION] = str(recovery_attempt(state) + 1)
                annotations.pop(DELAY_UNTIL_ANNOTATION, None)
                cmds.append(
                    DelayCommand(
                        StateCtx.from_state(state), state.transition.to, now, 0.0, True,
                        annotations,
                    )
                )
            await self._commit(CommitCommand(tuple(cmds)))
            self._recovery.retried += len(cmds)
            self._recovery.resumed += len(cmds)
        log.info("resumed %d in-flight state(s)", len(states))

    async def _retry(self, state: State) -> None:
        """Crash recovery: `state` saw no commit within its retry_after."""
        attempt = recovery_attempt(state) + 1
        ctx = StateCtx.from_state(state)
        annotations = dict(state.transition.annotations)
        annotations[RECOVERY_ATTEMPT_ANNOTATION] = str(attempt)
        try:
            if attempt > max_recovery_attempts(state):
                await self._commit(CommitCommand((ParkCommand(ctx, annotations),)))
                self._recovery.dropped += 1
                return
            await self._commit(
                CommitCommand((TransitCommand(ctx, state.transition.to, annotations),))
            )
        except RevMismatchError:
            return
        self._recovery.retried += 1
        await self.execute(ctx)

    # -- tasks -----------------------------------------------------------------------------------

    def _spawn(self, coro: Coroutine[Any, Any, None], name: str) -> None:
        if self._stopping or not self._started:
            coro.close()
            raise UsageError("the engine is not running: cannot start an execution")
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            self._failed_executions += 1
            log.error("%s failed", task.get_name(), exc_info=exc)

    # -- timer: delays and recovery ------------------------------------------------------------

    def _next_due(self) -> float | None:
        at = self.driver.next_delay_at()
        if self._recovery_enabled:
            rec = self._recovery.next_at()
            if rec is not None and (at is None or rec < at):
                at = rec
        return at

    def _arm(self, at: float) -> None:
        fut = self._timer_fut
        if fut is None:
            # the timer is busy firing (it may be waiting for the store): look again after
            if self._missed is None or at < self._missed:
                self._missed = at
        elif self._timer_target is None or at < self._timer_target:
            _resolve(fut)

    async def _timer_loop(self) -> None:
        """One task sleeping until the next due delay or recovery retry; commits that add an
        earlier deadline wake it. The wall clock uses a bare loop timer (no task per sleep)."""
        loop = asyncio.get_running_loop()
        clock = self.clock
        real = isinstance(clock, RealClock)
        while True:
            self._missed = None
            await self._fire_due(clock.now())
            due = self._next_due()
            missed = self._missed
            if missed is not None and (due is None or missed < due):
                due = missed
            if due is not None and due <= clock.now():
                await asyncio.sleep(0)
                continue
            self._timer_target = due
            fut: asyncio.Future[None] = loop.create_future()
            self._timer_fut = fut
            handle: asyncio.TimerHandle | None = None
            sleeper: asyncio.Future[None] | None = None
            if due is not None:
                if real:
                    handle = loop.call_later(timer_wait(due - clock.now()), _resolve, fut)
                else:
                    sleeper = asyncio.ensure_future(clock.sleep_until(due))
                    sleeper.add_done_callback(lambda _, f=fut: _resolve(f))  # type: ignore[misc]
            try:
                await fut
            finally:
                self._timer_fut = None
                if handle is not None:
                    handle.cancel()
                if sleeper is not None and not sleeper.done():
                    sleeper.cancel()

    async def _fire_due(self, now: float) -> None:
        if self._stopping:
            return
        limits = self.registry.concurrency_limits()
        free = (
            {flow: limit - self._running.get(flow, 0) for flow, limit in limits.items()}
            if limits
            else limits
        )
        try:
            entries = await self.driver.claim_due_delays(now, free, self.registry.flow_ids())
        except FlowstateError:
            log.exception("claiming due delays failed; retrying at the next wake-up")
            entries = []
        for entry in entries:
            flow = entry.state.transition.to
            if flow in limits:
                self._running[flow] = self._running.get(flow, 0) + 1
            self._spawn(self._run_delay(entry, flow in limits), f"delayed {entry.state.id}")
        if self._recovery_enabled:
            for state in self._recovery.pop_due(now):
                self._spawn(self._retry(state), f"recovery {state.id}")

    async def _run_delay(self, entry: DelayedEntry, limited: bool) -> None:
        """Fire one claimed delay: its rev-checked commit (or just its removal), then run."""
        try:
            snapshot = entry.state
            ctx = StateCtx(snapshot.copy(), _committed_for(snapshot))
            if entry.commit:
                to = snapshot.transition
                annotations = dict(to.annotations)
                if recovery_attempt(snapshot) > max_recovery_attempts(snapshot):
                    # resumed more often than its max attempts: park it instead
                    command: Command = ParkCommand(ctx, annotations)
                else:
                    command = TransitCommand(ctx, to.to, annotations)
                try:
                    await self._commit(CommitCommand((command,)), consume=entry.seq)
                except DelayClaimLostError:
                    self._delays_dropped += 1
                    return
                except FlowstateError as exc:
                    if not isinstance(exc, RevMismatchError):
                        log.exception("delay %s of %r could not commit", entry.seq, snapshot.id)
                    self._delays_dropped += 1
                    await self._void(entry)
                    return
                if type(command) is ParkCommand:
                    self._recovery.dropped += 1
                    return
            elif not getattr(self.driver, "delay_claims_final", False):
                try:
                    await self._void(entry)
                except DelayClaimLostError:
                    return
            else:
                # A claim nobody can take back (one process owns the store): the delay's
                # removal rides on the first commit its flow makes (a tick is one store
                # write, not two), or is written on its own if the flow commits nothing.
                self._delays_fired += 1
                firing = _Firing(entry.seq)
                token = _FIRING.set(firing)
                self._firing += 1
                try:
                    await self.execute(ctx)
                finally:
                    self._firing -= 1
                    _FIRING.reset(token)
                    if firing.seq:
                        firing.seq = 0  # (a task the flow started must not take it again)
                        await self._void(entry)
                return
            self._delays_fired += 1
            await self.execute(ctx)
        finally:
            if limited:
                flow = entry.state.transition.to
                self._running[flow] -= 1
                self._arm(self.clock.now())

    async def _void(self, entry: DelayedEntry) -> None:
        """Remove a claimed delay without firing it (or after it could not fire)."""
        await self.driver.commit(CommitRequest([], [], [], [], [], [], self._now(), entry.seq))


class _Firing:
    """The plain delay a flow is running for, until a commit of that flow takes its removal
    along (`seq` 0 then)."""

    __slots__ = ("seq",)

    def __init__(self, seq: int) -> None:
        self.seq = seq


_FIRING: contextvars.ContextVar[_Firing | None] = contextvars.ContextVar(
    "flowstate_firing", default=None)


def _int(raw: str | None, default: int) -> int:
    try:
        return int(raw) if raw else default
    except ValueError:
        return default


def timer_wait(seconds: float) -> float:
    """A wall-clock wait for the timer loop, rounded up to whole milliseconds: event-loop
    timers count milliseconds (uvloop's libuv rounds a wait to the nearest one), so a wait of
    under half a millisecond would come back at once, over and over until the deadline: a
    busy loop. Rounded up, a delay fires at most a millisecond late, never early."""
    if seconds <= 0.0:
        return 0.0
    return math.ceil(seconds * 1000.0) / 1000.0


def _resolve(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_result(None)


async def _nothing(cmd: Command) -> None:
    return None


def _touch(undos: dict[int, Undo], ctx: StateCtx, deep: bool = False) -> StateCtx:
    """Note what a commit is about to change on `ctx` (once per ctx), to undo it on failure."""
    undo = undos.get(id(ctx))
    if undo is None:
        undo = undos[id(ctx)] = Undo(ctx)
    if deep:
        undo.deep()
    return ctx


def _restore(undos: dict[int, Undo], data_undo: list[tuple[Data, int, Any]]) -> None:
    """Put back every ctx (and data) a failed commit touched."""
    for undo in undos.values():
        undo.restore()
    for data, old_rev, old_stored in reversed(data_undo):
        data.rev = old_rev
        data._stored = old_stored


def _set_transition(ctx: StateCtx, to: str, annotations: dict[str, str] | None) -> None:
    ctx.transitions.append(ctx.current.transition)
    ctx.current.transition = Transition(to, dict(annotations) if annotations else {})


def _load(ctx: StateCtx, state: State) -> None:
    ctx.current = state.copy()
    ctx.committed = state
    ctx.transitions.clear()


def _committed_for(snapshot: State) -> State:
    """The committed version a delayed snapshot was taken from (only its rev is checked)."""
    if snapshot.rev == 0:
        return State()
    return State(
        snapshot.id, snapshot.rev, FrozenDict(snapshot.labels), FrozenDict(snapshot.annotations)
    )


def _continuation(cmd: Command) -> StateCtx | None:
    kind = type(cmd)
    if isinstance(cmd, TransitCommand):
        return cmd.ctx
    if isinstance(cmd, CommitCommand):
        transits = [c for c in cmd.commands if isinstance(c, TransitCommand)]
        return transits[0].ctx if len(transits) == 1 else None
    if kind in (ParkCommand, DelayCommand, NoopCommand):
        return None
    raise UsageError(
        f"a flow returned {kind.__name__}: flows return transit, park, delay, noop, "
        "execute or commit"
    )
