"""`MemoryDriver`: the in-process store and the engine's source of truth while running.

Indexes (nothing scans the whole log):
- latest version by state id (a dict);
- the retained history as a list indexed by rev (revs are contiguous: failed commits consume
  none), so `since_rev` is O(1) and `since_time` a bisect (commit times never decrease);
- by label: for each `(key, value)` the ascending revs that carry it;
- pending delays by due time (a heap) and by sequence number.

History is boundable: with `history_limit=N` only the newest N versions are kept, plus the
latest version of every state. Queries that need older versions raise `HistoryTrimmedError`.

Archived states (`mark_archived`) leave memory: with a bounded history and a snapshot backend
that can read back (`ColdStore`, as `SqliteSnapshots`), a state whose latest version is
archived, parked, references no data, is older than the retained history and is on disk is
dropped from memory at the next commit; only its `(id, rev)` stays, for the rev check. Reads
by id and `latest_only` queries over the trimmed history read it from the file; the
synchronous twins (`get`, `query`, `latest_states`) see only what is in memory. A start loads
archived states' `(id, rev)` only.

It implements `Driver` (`flowstate/driver.py`) with coroutines that never suspend, and keeps
synchronous twins of its reads (`get`, `query`, `latest_states`, ...) for tests and tools.
One process owns it: with `snapshots`, the file is locked to this process while open.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Collection, Iterable, Iterator, Mapping
from heapq import merge

from flowstate.commands import (
    GetDelayedStatesCommand,
    GetDelayedStatesResult,
    GetStatesCommand,
    GetStatesResult,
    archived,
    labels_match,
    recovery_enabled,
)
from flowstate.driver import CommitRequest, DriverEvents
from flowstate.errors import HistoryTrimmedError, RevMismatchError, UsageError
from flowstate.snapshots import ColdStore, CommitBatch, DelayedEntry, Loaded, Snapshots
from flowstate.state import DATA_ANNOTATION_PREFIX as DATA_PREFIX
from flowstate.state import FrozenDict, State, seal

__all__ = ["MemoryDriver"]


class _RevList:
    """Ascending revs with a moving start (the front is trimmed as history is dropped)."""

    __slots__ = ("revs", "start")

    def __init__(self) -> None:
        self.revs: list[int] = []
        self.start = 0

    def __len__(self) -> int:
        return len(self.revs) - self.start

    def drop_front(self, rev: int) -> None:
        if self.start < len(self.revs) and self.revs[self.start] == rev:
            self.start += 1
            if self.start > 64 and self.start * 2 > len(self.revs):
                del self.revs[: self.start]
                self.start = 0

    def after(self, rev: int) -> Iterator[int]:
        revs = self.revs
        i = bisect_right(revs, rev, self.start)
        while i < len(revs):
            yield revs[i]
            i += 1


class MemoryDriver:
    def __init__(
        self, *, history_limit: int | None = None, snapshots: Snapshots | None = None
    ) -> None:
        if history_limit is not None and history_limit < 1:
            raise UsageError(f"history_limit must be >= 1 or None, got {history_limit}")
        self.history_limit = history_limit
        self.snapshots = snapshots
        self._head = 0  # last state rev
        self._data_rev = 0  # the greatest stored data rev
        self._data_reserved = 0  # the greatest data rev handed out by next_data_rev
        self._delay_seq = 0
        self._latest: dict[str, State] = {}
        self._log: list[State] = []
        self._log_start = 0  # index in _log of the oldest retained version
        self._first_rev = 1  # rev of _log[_log_start]
        self._by_label: dict[tuple[str, str], _RevList] = {}
        self._datas: dict[int, tuple[bytes, FrozenDict]] = {}
        self._data_refs: dict[int, int] = {}
        self._delays: dict[int, DelayedEntry] = {}
        # committing delays by state id: a commit of that state makes them unable to fire
        self._commit_delays: dict[str, set[int]] = {}
        self._heap_stale = 0
        self.delays_pruned = 0
        self._delay_heap: list[tuple[float, int]] = []
        # due delays of flows at their concurrency limit: still pending, claimed later
        self._waiting: dict[str, deque[int]] = {}
        self._last_at = 0.0  # commit times never decrease
        # archived states out of memory: id -> rev of the latest version (on disk only)
        self._cold: dict[str, int] = {}
        # archived latest versions waiting to leave memory: (snapshot ticket, rev, id)
        self._archiving: deque[tuple[int, int, str]] = deque()
        self._cold_store: ColdStore | None = (
            snapshots if snapshots is not None and hasattr(snapshots, "read_cold") else None  # type: ignore[assignment]
        )
        self._events: DriverEvents | None = None
        self._opened = False
        self._loaded = False

    # -- lifecycle -------------------------------------------------------------------------

    async def open(self, events: DriverEvents | None = None) -> None:
        """Open (loading the snapshot file on the first open) and publish to `events`.

        A driver whose engine stopped can be opened again by the next engine: it keeps
        everything in memory (that is how the memory-only driver "restarts")."""
        self._events = events
        if self._opened:
            return
        self._opened = True
        if self.snapshots is None or self._loaded:
            return
        try:
            loaded = await self.snapshots.open()
        except BaseException:
            self._opened = False
            raise
        self._restore(loaded)
        self._loaded = True
        self._last_at = max(self._last_at, self.last_committed_at)

    async def close(self) -> None:
        self._events = None
        if self.snapshots is not None and self._opened:
            await self.snapshots.close()
        self._opened = False

    #: a claimed delay is this engine's for good (one process owns the store): the engine
    #: may write its removal with the commit its flow makes
    delay_claims_final = True

    @property
    def busy(self) -> bool:
        return False

    async def settle(self) -> None:
        return None

    @property
    def durability(self) -> str:
        """What the snapshot backend asks for: with "strict" every commit waits for disk."""
        mode = getattr(self.snapshots, "durability", "default")
        return mode if isinstance(mode, str) else "default"

    @property
    def healthy(self) -> bool:
        return self.snapshots.healthy if self.snapshots is not None else True

    def _restore(self, loaded: Loaded) -> None:
        for state in loaded.latest:
            self._latest[state.id] = state
        history = loaded.history
        if history:
            self._first_rev = history[0].rev
            for i, state in enumerate(history):
                if state.rev != self._first_rev + i:
                    raise UsageError(
                        f"loaded history is not contiguous at rev {state.rev} "
                        f"(expected {self._first_rev + i})"
                    )
                self._log.append(state)
                self._index(state)
                self._ref_datas(state, +1)
                self._latest[state.id] = state
        self._head = max(loaded.head_rev, history[-1].rev if history else 0)
        if not history:
            self._first_rev = self._head + 1
        for rev, blob, anns in loaded.datas:
            self._datas[rev] = (blob, FrozenDict(anns))
        for state in self._latest.values():
            if state.rev < self._first_rev:
                self._ref_datas(state, +1)
        self._data_rev = max([loaded.data_rev, *self._datas.keys()])
        for entry in loaded.delays:
            self._delays[entry.seq] = entry
            heapq.heappush(self._delay_heap, (entry.at, entry.seq))
            if entry.commit:
                self._commit_delays.setdefault(entry.state.id, set()).add(entry.seq)
        self._delay_seq = max([loaded.delay_seq, *self._delays.keys()])
        self._cold.update(loaded.cold)  # left on disk by the backend
        if self._cold_store is not None and self.history_limit is not None:
            for state in sorted(self._latest.values(), key=lambda s: s.rev):
                if archived(state):
                    self._archiving.append((0, state.rev, state.id))

    # -- counters ----------------------------------------------------------------------------

    @property
    def head_rev(self) -> int:
        return self._head

    @property
    def data_rev(self) -> int:
        return self._data_rev

    @property
    def delay_seq(self) -> int:
        return self._delay_seq

    @property
    def oldest_rev(self) -> int:
        """The oldest version still in the history (head + 1 when the history is empty)."""
        return self._first_rev

    @property
    def last_committed_at(self) -> float:
        return self._log[-1].committed_at if len(self._log) > self._log_start else 0.0

    # -- reads -------------------------------------------------------------------------------

    def latest_rev(self, id: str) -> int:
        state = self._latest.get(id)
        return state.rev if state is not None else self._cold.get(id, 0)

    @property
    def resident_states(self) -> int:
        """States whose latest version is in memory."""
        return len(self._latest)

    @property
    def archived_states(self) -> int:
        """Archived states out of memory (their latest version is on disk only)."""
        return len(self._cold)

    def get(self, id: str, rev: int = 0) -> State | None:
        latest = self._latest.get(id)
        if rev == 0 or latest is None or latest.rev == rev:
            return latest if rev == 0 or latest is not None else None
        if rev < self._first_rev or rev > self._head:
            return None
        state = self._log[self._log_start + rev - self._first_rev]
        return state if state.id == id else None

    def latest_states(self) -> Iterable[State]:
        return self._latest.values()

    def latest_by_labels(self, labels: dict[str, str]) -> State | None:
        """The most recent version carrying all `labels` (within retained history)."""
        return self.latest_by_labels_any((labels,) if labels else ())

    def latest_by_labels_any(
        self, ors: tuple[dict[str, str], ...], max_rev: int | None = None
    ) -> State | None:
        """The most recent retained version (at most `max_rev`) matching an OR of ANDs
        (() matches all)."""
        for rev in self._revs_desc(ors):
            if max_rev is None or rev <= max_rev:
                return self._at(rev)
        return None

    def _at(self, rev: int) -> State:
        return self._log[self._log_start + rev - self._first_rev]

    def _revs_desc(self, ors: tuple[dict[str, str], ...]) -> Iterator[int]:
        """Revs of retained versions matching `ors`, newest first."""
        if not ors:
            for i in range(len(self._log) - 1, self._log_start - 1, -1):
                yield self._log[i].rev
            return
        yield from self._revs_asc_reversed(ors)

    def _revs_asc_reversed(self, ors: tuple[dict[str, str], ...]) -> Iterator[int]:
        lists = []
        for ands in ors:
            rl = self._smallest(ands)
            if rl is not None:
                lists.append((ands, rl))
        heap: list[tuple[int, int, int]] = []  # (-rev, list index, position)
        for n, (_, rl) in enumerate(lists):
            if len(rl):
                heap.append((-rl.revs[-1], n, len(rl.revs) - 1))
        heapq.heapify(heap)
        last = -1
        while heap:
            neg, n, pos = heapq.heappop(heap)
            rl = lists[n][1]
            if pos - 1 >= rl.start:
                heapq.heappush(heap, (-rl.revs[pos - 1], n, pos - 1))
            rev = -neg
            if rev == last:
                continue
            if labels_match(ors, self._at(rev).labels):
                last = rev
                yield rev

    def _smallest(self, ands: dict[str, str]) -> _RevList | None:
        best: _RevList | None = None
        for pair in ands.items():
            rl = self._by_label.get(pair)
            if rl is None:
                return None
            if best is None or len(rl) < len(best):
                best = rl
        return best

    def query(self, cmd: GetStatesCommand) -> GetStatesResult:
        """Answer a `get_states` command from the indexes."""
        since = cmd.since_rev
        first: State | None = None
        if cmd.since_latest:
            latest = self.latest_by_labels_any(cmd.labels)
            if latest is None:
                return GetStatesResult([], False)
            since = latest.rev
            if cmd.since_time is None or latest.committed_at >= cmd.since_time:
                first = latest
        elif since < self._first_rev - 1:
            if cmd.latest_only:
                return self._query_latest(cmd, since)
            raise HistoryTrimmedError(since, self._first_rev)
        if cmd.since_time is not None:
            since = max(since, self._rev_before_time(cmd.since_time))
        limit = cmd.limit
        since_time = cmd.since_time
        ors = cmd.labels
        if cmd.latest_only:
            # The latest matching version of each state (as Go's drivers answer): re-inserting
            # keeps the dict ordered by each state's last matching rev.
            last: dict[str, State] = {}
            if first is not None:
                last[first.id] = first
            for rev in self._revs_after(ors, since):
                state = self._at(rev)
                if since_time is not None and state.committed_at < since_time:
                    continue
                if ors and not labels_match(ors, state.labels):
                    continue
                last.pop(state.id, None)
                last[state.id] = state
            found = list(last.values())
            return GetStatesResult(found[:limit], len(found) > limit)
        states: list[State] = [first] if first is not None else []
        for rev in self._revs_after(ors, since):
            state = self._at(rev)
            if since_time is not None and state.committed_at < since_time:
                continue
            if ors and not labels_match(ors, state.labels):
                continue
            states.append(state)
            if len(states) > limit:
                return GetStatesResult(states[:limit], True)
        return GetStatesResult(states, False)

    def _query_latest(self, cmd: GetStatesCommand, since: int) -> GetStatesResult:
        """`latest_only` over trimmed history: answered from the latest versions, which are
        always kept (a state whose latest version no longer matches is not returned)."""
        found = sorted(
            (s for s in self._latest.values() if s.rev > since and cmd.matches(s)),
            key=lambda s: s.rev,
        )
        return GetStatesResult(found[: cmd.limit], len(found) > cmd.limit)

    def _rev_before_time(self, since_time: float) -> int:
        """The last rev committed before `since_time` (so later ones are >= it)."""
        log = self._log
        i = bisect_left(log, since_time, lo=self._log_start, key=lambda s: s.committed_at)
        return log[i - 1].rev if i > self._log_start else self._first_rev - 1

    def _revs_after(self, ors: tuple[dict[str, str], ...], since: int) -> Iterator[int]:
        if not ors:
            start = self._log_start + max(0, since - self._first_rev + 1)
            log = self._log
            for i in range(start, len(log)):
                yield log[i].rev
            return
        iters = []
        for ands in ors:
            rl = self._smallest(ands)
            if rl is not None:
                iters.append(rl.after(since))
        if len(iters) == 1:
            yield from iters[0]
            return
        last = -1
        for rev in merge(*iters):
            if rev != last:
                last = rev
                yield rev

    def get_data(self, rev: int) -> tuple[bytes, FrozenDict] | None:
        return self._datas.get(rev)

    # -- the Driver reads (coroutines that never suspend) ----------------------------------------

    async def read_state(self, id: str, rev: int = 0) -> State | None:
        state = self.get(id, rev)
        if state is None and self._cold:
            cold = self._cold.get(id)
            if cold is not None and (rev == 0 or rev == cold) and self._cold_store is not None:
                found = await self._cold_store.read_cold([cold])
                if found and found[0].id == id:
                    return found[0]
                return self.get(id, rev)  # committed again meanwhile (and superseded on disk)
        return state

    async def read_latest(
        self, ors: tuple[dict[str, str], ...], max_rev: int | None = None
    ) -> State | None:
        return self.latest_by_labels_any(ors, max_rev)

    async def read_states(self, cmd: GetStatesCommand) -> GetStatesResult:
        result = self.query(cmd)
        if (self._cold and cmd.latest_only and not cmd.since_latest
                and cmd.since_rev < self._first_rev - 1):
            return await self._with_cold(cmd, result)
        return result

    async def _with_cold(self, cmd: GetStatesCommand, hot: GetStatesResult) -> GetStatesResult:
        """A `latest_only` answer over the trimmed history with the archived states on disk
        merged in: their labels are read in rev order and filtered first, then the matches'
        bodies; reading stops once more than a page matched, so paging through N archived
        states reads each about once."""
        store = self._cold_store
        assert store is not None
        cold = self._cold
        limit = cmd.limit
        # hot answers past the page's last hot rev cannot be on this page: neither can cold
        bound = self._first_rev
        if hot.more and hot.states:
            bound = min(bound, hot.states[-1].rev)
        found: list[State] = []
        after = cmd.since_rev
        while len(found) <= limit:
            want = limit + 1 - len(found)
            rows = await store.read_cold_labels(after, bound, max(want, 100), cmd.labels)
            if not rows:
                break
            after = rows[-1][0]
            revs = [rev for rev, id, labels in rows if cold.get(id) == rev
                    and (not cmd.labels or labels_match(cmd.labels, labels))]
            if len(revs) > want:  # read no more bodies than the page can take
                revs = revs[:want]
                after = revs[-1]
            for state in await store.read_cold(revs):
                if cold.get(state.id) == state.rev and cmd.matches(state):
                    found.append(state)
        if not found:
            return hot
        merged = sorted([*hot.states, *found], key=lambda s: s.rev)
        return GetStatesResult(merged[:limit], hot.more or len(merged) > limit)

    async def read_data(self, rev: int) -> tuple[bytes, Mapping[str, str]] | None:
        return self._datas.get(rev)

    async def read_delays(self, cmd: GetDelayedStatesCommand) -> GetDelayedStatesResult:
        """Pending delays, ascending by seq (the dict keeps them in the order they were
        added); a scan of the pending delays, so meant for tools, not hot paths."""
        found: list[DelayedEntry] = []
        for entry in self._delays.values():
            if cmd.matches(entry):
                found.append(entry)
                if len(found) > cmd.limit:
                    return GetDelayedStatesResult(found[: cmd.limit], True)
        return GetDelayedStatesResult(found, False)

    # -- delays ------------------------------------------------------------------------------

    def next_delay_at(self) -> float | None:
        heap = self._delay_heap
        while heap and heap[0][1] not in self._delays:
            heapq.heappop(heap)
        return heap[0][0] if heap else None

    async def claim_due_delays(
        self, now: float, limits: Mapping[str, int], flows: Collection[str] | None = None
    ) -> list[DelayedEntry]:
        """Remove and return the delays due at `now` of the flows in `flows` (None: every
        flow), in due order, except those of flows `limits` says are full. The others wait
        (still pending, still on disk) for a later claim that may run them: by this engine
        once a slot is free, or by an engine that registered their flow (a flowstate server
        hands its clients' delays to the client that runs their flow). Their removal is
        written with the commit that fires them (`CommitRequest.consume`)."""
        due: list[DelayedEntry] = []
        free = dict(limits) if limits else {}
        delays = self._delays
        if self._waiting:
            for flow in [f for f in self._waiting if flows is None or f in flows]:
                queue = self._waiting[flow]
                slots = free.get(flow, len(queue))
                while queue and slots > 0:
                    entry = delays.pop(queue.popleft(), None)
                    if entry is not None:
                        slots -= 1
                        self._claimed(entry, due)
                if flow in free:
                    free[flow] = slots
                if not queue:
                    del self._waiting[flow]
        heap = self._delay_heap
        while heap and heap[0][0] <= now:
            _, seq = heapq.heappop(heap)
            entry = delays.get(seq)
            if entry is None:
                continue
            flow = entry.state.transition.to
            if flows is not None and flow not in flows:
                self._waiting.setdefault(flow, deque()).append(seq)
                continue
            left = free.get(flow)
            if left is not None:
                if left <= 0:
                    self._waiting.setdefault(flow, deque()).append(seq)
                    continue
                free[flow] = left - 1
            del delays[seq]
            self._claimed(entry, due)
        due.sort(key=lambda e: (e.at, e.seq))
        return due

    def _claimed(self, entry: DelayedEntry, due: list[DelayedEntry]) -> None:
        due.append(entry)
        if entry.commit:
            self._forget_commit_delay(entry)

    async def adopt_orphans(self, now: float) -> list[State]:
        """Every in-flight state (one process owns this store: whatever is in flight when an
        engine opens it was left by the engine before), ascending by rev."""
        waiting = {
            (e.state.id, e.state.rev) for e in self._delays.values() if e.commit
        }
        found = [
            state
            for state in self._latest.values()
            if state.transition.to
            and recovery_enabled(state)
            and (state.id, state.rev) not in waiting
        ]
        found.sort(key=lambda s: s.rev)
        return found

    @property
    def pending_delays(self) -> int:
        return len(self._delays)

    def pending_delay_entries(self) -> Iterable[DelayedEntry]:
        return self._delays.values()

    # -- writes ------------------------------------------------------------------------------

    async def next_data_rev(self, pending: int) -> int:
        """A fresh data rev, reserved: commits staged concurrently (clients of a flowstate
        server) never get the same one. A failed commit leaves a gap."""
        self._data_reserved = max(self._data_reserved, self._data_rev + pending) + 1
        return self._data_reserved

    async def commit(self, request: CommitRequest) -> int:
        """Check, seal and apply one commit; publish its versions. Never suspends."""
        latest = self._latest
        states = request.states
        conflicts: list[str] | None = None
        expected = request.expected  # one per state (zip(strict=True) costs 0.3 us)
        cold = self._cold
        for i, state in enumerate(states):
            stored = latest.get(state.id)
            if (stored.rev if stored is not None else
                    cold.get(state.id, 0) if cold else 0) != expected[i]:
                if conflicts is None:
                    conflicts = []
                conflicts.append(state.id)
        if conflicts:
            raise RevMismatchError(conflicts)
        now = request.now
        if now < self._last_at:
            now = self._last_at
        else:
            self._last_at = now
        rev = self._head
        for state in states:
            rev += 1
            seal(state, rev, now)
        delays = request.delays
        if delays:
            seq = self._delay_seq
            for entry, follows in zip(delays, request.follows, strict=True):
                seq += 1
                entry.seq = seq
                if follows >= 0:
                    seal(entry.state, states[follows].rev, now)
        if request.finalize is not None:
            request.finalize(request)
            states = request.states
        pruned = self.delays_pruned
        ticket = self.apply(
            CommitBatch(states, request.datas, delays, [request.consume] if request.consume else [])
        )
        request.pruned = self.delays_pruned - pruned
        events = self._events
        if states and events is not None:
            events.published(states)
        return ticket

    def apply(self, batch: CommitBatch) -> int:
        """Apply a validated batch. Revs must continue the counters exactly.

        Returns the snapshot ticket (0 without snapshots).
        """
        for state in batch.states:
            if state.rev != self._head + 1:
                raise AssertionError(f"rev {state.rev} does not follow head {self._head}")
            self._head = state.rev
            self._log.append(state)
            self._index(state)
            previous = self._latest.get(state.id)
            if previous is None and self._cold:
                self._cold.pop(state.id, None)
            self._latest[state.id] = state
            self._ref_datas(state, +1)
            if previous is not None and previous.rev < self._first_rev:
                self._ref_datas(previous, -1)
        for rev, blob, anns in batch.datas:
            # reserved revs: unique, but commits staged concurrently may store them out of order
            if rev < 1 or rev in self._datas:
                raise AssertionError(f"data rev {rev} is not a fresh reserved rev")
            self._data_rev = max(self._data_rev, rev)
            self._datas[rev] = (blob, FrozenDict(anns))
        for entry in batch.delays_added:
            if entry.seq != self._delay_seq + 1:
                raise AssertionError(f"delay seq {entry.seq} does not follow {self._delay_seq}")
            self._delay_seq = entry.seq
            self._delays[entry.seq] = entry
            heapq.heappush(self._delay_heap, (entry.at, entry.seq))
            if entry.commit:
                self._commit_delays.setdefault(entry.state.id, set()).add(entry.seq)
        if self._commit_delays:
            for state in batch.states:
                if state.id in self._commit_delays:
                    self._prune_delays(state, batch)
        if self.history_limit is not None:
            self._trim(self.history_limit)
        if self.snapshots is None:
            return 0
        ticket = self.snapshots.record(batch)
        if self._cold_store is not None and self.history_limit is not None:
            for state in batch.states:
                if archived(state):
                    self._archiving.append((ticket, state.rev, state.id))
            if self._archiving:
                self._evict()
        return ticket

    def _evict(self) -> None:
        """Let archived latest versions go that are older than the history and on disk."""
        store = self._cold_store
        assert store is not None
        durable = store.durable_ticket
        first = self._first_rev
        queue = self._archiving
        latest = self._latest
        while queue and queue[0][0] <= durable and queue[0][1] < first:
            _, rev, id = queue.popleft()
            state = latest.get(id)
            if (state is None or state.rev != rev or state.transition.to
                    or any(key.startswith(DATA_PREFIX) for key in state.annotations)):
                continue  # committed again, in flight, or holding data: it stays
            del latest[id]
            self._cold[id] = rev

    def _prune_delays(self, state: State, batch: CommitBatch) -> None:
        """Drop committing delays of `state` taken from another rev: their rev-checked commit
        can never succeed now, so they are forgotten at once instead of when they fall due."""
        seqs = self._commit_delays[state.id]
        for seq in [seq for seq in seqs if self._delays[seq].state.rev != state.rev]:
            seqs.discard(seq)
            del self._delays[seq]
            batch.delays_removed.append(seq)
            self.delays_pruned += 1
            self._heap_stale += 1
        if not seqs:
            del self._commit_delays[state.id]
        if self._heap_stale > 1024 and self._heap_stale > len(self._delays):
            self._delay_heap = [(e.at, e.seq) for e in self._delays.values()]
            heapq.heapify(self._delay_heap)
            self._heap_stale = 0

    def _forget_commit_delay(self, entry: DelayedEntry) -> None:
        seqs = self._commit_delays.get(entry.state.id)
        if seqs is not None:
            seqs.discard(entry.seq)
            if not seqs:
                del self._commit_delays[entry.state.id]

    async def wait_durable(self, ticket: int) -> None:
        if self.snapshots is not None:
            await self.snapshots.wait_durable(ticket)

    def _index(self, state: State) -> None:
        by_label = self._by_label
        for pair in state.labels.items():
            rl = by_label.get(pair)
            if rl is None:
                rl = by_label[pair] = _RevList()
            rl.revs.append(state.rev)

    def _ref_datas(self, state: State, delta: int) -> None:
        for key, value in state.annotations.items():
            if key.startswith(DATA_PREFIX):
                try:
                    rev = int(value)
                except ValueError:
                    continue
                count = self._data_refs.get(rev, 0) + delta
                if count <= 0:
                    self._data_refs.pop(rev, None)
                    if delta < 0 and self._datas.pop(rev, None) is not None:
                        if self.snapshots is not None:
                            self.snapshots.data_dropped(rev)
                else:
                    self._data_refs[rev] = count

    def _trim(self, keep: int) -> None:
        retained = len(self._log) - self._log_start
        if retained <= keep:
            return
        drop = retained - keep
        log = self._log
        for i in range(self._log_start, self._log_start + drop):
            state = log[i]
            for pair in state.labels.items():
                rl = self._by_label.get(pair)
                if rl is not None:
                    rl.drop_front(state.rev)
                    if not len(rl):
                        del self._by_label[pair]
            if self._latest.get(state.id) is not state:
                self._ref_datas(state, -1)
        self._log_start += drop
        self._first_rev += drop
        if self._log_start > 1024 and self._log_start * 2 > len(log):
            del log[: self._log_start]
            self._log_start = 0
        if self.snapshots is not None:
            self.snapshots.trimmed(self._first_rev)
