"""Batching commits for the PostgreSQL driver: the pure part (no I/O).

Which queued commits can share one call of `flowstate_commit`, the call's arguments (one
array per column, one element per state, data version, delay or fired delay of the batch),
and what the result means for each commit: sealed revs and delay seqs, or the error.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from flowstate.driver import CommitRequest
from flowstate.errors import DelayClaimLostError, RevMismatchError
from flowstate.state import State, seal

__all__ = ["MAX_BATCH", "Queued", "commit_call", "seal_request", "settle", "take_batch"]

MAX_BATCH = 512  # commits per call

COMMIT_SQL = (
    "SELECT * FROM flowstate_commit($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, "
    "$13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28)"
)


@dataclass(slots=True, eq=False)
class Queued:
    """A commit waiting for its call: the request, who waits for it, the ids it touches."""

    request: CommitRequest
    future: asyncio.Future[None]
    ids: set[str] = field(default_factory=set)


def take_batch(queue: list[Queued]) -> tuple[list[Queued], list[Queued]]:
    """(the commits that can share one call, the rest in order). No state id is in two of
    them (each commit's rev check must not depend on another of the batch), and a commit
    that needs `finalize` (it stacks a ctx it writes) goes alone."""
    if queue[0].request.finalize is not None:
        return [queue[0]], queue[1:]
    batch: list[Queued] = []
    seen: set[str] = set()
    rest: list[Queued] = []
    for n, item in enumerate(queue):
        if len(batch) >= MAX_BATCH:
            rest.extend(queue[n:])
            break
        if item.request.finalize is not None or not item.ids.isdisjoint(seen):
            rest.append(item)
            # keep each id's commits in order: nothing after a held-back one may pass it
            seen |= item.ids
            continue
        seen |= item.ids
        batch.append(item)
    return batch, rest


def commit_call(batch: list[Queued], owner: str, channel: str) -> tuple[Any, ...]:
    """The SQL and arguments of one `flowstate_commit` call for `batch`."""
    s_commit: list[int] = []
    s_id: list[str] = []
    s_expected: list[int] = []
    s_labels: list[Any] = []
    s_annotations: list[Any] = []
    s_to: list[str] = []
    s_tr: list[Any] = []
    s_in_flight: list[bool] = []
    d_commit: list[int] = []
    d_rev: list[int] = []
    d_blob: list[bytes] = []
    d_annotations: list[Any] = []
    l_cols: list[list[Any]] = [[] for _ in range(11)]
    c_commit: list[int] = []
    c_seq: list[int] = []
    for n, item in enumerate(batch):
        request = item.request
        base = len(s_id)
        for state, expected, flight in zip(
            request.states, request.expected, request.in_flight, strict=True
        ):
            s_commit.append(n)
            s_id.append(state.id)
            s_expected.append(expected)
            s_labels.append(state.labels)
            s_annotations.append(state.annotations)
            s_to.append(state.transition.to)
            s_tr.append(state.transition.annotations)
            s_in_flight.append(flight)
        for rev, blob, data_annotations in request.datas:
            d_commit.append(n)
            d_rev.append(rev)
            d_blob.append(blob)
            d_annotations.append(data_annotations)
        for entry, follows in zip(request.delays, request.follows, strict=True):
            snap = entry.state
            for column, value in zip(
                l_cols,
                (
                    n, base + follows + 1 if follows >= 0 else 0, entry.at, entry.commit,
                    snap.transition.to, snap.id, snap.rev, snap.labels, snap.annotations,
                    snap.committed_at, snap.transition.annotations,
                ),
                strict=True,
            ):
                column.append(value)
        if request.consume:
            c_commit.append(n)
            c_seq.append(request.consume)
    now = max(item.request.now for item in batch)
    return (
        COMMIT_SQL,
        now, owner, channel,
        s_commit, s_id, s_expected, s_labels, s_annotations, s_to, s_tr, s_in_flight,
        d_commit, d_rev, d_blob, d_annotations,
        *l_cols,
        c_commit, c_seq,
    )


def seal_request(
    request: CommitRequest, first_rev: int, committed_at: float, seqs: Sequence[int]
) -> int:
    """Set revs, times and delay seqs on a stored request; returns the next free rev."""
    rev = first_rev
    for state in request.states:
        seal(state, rev, committed_at)
        rev += 1
    for n, (entry, follows) in enumerate(zip(request.delays, request.follows, strict=True)):
        if seqs:
            entry.seq = int(seqs[n])
        if follows >= 0:
            seal(entry.state, request.states[follows].rev, committed_at)
    return rev


def settle(batch: list[Queued], row: Any) -> list[State]:
    """Resolve each commit of the batch from the call's result row (sealing the stored
    ones, failing the others); returns the versions written, in rev order."""
    first_rev, committed_at = int(row[0]), float(row[1])
    conflicts: dict[int, list[str]] = {}
    for n, state_id in zip(row[2], row[3], strict=True):
        conflicts.setdefault(n, []).append(state_id)
    gone = set(row[4])
    seqs = list(row[5])
    rev = first_rev
    written: list[State] = []
    for n, item in enumerate(batch):
        request = item.request
        if n in gone:
            item.future.set_exception(DelayClaimLostError(request.consume))
            continue
        if n in conflicts:
            item.future.set_exception(RevMismatchError(conflicts[n]))
            continue
        mine, seqs = seqs[: len(request.delays)], seqs[len(request.delays) :]
        rev = seal_request(request, rev, committed_at, mine)
        written.extend(request.states)
        item.future.set_result(None)
    return written
