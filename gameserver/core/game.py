"""What a game declares to be served: the interface between the match core and one game.

The match core (`gameserver.core.match`) knows seats, spectators, joining, presence, the record,
deadlines and the wire; it knows nothing about any one game. A game is an object with the
attributes and methods of `Game` (subclass `GameBase` for the defaults):

- **settings**: `settings(raw)` validates the `create` fields it knows and returns them
  normalized, defaults filled in (`bad_request` otherwise);
- **seats**: `seat_names(settings)` names them in order (Go: `("black", "white")`; a game
  for two to four players names as many as its settings ask for); the game starts when every
  seat is taken, and spectators are everyone else;
- **actions**: typed values (frozen dataclasses), decoded at the edge by `action(raw)` from
  the wire's `action` object (`{"type": ..., fields}`); `encode`/`decode` are their record form.
  An action class with `checks_rev = True` must come with the rev the client saw (`stale_rev`
  otherwise); others (steering, marking) are judged against whatever is current;
- **phases**: `phase(state)` names the game's phase, and `phases` says which action classes
  each phase allows, so anything else is `wrong_phase` by construction. `"finished"` ends it;
- **turn order** is the game's business: `apply(state, seat, action, now)` refuses actions out
  of turn (`not_your_turn`), accepts simultaneous ones, or ignores the seat entirely;
- **deadlines**: `deadline(state)` is the next instant something happens unless somebody acts
  (a flag, a server tick, a phase timeout), as `(at, kind)`; `expire(state, kind, now)` says
  what happens then, as actions (`(seat or None for the server, action)`), which are applied
  and recorded like a player's. The server runs each deadline as a durable flowstate timer;
- **absence**: `abandon(state, seat)` is the action that ends the game when a seated player
  stays away longer than the server allows (a forfeit), or None where the game deals with
  absence itself (a running clock, a cycle that crashes on its own);
- **what each seat sees**: `view(state, seat, now, full)` is the game's part of the `Game` the
  wire shows to `seat` (None: a spectator); with `hidden = True` each seat gets its own frame,
  so hidden information stays hidden. `full` is False for an `update`, which leaves out what a
  client appends from the event (Go's `moves`);
- **result**: `result(state)`, the result text once finished;
- **exports**: `exports` maps a format name (Go: `"sgf"`) to a function of the state and an
  `ExportInfo` (names, date, chat) returning `(media_type, text)`;
- **queries**: `queries` maps a name (Go: `"estimate"`) to a function of the state returning
  JSON, for `query` requests that look at a game without changing it.

Everything here is pure: values in, values out, `now` an argument.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, Literal, Protocol, TypeAlias

from gameserver.wire.errors import BadRequest, UnknownType
from gameserver.wire.requests import kind_of

__all__ = ["Action", "Deadline", "Event", "Export", "ExportInfo", "Game", "GameBase", "Json",
           "decode_action", "read_fields"]

Json: TypeAlias = Any
Event: TypeAlias = dict[str, Json]
Deadline: TypeAlias = tuple[float, str]
@dataclasses.dataclass(frozen=True, slots=True)
class ExportInfo:
    """What an export may use besides the game state."""

    names: Mapping[str, str]  # players' names by seat
    created_at: float  # unix seconds
    #: the chat kept with the game: `{player_id, name, text, at, moves}` (moves: how many
    #: moves had been played when it was said)
    chat: Sequence[Mapping[str, Any]] = ()


#: (state, info) -> (media type, text)
Export: TypeAlias = Callable[[Any, ExportInfo], tuple[str, str]]
Action: TypeAlias = Any  # a game's frozen dataclass


class Game(Protocol):
    """The interface; see the module's documentation."""

    @property
    def name(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def hidden(self) -> bool: ...

    @property
    def phases(self) -> Mapping[str, frozenset[type[Any]]]: ...

    @property
    def exports(self) -> Mapping[str, Export]: ...

    @property
    def queries(self) -> Mapping[str, Callable[[Any], Json]]: ...

    def settings(self, raw: Mapping[str, Json]) -> dict[str, Json]: ...

    def seat_names(self, settings: Mapping[str, Json]) -> Sequence[str]: ...

    def action(self, raw: Mapping[str, Json], prefix: str = "action.") -> Action: ...

    def new(self, settings: Mapping[str, Json]) -> Any: ...

    def start(self, state: Any, seats: Sequence[str], now: float) -> Any: ...

    def stop(self, state: Any, now: float) -> Any: ...

    def phase(self, state: Any) -> str: ...

    def apply(self, state: Any, seat: str | None, action: Action,
              now: float) -> tuple[Any, Event]: ...

    def deadline(self, state: Any) -> Deadline | None: ...

    def tick_period(self, settings: Mapping[str, Json]) -> int | None: ...

    def expire(self, state: Any, kind: str,
               now: float) -> Sequence[tuple[str | None, Action]]: ...

    def abandon(self, state: Any, seat: str) -> Action | None: ...

    def view(self, state: Any, seat: str | None, now: float, full: bool) -> dict[str, Json]: ...

    def result(self, state: Any) -> str | None: ...

    def moves(self, state: Any) -> int: ...

    def encode(self, action: Action) -> list[Json]: ...

    def decode(self, item: Sequence[Json]) -> Action: ...


class GameBase:
    """Defaults for a `Game`: a subclass sets `name`, `title`, `seats` (or writes
    `seat_names`), `phases` and `actions` (wire type name -> action class) and writes
    `settings`, `new`, `phase`, `apply`, `view` and `result`; the rest has defaults."""

    name: ClassVar[str]
    title: ClassVar[str]
    seats: tuple[str, ...]
    hidden: ClassVar[bool] = False
    phases: ClassVar[Mapping[str, frozenset[type[Any]]]]
    #: the actions a client may send, by wire type name
    actions: ClassVar[Mapping[str, type[Any]]]
    #: every action that can appear in a record (the wire ones plus the server's own, e.g. a
    #: timeout or a tick), by record code; defaults to `actions`
    recorded: ClassVar[Mapping[str, type[Any]]] = {}
    exports: Mapping[str, Export] = {}
    queries: Mapping[str, Callable[[Any], Json]] = {}

    def seat_names(self, settings: Mapping[str, Json]) -> Sequence[str]:
        return self.seats

    def action(self, raw: Mapping[str, Json], prefix: str = "action.") -> Action:
        return decode_action(self.actions, raw, prefix)

    def start(self, state: Any, seats: Sequence[str], now: float) -> Any:
        return state

    def stop(self, state: Any, now: float) -> Any:
        return state

    def deadline(self, state: Any) -> Deadline | None:
        return None

    def tick_period(self, settings: Mapping[str, Json]) -> int | None:
        """The period (ms) of the game's fixed-rate tick with these settings, or None (no
        tick). A game that has one gets `settings["tick_phase"]` from the server: the
        millisecond of the period its ticks should fall on (`gameserver.core.phases`)."""
        return None

    def expire(self, state: Any, kind: str,
               now: float) -> Sequence[tuple[str | None, Action]]:
        return ()

    def abandon(self, state: Any, seat: str) -> Action | None:
        return None

    def moves(self, state: Any) -> int:
        return 0

    def _codes(self) -> Mapping[str, type[Any]]:
        return self.recorded or self.actions

    def encode(self, action: Action) -> list[Json]:
        known = _ENCODINGS.get((type(self), type(action)))
        if known is None:
            for code, cls in self._codes().items():
                if type(action) is cls:
                    known = code, tuple(f.name for f in dataclasses.fields(cls))
                    _ENCODINGS[(type(self), cls)] = known  # `recorded` is per class
                    break
            else:
                raise ValueError(f"{self.name}: {action!r} is not a recorded action")
        code, names = known
        return [code, *[getattr(action, name) for name in names]]

    def decode(self, item: Sequence[Json]) -> Action:
        cls = self._codes()[item[0]]
        return cls(*item[1:1 + len(dataclasses.fields(cls))])


#: (game class, action class) -> the action's record code and field names (`GameBase.encode`
#: runs for every recorded action, a real-time game's ticks included)
_ENCODINGS: dict[tuple[type[Any], type[Any]], tuple[str, tuple[str, ...]]] = {}


def decode_action(actions: Mapping[str, type[Any]], raw: Mapping[str, Json],
                  prefix: str = "action.") -> Action:
    """A wire `action` object to the game's typed action: `type` picks the class, the other
    fields are read by their annotated types (`read_fields`); `prefix` names where the fields
    were in error messages (`action.`, or nothing for a request that is itself the action)."""
    if not isinstance(raw, Mapping):
        raise BadRequest("field 'action' must be an object")
    name = raw.get("type")
    if type(name) is not str:
        raise BadRequest(f"field '{prefix}type' is missing or not a string")
    cls = actions.get(name)
    if cls is None:
        raise UnknownType(name[:64])
    return cls(**read_fields(cls, raw, prefix))


_INT_BOUND = 1_000_000


def read_fields(cls: type[Any], raw: Mapping[str, Json], prefix: str = "") -> dict[str, Json]:
    """The fields of dataclass `cls` from `raw`, checked against their annotations: `int`
    (within +-1,000,000), `float`, `bool`, `str` (at most 200 characters) and `Literal[...]`.
    A field with a default may be absent."""
    out: dict[str, Json] = {}
    for name, check, required in _schema(cls):
        value = raw.get(name)
        if value is None:
            if required:
                raise BadRequest(f"field {prefix + name!r} is missing")
            continue
        out[name] = check(value, prefix + name)
    return out


#: checks one field's value (`name` is its name in error messages) and returns it as stored
Checker = Callable[[Json, str], Json]

_SCHEMAS: dict[type[Any], tuple[tuple[str, Checker, bool], ...]] = {}


def _schema(cls: type[Any]) -> tuple[tuple[str, Checker, bool], ...]:
    """(name, checker, required) of each init field, worked out once per class: resolving
    annotations is slow (most of a move's cost, measured), and a class's never change; so is
    dispatching on the annotation, so each field gets its checker here."""
    schema = _SCHEMAS.get(cls)
    if schema is None:
        hints = typing.get_type_hints(cls)
        schema = _SCHEMAS[cls] = tuple(
            (f.name, _checker(hints[f.name]),
             f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING)
            for f in dataclasses.fields(cls) if f.init)
    return schema


def _checker(hint: Any) -> Checker:
    """The checker of a field annotated `hint`."""
    origin = typing.get_origin(hint)
    if origin is Literal:
        return _literal(typing.get_args(hint))
    if origin in (types.UnionType, typing.Union):
        return _union(tuple(_checker(arm) for arm in typing.get_args(hint)
                            if arm is not type(None)))
    simple = _SIMPLE.get(hint)
    if simple is not None:
        return simple

    def unsupported(value: Json, name: str) -> Json:
        raise TypeError(f"read_fields: unsupported annotation {hint!r} for {name}")
    return unsupported


def _literal(choices: tuple[Any, ...]) -> Checker:
    def check(value: Json, name: str) -> Json:
        if value not in choices or type(value) is bool:
            listed = ", ".join(repr(a) for a in choices)
            raise BadRequest(f"field {name!r} must be one of {listed}")
        return value
    return check


def _union(arms: tuple[Checker, ...]) -> Checker:
    def check(value: Json, name: str) -> Json:
        for arm in arms:
            try:
                return arm(value, name)
            except BadRequest:
                pass
        raise BadRequest(f"field {name!r} has the wrong type")
    return check


def _bool(value: Json, name: str) -> Json:
    if type(value) is not bool:
        raise BadRequest(f"field {name!r} must be true or false, not {kind_of(value)}")
    return value


def _int(value: Json, name: str) -> Json:
    if type(value) is not int:
        raise BadRequest(f"field {name!r} must be an integer, not {kind_of(value)}")
    if not -_INT_BOUND <= value <= _INT_BOUND:
        raise BadRequest(f"field {name!r} must be between {-_INT_BOUND} and {_INT_BOUND}, "
                         f"not {value}")
    return value


def _float(value: Json, name: str) -> Json:
    if type(value) not in (int, float):
        raise BadRequest(f"field {name!r} must be a number, not {kind_of(value)}")
    return float(value)


def _str(value: Json, name: str) -> Json:
    if type(value) is not str:
        raise BadRequest(f"field {name!r} must be a string, not {kind_of(value)}")
    if len(value) > 200:
        raise BadRequest(f"field {name!r} is longer than 200 characters")
    return value


_SIMPLE: dict[Any, Checker] = {bool: _bool, int: _int, float: _float, str: _str}
