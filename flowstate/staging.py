"""Staging a commit: undo records for the ctx objects a commit edits, and the stacks whose
text can only be written once the driver has assigned the new revs. Pure (no I/O)."""

from __future__ import annotations

from typing import Any

import orjson

from flowstate.driver import CommitRequest
from flowstate.state import Data, StateCtx, stored_version

__all__ = ["StackFinalizer", "StagedStack", "Undo", "apply_stack_plan", "finalize_stacks"]


class Undo:
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


class StagedStack:
    """A stack command whose stacked ctx this same commit writes: the stacked text must carry
    the revs the driver assigns, so it is written again once they are known."""

    __slots__ = ("annotation", "carrier", "position", "stacked")

    def __init__(
        self, carrier: StateCtx, stacked: StateCtx, annotation: str, position: int
    ) -> None:
        self.carrier = carrier
        self.stacked = stacked
        self.annotation = annotation
        self.position = position  # versions staged from here on may carry the annotation


class StackFinalizer:
    """`CommitRequest.finalize` for commits that stack a ctx they also write: once the driver
    sealed the new revs, write the stacked text again (a ctx stacked after this commit wrote
    it is stacked as committed) into the carrier ctx and into the carrier's versions staged
    after the stack.

    `plan()` describes the rewrite as plain data (no ctx objects), so a driver that stores the
    commit elsewhere (a flowstate server, through `NetDriver`) can ship it and have the
    store apply the same rewrite with `apply_stack_plan` at sealing time; the engine's own
    call then updates the carrier ctx with the same text.
    """

    __slots__ = ("ctxs", "stacks")

    def __init__(self, stacks: list[StagedStack], ctxs: list[StateCtx]) -> None:
        self.stacks = stacks
        self.ctxs = ctxs

    def plan(self) -> list[dict[str, Any]]:
        """One entry per stack: the index of the stacked ctx's version in the request, the
        annotation, the stacked ctx's current version, and the indices of the carrier's
        versions that carry the text."""
        by_ctx = {id(ctx): n for n, ctx in enumerate(self.ctxs)}
        return [
            {
                "stacked": by_ctx[id(staged.stacked)],
                "annotation": staged.annotation,
                "current": staged.stacked.current.to_json(),
                "carriers": [
                    n
                    for n in range(staged.position, len(self.ctxs))
                    if self.ctxs[n] is staged.carrier
                ],
            }
            for staged in self.stacks
        ]

    def __call__(self, request: CommitRequest) -> None:
        texts = apply_stack_plan(request, self.plan())
        for staged, text in zip(self.stacks, texts, strict=True):
            staged.carrier.current.annotations[staged.annotation] = text


def apply_stack_plan(request: CommitRequest, plan: list[dict[str, Any]]) -> list[str]:
    """Rewrite the stacked text of each planned stack into the sealed `request.states`;
    returns the texts, in plan order."""
    states = request.states
    texts: list[str] = []
    for step in plan:
        sealed = states[step["stacked"]]
        current = dict(step["current"])
        current["rev"] = sealed.rev
        current["committed_at"] = sealed.committed_at
        text = orjson.dumps(
            {"current": current, "committed": sealed.to_json(), "transitions": []}
        ).decode()
        texts.append(text)
        for n in step["carriers"]:
            version = states[n]
            annotations = dict(version.annotations)
            annotations[step["annotation"]] = text
            states[n] = stored_version(
                version.id,
                version.rev,
                version.labels,
                annotations,
                version.committed_at,
                version.transition.to,
                version.transition.annotations,
            )
    return texts


def finalize_stacks(stacks: list[StagedStack], ctxs: list[StateCtx]) -> StackFinalizer:
    """The `CommitRequest.finalize` of a commit with these staged stacks."""
    return StackFinalizer(stacks, ctxs)
