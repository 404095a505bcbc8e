"""Engine commands from their JSON form (the HTTP API's `commit`, `store_data`, `get_data`).

A request names its ctxs once, in `"ctxs": {"name": ctx}`, and its commands refer to them
by name, so one ctx can appear in several sub-commands (`park` it and `store_data` it). A
ctx is `{"current": state, "committed": state, "transitions": [...], "datas": {alias: data}}`
(`committed` may be `{"rev": n}` only: its rev is the optimistic-concurrency token). The
answer gives every ctx back as the engine left it.
"""

from __future__ import annotations

from typing import Any

from flowstate.commands import (
    Command,
    commit,
    delay,
    delay_until,
    get_data,
    get_state_by_id,
    get_state_by_labels,
    noop,
    park,
    stack,
    store_data,
    transit,
    unstack,
)
from flowstate.errors import UsageError
from flowstate.state import Data, State, StateCtx, Transition
from flowstate.wire import BadRequestError, b64, obj, str_map, unb64

__all__ = ["commit_of", "ctx_from", "ctx_json", "decode_commands"]


def ctx_from(raw: Any, name: str) -> StateCtx:
    raw = obj(raw, name)
    current = _state(raw.get("current"), f"{name}.current")
    committed = _state(raw.get("committed") or {}, f"{name}.committed")
    if committed.rev < 0 or current.rev < 0:
        raise BadRequestError(f"{name}.committed.rev", "must be >= 0")
    transitions = []
    for n, item in enumerate(raw.get("transitions") or []):
        item = obj(item, f"{name}.transitions[{n}]")
        transitions.append(
            Transition(
                _text(item.get("to", ""), f"{name}.transitions[{n}].to"),
                str_map(item.get("annotations") or {}, f"{name}.transitions[{n}].annotations"),
            )
        )
    datas: dict[str, Data] = {}
    for alias, item in obj(raw.get("datas") or {}, f"{name}.datas").items():
        item = obj(item, f"{name}.datas.{alias}")
        rev = item.get("rev", 0)
        if isinstance(rev, bool) or not isinstance(rev, int) or rev < 0:
            raise BadRequestError(f"{name}.datas.{alias}.rev", "must be an integer >= 0")
        data = Data(
            unb64(item.get("blob", ""), f"{name}.datas.{alias}.blob"),
            dict(str_map(item.get("annotations") or {}, f"{name}.datas.{alias}.annotations")),
            rev,
        )
        if rev:
            data.mark_stored()  # a loaded rev: unchanged data keeps it
        datas[alias] = data
    return StateCtx(current, committed.frozen(), transitions, datas)


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise BadRequestError(name, f"must be a string, got {type(value).__name__}")
    return value


def _state(raw: Any, name: str) -> State:
    raw = obj(raw, name)
    transition = obj(raw.get("transition") or {}, f"{name}.transition")
    rev = raw.get("rev", 0)
    at = raw.get("committed_at", 0.0)
    if isinstance(rev, bool) or not isinstance(rev, int):
        raise BadRequestError(f"{name}.rev", "must be an integer")
    if isinstance(at, bool) or not isinstance(at, int | float):
        raise BadRequestError(f"{name}.committed_at", "must be a number")
    return State(
        _text(raw.get("id", ""), f"{name}.id"),
        rev,
        dict(str_map(raw.get("labels") or {}, f"{name}.labels")),
        dict(str_map(raw.get("annotations") or {}, f"{name}.annotations")),
        float(at),
        Transition(
            _text(transition.get("to", ""), f"{name}.transition.to"),
            dict(str_map(transition.get("annotations") or {}, f"{name}.transition.annotations")),
        ),
    )


def ctx_json(ctx: StateCtx) -> dict[str, Any]:
    out = ctx.to_json()
    out["datas"] = {
        alias: {"rev": d.rev, "blob": b64(d.blob), "annotations": dict(d.annotations)}
        for alias, d in ctx.datas.items()
    }
    return out


def decode_commands(raw: dict[str, Any]) -> tuple[dict[str, StateCtx], list[Command]]:
    """The ctxs and the commands of a `commit` request body (not yet wrapped in `commit`)."""
    ctxs = {
        name: ctx_from(item, f"ctxs.{name}")
        for name, item in obj(raw.get("ctxs") or {}, "ctxs").items()
    }
    items = raw.get("commands")
    if not isinstance(items, list) or not items:
        raise BadRequestError("commands", "must be a non-empty list of commands")
    cmds = [_command(obj(item, f"commands[{n}]"), ctxs, f"commands[{n}]")
            for n, item in enumerate(items)]
    return ctxs, cmds


def _command(raw: dict[str, Any], ctxs: dict[str, StateCtx], name: str) -> Command:
    op = raw.get("op")

    def ctx(key: str = "ctx") -> StateCtx:
        ref = raw.get(key)
        if not isinstance(ref, str) or ref not in ctxs:
            raise BadRequestError(f"{name}.{key}", f"must name one of the ctxs, got {ref!r}")
        return ctxs[ref]

    annotations = raw.get("annotations")
    if annotations is not None:
        annotations = str_map(annotations, f"{name}.annotations")
    try:
        if op == "transit":
            return transit(ctx(), raw.get("to"), annotations)  # type: ignore[arg-type]
        if op == "park":
            return park(ctx(), annotations)
        if op == "delay":
            commits = raw.get("commit", True)
            if not isinstance(commits, bool):
                raise BadRequestError(f"{name}.commit", "must be true or false")
            if raw.get("at") is not None:
                return delay_until(
                    ctx(), raw.get("to"), raw.get("at"),  # type: ignore[arg-type]
                    commit=commits, annotations=annotations,
                )
            return delay(
                ctx(), raw.get("to"), raw.get("seconds", 0),  # type: ignore[arg-type]
                commit=commits, annotations=annotations,
            )
        if op == "store_data":
            return store_data(ctx(), raw.get("alias"))  # type: ignore[arg-type]
        if op == "get_data":
            return get_data(ctx(), raw.get("alias"))  # type: ignore[arg-type]
        if op == "stack":
            return stack(ctx("carrier"), ctx("stacked"), raw.get("annotation"))  # type: ignore[arg-type]
        if op == "unstack":
            return unstack(ctx("carrier"), ctx("target"), raw.get("annotation"))  # type: ignore[arg-type]
        if op == "get_state_by_id":
            return get_state_by_id(ctx(), raw.get("id"), raw.get("rev", 0))  # type: ignore[arg-type]
        if op == "get_state_by_labels":
            return get_state_by_labels(ctx(), raw.get("labels"))  # type: ignore[arg-type]
        if op == "noop":
            return noop()
    except BadRequestError:
        raise
    except UsageError as exc:
        raise BadRequestError(name, str(exc)) from None
    raise BadRequestError(
        f"{name}.op",
        f"unknown command {op!r} (transit, park, delay, store_data, get_data, stack, "
        "unstack, get_state_by_id, get_state_by_labels, noop)",
    )


def commit_of(cmds: list[Command], durable: bool) -> Command:
    try:
        return commit(*cmds, durable=durable)
    except UsageError as exc:
        raise BadRequestError("commands", str(exc)) from None
