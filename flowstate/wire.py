"""The JSON shapes of server mode, shared by the server (`flowstate.server`) and `NetDriver`.

Pure: values in, values out. Decoders validate at the edge and raise `BadRequestError`
naming the bad field; nothing else. Errors travel as `{"code", "message", ...data}` with a
stable `code` (see `ERROR_CODES`) and come back as the same exception classes.

Shapes (documented in `docs/server.md`):

- state: `{"id", "rev", "labels", "annotations", "committed_at", "transition": {"to",
  "annotations"}}`;
- delay: `{"seq", "at", "commit", "state"}`;
- data: `{"rev", "blob" (base64), "annotations"}`;
- a `get_states` query: `{"labels": [{k: v}, ...] (OR of ANDs), "since_rev", "since_latest",
  "since_time", "latest_only", "limit"}`.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from flowstate.commands import GetDelayedStatesCommand, GetStatesCommand, get_states
from flowstate.driver import CommitRequest
from flowstate.errors import (
    DelayClaimLostError,
    FlowstateError,
    HistoryTrimmedError,
    NotFoundError,
    PersistenceError,
    RevMismatchError,
    UsageError,
)
from flowstate.snapshots import DelayedEntry
from flowstate.staging import apply_stack_plan
from flowstate.state import State, stored_version

__all__ = [
    "ERROR_CODES",
    "BadRequestError",
    "RemoteError",
    "b64",
    "commit_request",
    "commit_request_json",
    "delay_from",
    "delay_json",
    "delays_query",
    "error_from",
    "error_json",
    "labels_query",
    "state_from",
    "state_json",
    "states_query",
    "states_query_json",
    "unb64",
]

# code -> HTTP status
ERROR_CODES: dict[str, int] = {
    "bad_request": 400,
    "unauthorized": 401,
    "read_only": 403,
    "not_found": 404,
    "rev_mismatch": 409,
    "claim_lost": 409,
    "history_trimmed": 410,
    "unavailable": 503,
    "internal": 500,
}


class BadRequestError(UsageError):
    """A request did not have the documented shape; `field` names what was wrong."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


class RemoteError(PersistenceError):
    """The flowstate server failed, or could not be reached (`code` says which)."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


# -- errors ------------------------------------------------------------------------------------


def error_json(exc: BaseException) -> dict[str, Any]:
    """The wire form of an error: a stable code, the message, and the error's data."""
    if isinstance(exc, RevMismatchError):
        return {"code": "rev_mismatch", "message": str(exc), "ids": list(exc.ids)}
    if isinstance(exc, NotFoundError):
        return {"code": "not_found", "message": str(exc), "what": exc.what}
    if isinstance(exc, DelayClaimLostError):
        return {"code": "claim_lost", "message": str(exc), "seq": exc.seq}
    if isinstance(exc, HistoryTrimmedError):
        return {
            "code": "history_trimmed",
            "message": str(exc),
            "since_rev": exc.since_rev,
            "oldest_rev": exc.oldest_rev,
        }
    if isinstance(exc, BadRequestError):
        return {"code": "bad_request", "message": str(exc), "field": exc.field}
    if isinstance(exc, UsageError):
        return {"code": "bad_request", "message": str(exc)}
    if isinstance(exc, RemoteError):
        return {"code": exc.code, "message": str(exc)}
    if isinstance(exc, PersistenceError):
        return {"code": "unavailable", "message": str(exc)}
    if isinstance(exc, FlowstateError):
        return {"code": "bad_request", "message": str(exc)}
    return {"code": "internal", "message": f"{type(exc).__name__}: {exc}"}


def error_from(raw: Mapping[str, Any]) -> FlowstateError:
    """The exception a wire error stands for (what the server raised, as far as the client
    can tell)."""
    code = str(raw.get("code", "internal"))
    message = str(raw.get("message", ""))
    if code == "rev_mismatch":
        return RevMismatchError([str(i) for i in raw.get("ids") or ()])
    if code == "not_found":
        return NotFoundError(str(raw.get("what", message)))
    if code == "claim_lost":
        return DelayClaimLostError(int(raw.get("seq", 0)))
    if code == "history_trimmed":
        return HistoryTrimmedError(int(raw.get("since_rev", 0)), int(raw.get("oldest_rev", 0)))
    if code == "bad_request":
        return UsageError(message)
    return RemoteError(code, f"flowstate server: {message} ({code})")


