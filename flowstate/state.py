"""The model: `Transition`, `State`, `StateCtx` and `Data`.

States handed out by the engine (from watchers, queries, `ctx.committed`) are the stored
versions themselves, shared by every reader: their label and annotation maps are
`FrozenDict`s and raise on mutation. `StateCtx.current` is the caller's own mutable copy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn

import orjson

from flowstate.errors import UsageError

__all__ = ["Data", "FrozenDict", "State", "StateCtx", "Transition"]

DATA_ANNOTATION_PREFIX = "flowstate.data."


class FrozenDict(dict[str, str]):
    """A `dict` that refuses mutation: the maps of committed, shared state versions."""

    __slots__ = ()

    def _readonly(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError(
            "this state version is committed and shared: it is read-only; "
            "edit a StateCtx (StateCtx.from_state(state)) instead"
        )

    __setitem__ = _readonly
    __delitem__ = _readonly
    clear = _readonly
    pop = _readonly
    popitem = _readonly
    setdefault = _readonly
    update = _readonly
    __ior__ = _readonly

    def __copy__(self) -> dict[str, str]:
        return dict(self)

    def __deepcopy__(self, memo: Any) -> dict[str, str]:
        return dict(self)

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenDict, (dict(self),))


EMPTY: FrozenDict = FrozenDict()


@dataclass(frozen=True, slots=True)
class Transition:
    """Where a state goes next: `to` is a flow id (`""` = parked) plus annotations."""

    to: str = ""
    annotations: Mapping[str, str] = field(default_factory=dict)

    def with_annotations(self, extra: Mapping[str, str] | None) -> Transition:
        if not extra:
            return self
        merged = dict(self.annotations)
        merged.update(extra)
        return Transition(self.to, merged)

    def to_json(self) -> dict[str, Any]:
        return {"to": self.to, "annotations": dict(self.annotations)}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Transition:
        return cls(str(raw.get("to", "")), dict(raw.get("annotations") or {}))


#: the read-only transition of a parked version without annotations (shared: it is immutable)
_PARKED = Transition("", EMPTY)


@dataclass(slots=True, eq=False)
class State:
    """One version of a state. `rev` 0 means never committed."""

    id: str = ""
    rev: int = 0
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    committed_at: float = 0.0
    transition: Transition = field(default_factory=Transition)

    def annotation(self, name: str, default: str = "") -> str:
        """The transition's annotation `name` if set, else the state's, else `default`."""
        value = self.transition.annotations.get(name)
        if value is not None:
            return value
        return self.annotations.get(name, default)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, State):
            return NotImplemented
        return (
            self.id == other.id
            and self.rev == other.rev
            and self.labels == other.labels
            and self.annotations == other.annotations
            and self.committed_at == other.committed_at
            and self.transition == other.transition
        )

    __hash__ = None  # type: ignore[assignment]

    def copy(self) -> State:
        """A deep, mutable copy."""
        return State(
            self.id,
            self.rev,
            dict(self.labels),
            dict(self.annotations),
            self.committed_at,
            Transition(self.transition.to, dict(self.transition.annotations)),
        )

    def frozen(self, transition: Transition | None = None) -> State:
        """A read-only copy (fields and maps): the form the store keeps and shares; with
        `transition`, that one in place of this state's (a delay's snapshot)."""
        frozen = object.__new__(_FrozenState)
        _set_id(frozen, self.id)
        _set_rev(frozen, self.rev)
        _set_labels(frozen, FrozenDict(self.labels) if self.labels else EMPTY)
        _set_annotations(frozen, FrozenDict(self.annotations) if self.annotations else EMPTY)
        _set_committed_at(frozen, self.committed_at)
        if transition is None:
            transition = self.transition
        to, ann = transition.to, transition.annotations
        if ann:
            transition = Transition(to, FrozenDict(ann))
        else:  # most versions: parked, or bare; read-only, so one value serves them all
            transition = _PARKED if not to else Transition(to, EMPTY)
        _set_transition(frozen, transition)
        return frozen

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "rev": self.rev,
            "labels": dict(self.labels),
            "annotations": dict(self.annotations),
            "committed_at": self.committed_at,
            "transition": self.transition.to_json(),
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> State:
        return cls(
            str(raw.get("id", "")),
            int(raw.get("rev", 0)),
            dict(raw.get("labels") or {}),
            dict(raw.get("annotations") or {}),
            float(raw.get("committed_at", 0.0)),
            Transition.from_json(raw.get("transition") or {}),
        )


_set = object.__setattr__
# the slots' own setters: a read-only version's fields are set through them (object.__setattr__
# looks each field up on the class again: about twice the cost, six times per commit)
_set_id = State.__dict__["id"].__set__
_set_rev = State.__dict__["rev"].__set__
_set_labels = State.__dict__["labels"].__set__
_set_annotations = State.__dict__["annotations"].__set__
_set_committed_at = State.__dict__["committed_at"].__set__
_set_transition = State.__dict__["transition"].__set__


class _FrozenState(State):
    """A committed version: shared by every reader, so nothing about it can change."""

    __slots__ = ()

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(
            f"state {self.id!r} rev {self.rev} is a committed version and read-only; "
            "edit a StateCtx (StateCtx.from_state(state)) instead"
        )

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"state {self.id!r} rev {self.rev} is read-only")

    def frozen(self, transition: Transition | None = None) -> State:
        return self if transition is None else super().frozen(transition)

    def __reduce__(self) -> tuple[object, ...]:
        return (_thaw_frozen, (self.copy(),))


def _thaw_frozen(state: State) -> State:
    return state.frozen()


def seal(state: State, rev: int, committed_at: float) -> None:
    """Set the rev and commit time of a read-only version a commit is writing.

    Only a driver does this, while committing, before the version is shared with anyone."""
    _set_rev(state, rev)
    _set_committed_at(state, committed_at)


def stored_version(
    id: str,
    rev: int,
    labels: Mapping[str, str],
    annotations: Mapping[str, str],
    committed_at: float,
    to: str,
    transition_annotations: Mapping[str, str],
) -> State:
    """A read-only version built from stored fields (drivers decoding rows use it)."""
    frozen = object.__new__(_FrozenState)
    _set(frozen, "id", id)
    _set(frozen, "rev", rev)
    _set(frozen, "labels", FrozenDict(labels) if labels else EMPTY)
    _set(frozen, "annotations", FrozenDict(annotations) if annotations else EMPTY)
    _set(frozen, "committed_at", committed_at)
    _set(
        frozen,
        "transition",
        Transition(to, FrozenDict(transition_annotations) if transition_annotations else EMPTY),
    )
    return frozen


class Data:
    """A versioned blob stored beside the state log and referenced by an annotation."""

    __slots__ = ("_stored", "annotations", "blob", "rev")

    def __init__(
        self, blob: bytes = b"", annotations: dict[str, str] | None = None, rev: int = 0
    ) -> None:
        if not isinstance(blob, bytes | bytearray | memoryview):
            raise UsageError(f"Data blob must be bytes, got {type(blob).__name__}")
        if rev < 0:
            raise UsageError(f"Data rev must be >= 0, got {rev}")
        self.blob: bytes = bytes(blob)
        self.annotations: dict[str, str] = dict(annotations or {})
        self.rev = rev
        # (blob, annotations) as last stored or loaded: unchanged data keeps its rev.
        self._stored: tuple[bytes, dict[str, str]] | None = None

    def is_dirty(self) -> bool:
        if self.rev == 0 or self._stored is None:
            return True
        blob, annotations = self._stored
        return blob != self.blob or annotations != self.annotations

    def mark_stored(self) -> None:
        self._stored = (self.blob, dict(self.annotations))

    def copy(self) -> Data:
        other = Data(self.blob, self.annotations, self.rev)
        other._stored = self._stored
        return other

    def __repr__(self) -> str:
        return (
            f"Data(rev={self.rev}, blob={self.blob[:32]!r}{'...' if len(self.blob) > 32 else ''})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Data):
            return NotImplemented
        return (self.rev, self.blob, self.annotations) == (other.rev, other.blob, other.annotations)

    __hash__ = None  # type: ignore[assignment]


class StateCtx:
    """The mutable working object a flow edits.

    `committed` is the version last read or written (its rev is the optimistic-concurrency
    token); `current` is the working copy; `transitions` were applied in memory since
    `committed`; `datas` holds loaded or to-be-stored data by alias.
    """

    __slots__ = ("committed", "current", "datas", "transitions")

    def __init__(
        self,
        current: State | None = None,
        committed: State | None = None,
        transitions: list[Transition] | None = None,
        datas: dict[str, Data] | None = None,
    ) -> None:
        self.current: State = current if current is not None else State()
        self.committed: State = committed if committed is not None else State()
        self.transitions: list[Transition] = transitions if transitions is not None else []
        self.datas: dict[str, Data] = datas if datas is not None else {}

    @classmethod
    def new(
        cls,
        id: str,
        labels: Mapping[str, str] | None = None,
        annotations: Mapping[str, str] | None = None,
    ) -> StateCtx:
        if not isinstance(id, str) or not id:
            raise UsageError(f"state id must be a non-empty string, got {id!r}")
        _check_str_map("labels", labels)
        _check_str_map("annotations", annotations)
        return cls(State(id=id, labels=dict(labels or {}), annotations=dict(annotations or {})))

    @classmethod
    def from_state(cls, state: State) -> StateCtx:
        """A ctx whose current and committed are that version (current is a private copy)."""
        committed = state.frozen()
        return cls(state.copy(), committed)

    def copy(self) -> StateCtx:
        """A deep copy; maps are replaced, never merged."""
        return StateCtx(
            self.current.copy(),
            self.committed,  # committed versions are immutable: sharing is a copy
            list(self.transitions),
            {alias: d.copy() for alias, d in self.datas.items()},
        )

    def new_to(self, id: str) -> StateCtx:
        """A copy that will be committed as a new state `id`."""
        if not isinstance(id, str) or not id:
            raise UsageError(f"state id must be a non-empty string, got {id!r}")
        other = self.copy()
        other.current.id = id
        other.current.rev = 0
        other.committed = State()
        return other

    def data(self, alias: str) -> Data:
        try:
            return self.datas[alias]
        except KeyError:
            raise UsageError(
                f"no data with alias {alias!r} in this ctx; load it with get_data(ctx, {alias!r})"
            ) from None

    def set_data(self, alias: str, data: Data) -> None:
        self.datas[alias] = data

    def to_json(self) -> dict[str, Any]:
        return {
            "current": self.current.to_json(),
            "committed": self.committed.to_json(),
            "transitions": [t.to_json() for t in self.transitions],
        }

    def dumps(self) -> str:
        return orjson.dumps(self.to_json()).decode()

    @classmethod
    def loads(cls, text: str) -> StateCtx:
        try:
            raw = orjson.loads(text)
            return cls(
                State.from_json(raw["current"]),
                State.from_json(raw["committed"]).frozen(),
                [Transition.from_json(t) for t in raw.get("transitions", [])],
            )
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise UsageError(f"cannot decode a stacked StateCtx: {exc}") from exc

    def __repr__(self) -> str:
        return (
            f"StateCtx(id={self.current.id!r}, rev={self.current.rev}, "
            f"committed_rev={self.committed.rev}, to={self.current.transition.to!r})"
        )


def _check_str_map(name: str, value: Mapping[str, str] | None) -> None:
    if value is None:
        return
    if not isinstance(value, Mapping):
        raise UsageError(f"{name} must be a mapping of str to str, got {type(value).__name__}")
    for k, v in value.items():
        if not isinstance(k, str) or not isinstance(v, str):
            raise UsageError(f"{name} must map str to str, got {k!r}: {v!r}")
