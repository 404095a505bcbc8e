"""`Engine`: runs commands and flows over a `MemoryDriver`, owns the timer, recovery,
watchers and every task it starts."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from flowstate.clock import Clock, RealClock
from flowstate.commands import (
    DELAY_COMMIT_ANNOTATION,
    DELAY_UNTIL_ANNOTATION,
    RECOVERY_ATTEMPT_ANNOTATION,
    Command,
    CommitCommand,
    DelayCommand,
    ExecuteCommand,
    GetDataCommand,
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
)
from flowstate.driver import MemoryDriver
from flowstate.errors import FlowstateError, NotFoundError, RevMismatchError, UsageError
from flowstate.recovery import RecoveryStats, RecoveryTracker
from flowstate.registry import FlowRegistry
from flowstate.snapshots import CommitBatch, DelayedEntry
from flowstate.state import DATA_ANNOTATION_PREFIX, Data, FrozenDict, State, StateCtx, Transition
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


class _Undo:
    """What a commit changed on one ctx, to put back if the commit fails.

    Transit and park only replace fields, so the cheap record suffices; commands that edit
    maps (data, stack, loads) call `deep()` first to save copies of them.
    """

    __slots__ = (
        "annotations",
        "committed",
        "committed_at",
        "ctx",
        "current",
        "datas",
        "id",
        "labels",
        "rev",
        "transition",
        "transitions",
    )

    def __init__(self, ctx: StateCtx) -> None:
        cur = ctx.current
        self.ctx = ctx
        self.current = cur
        self.id = cur.id
        self.rev = cur.rev
        self.committed_at = cur.committed_at
        self.transition = cur.transition
        self.committed = ctx.committed
        self.transitions = list(ctx.transitions) if ctx.transitions else None
        self.labels: dict[str, str] | None = None
        self.annotations: dict[str, str] | None = None
        self.datas: dict[str, Data] | None = None

    def deep(self) -> None:
        if self.labels is None:
            self.labels = dict(self.current.labels)
            self.annotations = dict(self.current.annotations)
            self.datas = dict(self.ctx.datas)

    def restore(self) -> None:
        ctx, cur = self.ctx, self.current
        ctx.current = cur
        cur.id, cur.rev, cur.committed_at, cur.transition = (
            self.id,
            self.rev,
            self.committed_at,
            self.transition,
        )
        if self.labels is not None and self.annotations is not None and self.datas is not None:
            cur.labels.clear()
            cur.labels.update(self.labels)
            cur.annotations.clear()
            cur.annotations.update(self.annotations)
            ctx.datas.clear()
            ctx.datas.update(self.datas)
        ctx.committed = self.committed
        ctx.transitions[:] = self.transitions or ()


class Engine:
    """The flowstate engine. Use as `async with Engine(driver, registry) as engine:`."""

    def __init__(
        self,
        driver: MemoryDriver,
        registry: FlowRegistry,
        *,
        clock: Clock | None = None,
        recovery: bool = True,
        durability: str = "default",
        watcher_buffer: int = 10_000,
        shutdown_timeout: float = 10.0,
    ) -> None:
        if not isinstance(driver, MemoryDriver):
            raise UsageError(f"driver must be a MemoryDriver, got {type(driver).__name__}")
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
        self._recovery = RecoveryTracker()
        self._hub = WatcherHub(driver)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._timer_task: asyncio.Task[None] | None = None
        self._timer_fut: asyncio.Future[None] | None = None
        self._timer_target: float | None = None
        self._started = False
        self._stopping = False
        self._delays_added = 0
        self._delays_fired = 0
        self._delays_dropped = 0
        self._failed_executions = 0
        self._last_commit_at = 0.0
        self._handlers: dict[type, Callable[[Any], Any]] = {
            TransitCommand: self._do_transit,
            ParkCommand: self._do_park,
            NoopCommand: _nothing,
            StackCommand: self._do_stack,
            UnstackCommand: self._do_unstack,
            StoreDataCommand: self._do_store_data,
            GetDataCommand: self._do_get_data,
            GetStateByIDCommand: self._do_get_state_by_id,
            GetStateByLabelsCommand: self._do_get_state_by_labels,
            GetStatesCommand: self._do_get_states,
            DelayCommand: self._do_delay,
            ExecuteCommand: self._do_execute,
        }

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        if self._started:
            return
        await self.driver.open()
        self._last_commit_at = self.driver.last_committed_at
        self._started = True
        self._stopping = False
        if self._recovery_enabled:
            for state in sorted(self.driver.latest_states(), key=lambda s: s.rev):
                self._recovery.observe(state)
            self._recovery.added = 0
            self._recovery.completed = 0
        self._timer_task = asyncio.get_running_loop().create_task(
            self._timer_loop(), name="flowstate-timer"
        )
        add_hook = getattr(self.clock, "add_idle_hook", None)
        if add_hook is not None:
            add_hook(self.wait_idle)

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
                if asyncio.current_task() is not None and asyncio.current_task().cancelling():  # type: ignore[union-attr]
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
        """Run flows on ctx until one parks, delays or returns noop."""
        if not isinstance(ctx, StateCtx):
            raise UsageError(f"execute() takes a StateCtx, got {type(ctx).__name__}")
        self._check_running()
        if not ctx.current.id:
            raise UsageError("state id is empty")
        while not self._stopping:
            to = ctx.current.transition.to
            if not to:
                raise UsageError(
                    f"state {ctx.current.id!r} has an empty transition: nothing to execute"
                )
            flow = self.registry.flow(to)
            cmd = await flow(ctx, self)
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
        commits itself uses it to watch only for versions somebody else wrote.
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

        "Can make progress" means the event loop has callbacks ready to run: a flow blocked
        on something that has not happened (a watcher, a lock, a socket) counts as idle, as
        with trio's autojump clock. On loops that do not expose their ready queue, waits for
        every engine-owned task to finish instead.
        """
        clock = self.clock
        loop = asyncio.get_running_loop()
        ready = getattr(loop, "_ready", None)
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
            due = self._next_due()
            if self._started and not self._stopping and due is not None and due <= clock.now():
                continue
            return

    # -- command dispatch ----------------------------------------------------------------------

    async def _do(self, cmd: Command) -> None:
        if type(cmd) is CommitCommand:
            ticket = self._commit(cmd)
            if ticket and (
                cmd.durable or self.durability == "strict" or self.driver.durability == "strict"
            ):
                await self.driver.wait_durable(ticket)
            return
        handler = self._handlers.get(type(cmd))
        if handler is None:
            raise UsageError(f"unknown command {type(cmd).__name__}")
        handler(cmd)

    def _now(self) -> float:
        """Commit time: the clock in whole milliseconds, never earlier than the last commit."""
        now = round(self.clock.now(), 3)
        last = self._last_commit_at
        if now < last:
            return last
        self._last_commit_at = now
        return now

    def _do_transit(self, cmd: TransitCommand) -> None:
        _set_transition(cmd.ctx, cmd.to, cmd.annotations)

    def _do_park(self, cmd: ParkCommand) -> None:
        _set_transition(cmd.ctx, "", cmd.annotations)

    def _do_stack(self, cmd: StackCommand) -> None:
        if cmd.carrier.current.annotations.get(cmd.annotation):
            raise UsageError(f"stack annotation {cmd.annotation!r} is already set")
        cmd.carrier.current.annotations[cmd.annotation] = cmd.stacked.dumps()

    def _do_unstack(self, cmd: UnstackCommand) -> None:
        raw = cmd.carrier.current.annotations.get(cmd.annotation)
        if not raw:
            raise UsageError(f"stack annotation {cmd.annotation!r} is empty: nothing to unstack")
        restored = StateCtx.loads(raw)
        target = cmd.target
        target.current, target.committed = restored.current, restored.committed
        target.transitions[:] = restored.transitions
        cmd.carrier.current.annotations[cmd.annotation] = ""

    def _do_store_data(self, cmd: StoreDataCommand) -> None:
        batch = CommitBatch()
        self._stage_store_data(cmd, batch, None)
        if batch.datas:
            self.driver.apply(batch)

    def _stage_store_data(
        self, cmd: StoreDataCommand, batch: CommitBatch, undo: list[tuple[Data, int, Any]] | None
    ) -> None:
        data = cmd.ctx.data(cmd.alias)
        if data.is_dirty():
            if undo is not None:
                undo.append((data, data.rev, data._stored))
            data.rev = self.driver.data_rev + len(batch.datas) + 1
            batch.datas.append((data.rev, data.blob, dict(data.annotations)))
            data.mark_stored()
        cmd.ctx.current.annotations[DATA_ANNOTATION_PREFIX + cmd.alias] = str(data.rev)

    def _do_get_data(self, cmd: GetDataCommand) -> None:
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
        stored = self.driver.get_data(rev)
        if stored is None:
            raise NotFoundError(f"data {cmd.alias!r} rev {rev}")
        data = Data(stored[0], dict(stored[1]), rev)
        data.mark_stored()
        cmd.ctx.datas[cmd.alias] = data

    def _do_get_state_by_id(self, cmd: GetStateByIDCommand) -> None:
        state = self.driver.get(cmd.id, cmd.rev)
        if state is None:
            raise NotFoundError(f"state {cmd.id!r}" + (f" rev {cmd.rev}" if cmd.rev else ""))
        _load(cmd.ctx, state)

    def _do_get_state_by_labels(self, cmd: GetStateByLabelsCommand) -> None:
        state = self.driver.latest_by_labels(cmd.labels)
        if state is None:
            raise NotFoundError(f"state with labels {cmd.labels}")
        _load(cmd.ctx, state)

    def _do_get_states(self, cmd: GetStatesCommand) -> None:
        cmd.result = self.driver.query(cmd)

    def _do_delay(self, cmd: DelayCommand) -> None:
        batch = CommitBatch()
        entry = self._stage_delay(cmd, batch)
        self.driver.apply(batch)
        cmd.result = entry.state
        self._delays_added += 1
        self._arm(entry.at)

    def _stage_delay(self, cmd: DelayCommand, batch: CommitBatch) -> DelayedEntry:
        if not cmd.ctx.current.id:
            raise UsageError("state id is empty")
        at = cmd.at if cmd.at is not None else round(self.clock.now() + cmd.seconds, 3)
        annotations = dict(cmd.annotations or {})
        annotations[DELAY_UNTIL_ANNOTATION] = repr(at)
        if not cmd.commit:
            annotations[DELAY_COMMIT_ANNOTATION] = "false"
        snapshot = cmd.ctx.current.copy()
        snapshot.transition = Transition(cmd.to, annotations)
        entry = DelayedEntry(
            self.driver.delay_seq + len(batch.delays_added) + 1, at, snapshot.frozen(), cmd.commit
        )
        batch.delays_added.append(entry)
        return entry

    def _do_execute(self, cmd: ExecuteCommand) -> None:
        self._spawn(self.execute(cmd.ctx.copy()), f"execute {cmd.ctx.current.id}")

    # -- the atomic commit ---------------------------------------------------------------------

    def _commit(self, cmd: CommitCommand) -> int:
        """Apply every sub-command or none. Returns the persistence ticket."""
        driver = self.driver
        undos: dict[int, _Undo] = {}
        data_undo: list[tuple[Data, int, Any]] = []
        delay_cmds: list[tuple[DelayCommand, DelayedEntry]] = []
        batch = CommitBatch()
        seen: set[str] = set()
        conflicts: list[str] = []
        now = self._now()
        rev = driver.head_rev

        def touch(ctx: StateCtx, deep: bool = False) -> StateCtx:
            undo = undos.get(id(ctx))
            if undo is None:
                undo = undos[id(ctx)] = _Undo(ctx)
            if deep:
                undo.deep()
            return ctx

        try:
            for sub in cmd.commands:
                kind = type(sub)
                if kind is TransitCommand or kind is ParkCommand:
                    ctx = touch(sub.ctx)  # type: ignore[attr-defined]
                    to = sub.to if kind is TransitCommand else ""  # type: ignore[attr-defined]
                    _set_transition(ctx, to, sub.annotations)  # type: ignore[attr-defined]
                    cur = ctx.current
                    if not cur.id:
                        raise UsageError("state id is empty")
                    if cur.id in seen:
                        raise UsageError(f"state {cur.id!r} is committed twice in one commit")
                    seen.add(cur.id)
                    if ctx.committed.rev < 0:
                        raise UsageError(
                            f"state {cur.id!r}: committed rev {ctx.committed.rev} is negative"
                        )
                    if driver.latest_rev(cur.id) != ctx.committed.rev:
                        conflicts.append(cur.id)
                        continue
                    rev += 1
                    cur.rev = rev
                    cur.committed_at = now
                    stored = cur.frozen()
                    batch.states.append(stored)
                    ctx.committed = stored
                    ctx.transitions.clear()
                elif kind is DelayCommand:
                    delay_cmds.append((sub, self._stage_delay(sub, batch)))  # type: ignore[arg-type]
                elif kind is StoreDataCommand:
                    touch(sub.ctx, True)  # type: ignore[attr-defined]
                    self._stage_store_data(sub, batch, data_undo)  # type: ignore[arg-type]
                elif kind is StackCommand:
                    touch(sub.carrier, True)  # type: ignore[attr-defined]
                    self._do_stack(sub)  # type: ignore[arg-type]
                elif kind is UnstackCommand:
                    touch(sub.carrier, True)  # type: ignore[attr-defined]
                    touch(sub.target, True)  # type: ignore[attr-defined]
                    self._do_unstack(sub)  # type: ignore[arg-type]
                elif kind is NoopCommand:
                    pass
                else:  # get_data, get_state_by_id, get_state_by_labels
                    handler = self._handlers.get(kind)
                    if handler is None:
                        raise UsageError(f"unknown command {kind.__name__} inside commit")
                    touch(sub.ctx, True)  # type: ignore[attr-defined]
                    handler(sub)
            if conflicts:
                raise RevMismatchError(conflicts)
            if delay_cmds and batch.states:
                # A delay committed with its own state snapshots the version this commit
                # writes, wherever it is listed: the commit is one step, not a sequence.
                written = {state.id: state for state in batch.states}
                for n, (delay_cmd, entry) in enumerate(delay_cmds):
                    version = written.get(entry.state.id)
                    if version is not None and entry.state.rev != version.rev:
                        snapshot = entry.state.copy()
                        snapshot.rev = version.rev
                        snapshot.committed_at = version.committed_at
                        fixed = DelayedEntry(entry.seq, entry.at, snapshot.frozen(), entry.commit)
                        batch.delays_added[batch.delays_added.index(entry)] = fixed
                        delay_cmds[n] = (delay_cmd, fixed)
        except BaseException:
            for undo in undos.values():
                undo.restore()
            for data, old_rev, old_stored in reversed(data_undo):
                data.rev = old_rev
                data._stored = old_stored
            raise
        ticket = driver.apply(batch)
        for delay_cmd, entry in delay_cmds:
            delay_cmd.result = entry.state
            self._delays_added += 1
            self._arm(entry.at)
        if batch.states:
            self._after_commit(batch.states)
        return ticket

    def _after_commit(self, states: list[State]) -> None:
        self._hub.publish(states)
        if self._recovery_enabled:
            before = self._recovery.next_at()
            for state in states:
                self._recovery.observe(state)
            after = self._recovery.next_at()
            if after is not None and after != before:
                self._arm(after)

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
        if fut is not None and (self._timer_target is None or at < self._timer_target):
            _resolve(fut)

    async def _timer_loop(self) -> None:
        """One task sleeping until the next due delay or recovery retry; commits that add an
        earlier deadline wake it. The wall clock uses a bare loop timer (no task per sleep)."""
        loop = asyncio.get_running_loop()
        clock = self.clock
        real = isinstance(clock, RealClock)
        while True:
            self._fire_due(clock.now())
            due = self._next_due()
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
                    handle = loop.call_later(max(0.0, due - clock.now()), _resolve, fut)
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

    def _fire_due(self, now: float) -> None:
        if self._stopping:
            return
        for entry in self.driver.pop_due_delays(now):
            self._fire_delay(entry)
        if self._recovery_enabled:
            for state in self._recovery.pop_due(now):
                self._retry(state)

    def _fire_delay(self, entry: DelayedEntry) -> None:
        ctx = StateCtx(entry.state.copy(), _committed_for(entry.state))
        if entry.commit:
            to = entry.state.transition
            try:
                self._commit(CommitCommand((TransitCommand(ctx, to.to, dict(to.annotations)),)))
            except RevMismatchError:
                self._delays_dropped += 1
                return
            except FlowstateError:
                log.exception("delay %s of state %r could not commit", entry.seq, entry.state.id)
                self._delays_dropped += 1
                return
        self._delays_fired += 1
        self._spawn(self.execute(ctx), f"delayed {entry.state.id}")

    def _retry(self, state: State) -> None:
        attempt = recovery_attempt(state) + 1
        ctx = StateCtx.from_state(state)
        annotations = dict(state.transition.annotations)
        annotations[RECOVERY_ATTEMPT_ANNOTATION] = str(attempt)
        try:
            if attempt > max_recovery_attempts(state):
                self._commit(CommitCommand((ParkCommand(ctx, annotations),)))
                self._recovery.dropped += 1
                return
            self._commit(CommitCommand((TransitCommand(ctx, state.transition.to, annotations),)))
        except RevMismatchError:
            return
        self._recovery.retried += 1
        self._spawn(self.execute(ctx), f"recovery {state.id}")


def _resolve(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_result(None)


def _nothing(cmd: Command) -> None:
    return None


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