# -- field checks ------------------------------------------------------------------------------


def _str(raw: Mapping[str, Any], key: str, *, default: str | None = None) -> str:
    value = raw.get(key, default)
    if not isinstance(value, str):
        raise BadRequestError(key, f"must be a string, got {_kind(value)}")
    return value


def _int(raw: Mapping[str, Any], key: str, default: int | None = None) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequestError(key, f"must be an integer, got {_kind(value)}")
    return value


def _float(raw: Mapping[str, Any], key: str, default: float | None = None) -> float:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadRequestError(key, f"must be a number, got {_kind(value)}")
    return float(value)


def _opt_float(raw: Mapping[str, Any], key: str) -> float | None:
    return None if raw.get(key) is None else _float(raw, key)


def _bool(raw: Mapping[str, Any], key: str, default: bool = False) -> bool:
    value = raw.get(key, default)
    if not isinstance(value, bool):
        raise BadRequestError(key, f"must be true or false, got {_kind(value)}")
    return value


def _map(raw: Mapping[str, Any], key: str) -> dict[str, str]:
    value = raw.get(key)
    if value is None:
        return {}
    return str_map(value, key)


def str_map(value: Any, name: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise BadRequestError(name, f"must be an object of strings, got {_kind(value)}")
    for k, v in value.items():
        if not isinstance(v, str):
            raise BadRequestError(f"{name}.{k}", f"must be a string, got {_kind(v)}")
    return value


def obj(value: Any, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BadRequestError(name, f"must be an object, got {_kind(value)}")
    return value


def _list(raw: Mapping[str, Any], key: str) -> list[Any]:
    value = raw.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise BadRequestError(key, f"must be a list, got {_kind(value)}")
    return value


def _kind(value: Any) -> str:
    return "nothing" if value is None else type(value).__name__


def b64(blob: bytes) -> str:
    return base64.b64encode(blob).decode()


def unb64(text: Any, name: str) -> bytes:
    if not isinstance(text, str):
        raise BadRequestError(name, f"must be a base64 string, got {_kind(text)}")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise BadRequestError(name, "is not valid base64") from None


# -- states and delays -------------------------------------------------------------------------


def state_json(state: State) -> dict[str, Any]:
    return state.to_json()


def state_from(raw: Any, name: str = "state") -> State:
    """A read-only version from its wire form."""
    raw = obj(raw, name)
    transition = obj(raw.get("transition") or {}, f"{name}.transition")
    return stored_version(
        _str(raw, "id", default=""),
        _int(raw, "rev", 0),
        _map(raw, "labels"),
        _map(raw, "annotations"),
        _float(raw, "committed_at", 0.0),
        _str(transition, "to", default=""),
        _map(transition, "annotations"),
    )


def delay_json(entry: DelayedEntry) -> dict[str, Any]:
    state = entry.state.to_json()
    return {"seq": entry.seq, "at": entry.at, "commit": entry.commit, "state": state}


def delay_from(raw: Any, name: str = "delay") -> DelayedEntry:
    raw = obj(raw, name)
    return DelayedEntry(
        _int(raw, "seq", 0),
        _float(raw, "at"),
        state_from(raw.get("state"), f"{name}.state"),
        _bool(raw, "commit", True),
    )


# -- queries -----------------------------------------------------------------------------------


def labels_query(raw: Any, name: str = "labels") -> tuple[dict[str, str], ...]:
    """An OR of ANDs: a list of label objects (or one object, or nothing: everything)."""
    if raw is None:
        return ()
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list):
        raise BadRequestError(name, f"must be a list of label objects, got {_kind(raw)}")
    ors = tuple(str_map(item, f"{name}[{n}]") for n, item in enumerate(raw))
    return () if any(not ands for ands in ors) else ors


def states_query(raw: Mapping[str, Any]) -> GetStatesCommand:
    """A `get_states` command from its wire form (validated by the command's constructor)."""
    labels = labels_query(raw.get("labels"))
    try:
        return get_states(
            list(labels),
            since_rev=_int(raw, "since_rev", 0),
            since_latest=_bool(raw, "since_latest"),
            since_time=_opt_float(raw, "since_time"),
            latest_only=_bool(raw, "latest_only"),
            limit=_int(raw, "limit", 50),
        )
    except UsageError as exc:
        if isinstance(exc, BadRequestError):
            raise
        raise BadRequestError("query", str(exc)) from None


def states_query_json(cmd: GetStatesCommand) -> dict[str, Any]:
    return {
        "labels": [dict(ands) for ands in cmd.labels],
        "since_rev": cmd.since_rev,
        "since_latest": cmd.since_latest,
        "since_time": cmd.since_time,
        "latest_only": cmd.latest_only,
        "limit": cmd.limit,
    }


def delays_query(raw: Mapping[str, Any]) -> GetDelayedStatesCommand:
    limit = _int(raw, "limit", 50)
    since_seq = _int(raw, "since_seq", 0)
    if limit < 1 or since_seq < 0:
        raise BadRequestError("limit" if limit < 1 else "since_seq", "out of range")
    return GetDelayedStatesCommand(
        _opt_float(raw, "since_time"), _opt_float(raw, "until_time"), since_seq, limit
    )


def delays_query_json(cmd: GetDelayedStatesCommand) -> dict[str, Any]:
    return {
        "since_time": cmd.since_time,
        "until_time": cmd.until_time,
        "since_seq": cmd.since_seq,
        "limit": cmd.limit,
    }


# -- a staged commit (the driver protocol) -----------------------------------------------------


def commit_request_json(
    request: CommitRequest, plan: list[dict[str, Any]] | None
) -> dict[str, Any]:
    """A `CommitRequest` as `NetDriver` sends it (`plan`: the stack rewrite, if any)."""
    return {
        "states": [s.to_json() for s in request.states],
        "expected": request.expected,
        "in_flight": request.in_flight,
        "datas": [
            {"rev": rev, "blob": b64(blob), "annotations": annotations}
            for rev, blob, annotations in request.datas
        ],
        "delays": [delay_json(entry) for entry in request.delays],
        "follows": request.follows,
        "now": request.now,
        "consume": request.consume,
        "stacks": plan or [],
    }


def commit_request(raw: Mapping[str, Any]) -> CommitRequest:
    """A `CommitRequest` from its wire form; its stack plan becomes its `finalize`."""
    states = [state_from(s, f"states[{n}]") for n, s in enumerate(_list(raw, "states"))]
    expected = [_int({"expected": e}, "expected") for e in _list(raw, "expected")]
    in_flight = [_bool({"in_flight": f}, "in_flight") for f in _list(raw, "in_flight")]
    if not (len(states) == len(expected) == len(in_flight)):
        raise BadRequestError("states", "states, expected and in_flight differ in length")
    for n, state in enumerate(states):
        if not state.id:
            raise BadRequestError(f"states[{n}].id", "is empty")
    datas = []
    for n, item in enumerate(_list(raw, "datas")):
        item = obj(item, f"datas[{n}]")
        datas.append(
            (
                _int(item, "rev"),
                unb64(item.get("blob", ""), f"datas[{n}].blob"),
                dict(_map(item, "annotations")),
            )
        )
    delays = [delay_from(d, f"delays[{n}]") for n, d in enumerate(_list(raw, "delays"))]
    follows = [_int({"follows": f}, "follows") for f in _list(raw, "follows")]
    if len(follows) != len(delays) or any(not -1 <= f < len(states) for f in follows):
        raise BadRequestError("follows", "must give, for each delay, a state index or -1")
    plan = _list(raw, "stacks")
    for n, step in enumerate(plan):
        step = obj(step, f"stacks[{n}]")
        stacked = _int(step, "stacked")
        carriers = step.get("carriers")
        if (
            not 0 <= stacked < len(states)
            or not isinstance(carriers, list)
            or any(not isinstance(c, int) or not 0 <= c < len(states) for c in carriers)
        ):
            raise BadRequestError(f"stacks[{n}]", "indexes a state the commit does not write")
        _str(step, "annotation")
        obj(step.get("current"), f"stacks[{n}].current")
    request = CommitRequest(
        states,
        expected,
        in_flight,
        datas,
        delays,
        follows,
        _float(raw, "now"),
        _int(raw, "consume", 0),
    )
    if plan:
        request.finalize = lambda req: _finalize(req, plan)
    return request


def _finalize(request: CommitRequest, plan: list[dict[str, Any]]) -> None:
    apply_stack_plan(request, plan)
