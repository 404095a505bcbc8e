"""The websocket decoder: one text frame in, one typed frozen command out.

Pure: no I/O, no clock. `decode(frame)` returns a command or raises `ProtocolError`
(`bad_request` / `unknown_type`) carrying the request id when it could be read; it never raises
anything else. Unknown extra fields are ignored, as the protocol allows.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from gameserver.core.evolve import fast_init
from gameserver.core.timecontrol import InvalidTimeControl, System, TimeControl
from gameserver.wire.errors import BadRequest, ProtocolError, RequestId, UnknownType

MAX_ID_LENGTH = 64
MAX_GAME_ID_LENGTH = 64
MAX_TOKEN_LENGTH = 128
MAX_TEXT_LENGTH = 4096  # hard cap at the edge; the chat limit (settings) is checked by the server
MAX_COORD = 1_000
MAX_REV = 2**53
MAX_SECONDS = 10 * 24 * 3600.0
#: byo-yomi periods and Canadian stones per period (a real clock has a handful or a few dozen)
MAX_PERIODS = 100
MAX_STONES = 1000
UNTIMED = TimeControl(System.NONE)

Json = Any


@dataclass(frozen=True, slots=True)
class Command:
    id: RequestId


@dataclass(frozen=True, slots=True)
class GameCommand(Command):
    game_id: str


@dataclass(frozen=True, slots=True)
class Hello(Command):
    token: str | None
    name: str | None


@dataclass(frozen=True, slots=True)
class Ping(Command):
    t: float | int | str | None


@dataclass(frozen=True, slots=True)
class LobbySubscribe(Command):
    pass


@dataclass(frozen=True, slots=True)
class LobbyUnsubscribe(Command):
    pass


@dataclass(frozen=True, slots=True)
class Create(Command):
    game: str
    options: Mapping[str, Json]  # game-specific settings, validated by the game
    seat: str  # the creator's seat, or "random"
    opponent: str | None = None


@dataclass(frozen=True, slots=True)
class Join(GameCommand):
    seat: str | None = None  # a particular open seat; default: the first open one


@dataclass(frozen=True, slots=True)
class Watch(GameCommand):
    since_rev: int | None


@dataclass(frozen=True, slots=True)
class Unwatch(GameCommand):
    pass


@dataclass(frozen=True, slots=True)
class QuickMatch(Command):
    """Wait for a game with these settings (the same fields as `create`)."""

    game: str
    options: Mapping[str, Json]


@dataclass(frozen=True, slots=True)
class QuickMatchCancel(Command):
    pass


@dataclass(frozen=True, slots=True)
class Rematch(GameCommand):
    """Offer the other players of a finished game the same game again, seats turned."""


@dataclass(frozen=True, slots=True)
class RematchReply(GameCommand):
    """Answer a rematch offered to you (`game_id` is the new game's)."""

    accept: bool


@dataclass(frozen=True, slots=True)
class Query(GameCommand):
    """Look at a game without changing it (`Game.queries`: Go's `estimate`)."""

    name: str


@fast_init
@dataclass(frozen=True, slots=True)
class Act(GameCommand):
    """A game action: `action` is the wire object (`{"type": ..., fields}`), decoded into the
    game's typed action at the edge once the game is known (`Game.action`); `rev` is the rev
    the client saw (required by the actions that say so)."""

    rev: int | None
    action: Mapping[str, Json] | Any  # the wire object, or (from the server's own bots) typed
    #: it came as one of Go's own requests (`move`, `pass`...): its fields are the request's
    legacy: bool = False


@dataclass(frozen=True, slots=True)
class Chat(GameCommand):
    text: str = field(default="")


# -- field readers ---------------------------------------------------------------------------

_MISSING = object()


def _get(msg: Mapping[str, Json], name: str, required: bool = True) -> Json:
    value = msg.get(name, _MISSING)
    if value is _MISSING or value is None:
        if required:
            raise BadRequest(f"field {name!r} is missing")
        return None
    return value


def _int(msg: Mapping[str, Json], name: str, lo: int, hi: int, required: bool = True) -> int | None:
    value = _get(msg, name, required)
    if value is None:
        return None
    if type(value) is not int:
        raise BadRequest(f"field {name!r} must be an integer, not {kind_of(value)}")
    if not lo <= value <= hi:
        raise BadRequest(f"field {name!r} must be between {lo} and {hi}, not {value}")
    return value


def _req_int(msg: Mapping[str, Json], name: str, lo: int, hi: int) -> int:
    value = _int(msg, name, lo, hi)
    assert value is not None
    return value


def _str(msg: Mapping[str, Json], name: str, max_len: int, required: bool = True) -> str | None:
    value = _get(msg, name, required)
    if value is None:
        return None
    if type(value) is not str:
        raise BadRequest(f"field {name!r} must be a string, not {kind_of(value)}")
    if len(value) > max_len:
        raise BadRequest(f"field {name!r} is longer than {max_len} characters")
    return value


def _req_str(msg: Mapping[str, Json], name: str, max_len: int) -> str:
    value = _str(msg, name, max_len)
    assert value is not None
    return value


def _bool(msg: Mapping[str, Json], name: str) -> bool:
    value = _get(msg, name)
    if type(value) is not bool:
        raise BadRequest(f"field {name!r} must be true or false, not {kind_of(value)}")
    return bool(value)


def _game_id(msg: Mapping[str, Json]) -> str:
    value = _req_str(msg, "game_id", MAX_GAME_ID_LENGTH)
    if not value:
        raise BadRequest("field 'game_id' is empty")
    return value


def _rev(msg: Mapping[str, Json]) -> int:
    return _req_int(msg, "rev", 0, MAX_REV)


def _coord(msg: Mapping[str, Json], name: str) -> int:
    return _req_int(msg, name, -MAX_COORD, MAX_COORD)


def kind_of(value: Json) -> str:
    """How a JSON value reads in an error message: 'a string', 'a number'..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def parse_time_control(value: Json) -> TimeControl:
    """A protocol `time_control` object (validated by the game clock's own parser); absent
    means untimed."""
    if value is None:
        return UNTIMED
    try:
        control = TimeControl.from_dict(value)
    except InvalidTimeControl as error:
        raise BadRequest(str(error)) from None
    except (OverflowError, ValueError):
        raise BadRequest("time_control: a duration is out of range") from None
    longest = max(control.main_ms, control.increment_ms, control.max_ms, control.period_ms)
    if longest > MAX_SECONDS * 1000:
        raise BadRequest(f"time_control: durations are at most {MAX_SECONDS:g} seconds")
    if control.periods > MAX_PERIODS:
        raise BadRequest(f"time_control: periods are at most {MAX_PERIODS}")
    if control.stones > MAX_STONES:
        raise BadRequest(f"time_control: stones are at most {MAX_STONES}")
    total = control.main_ms + control.periods * control.period_ms
    if total > MAX_SECONDS * 1000:
        raise BadRequest(f"time_control: main time and all periods together are at most "
                         f"{MAX_SECONDS:g} seconds")
    return control


# -- one reader per type ------------------------------------------------------------------------


def _hello(rid: RequestId, m: Mapping[str, Json]) -> Command:
    return Hello(rid, token=_str(m, "token", MAX_TOKEN_LENGTH, required=False),
                 name=_str(m, "name", 200, required=False))


def _ping(rid: RequestId, m: Mapping[str, Json]) -> Command:
    t = m.get("t")
    if t is not None and (type(t) not in (int, float, str) or (type(t) is str and len(t) > 64)):
        raise BadRequest("field 't' must be a number")
    if type(t) is float and not math.isfinite(t):
        raise BadRequest("field 't' must be a finite number")
    return Ping(rid, t=t)


_CREATE_RESERVED = frozenset({"type", "id", "game", "color", "seat", "opponent"})


def _create(rid: RequestId, m: Mapping[str, Json]) -> Command:
    game = _str(m, "game", 32, required=False) or "go"
    seat = m.get("seat", m.get("color", "random"))
    if seat is None:
        seat = "random"
    if type(seat) is not str or len(seat) > 32:
        raise BadRequest("field 'seat' must be a seat name or \"random\"")
    opponent = _str(m, "opponent", 32, required=False)
    if opponent is not None and opponent != "bot":
        raise BadRequest("field 'opponent' must be \"bot\" when given")
    options = {k: v for k, v in m.items() if k not in _CREATE_RESERVED}
    return Create(rid, game=game, options=options, seat=seat, opponent=opponent)


def _join(rid: RequestId, m: Mapping[str, Json]) -> Command:
    return Join(rid, _game_id(m), seat=_str(m, "seat", 32, required=False))


def _act(rid: RequestId, m: Mapping[str, Json]) -> Command:
    action = m.get("action")
    if not isinstance(action, dict):
        raise BadRequest("field 'action' must be an object with a 'type'")
    if type(action.get("type")) is not str:
        raise BadRequest("field 'action.type' is missing or not a string")
    return Act(rid, _game_id(m), _int(m, "rev", 0, MAX_REV, required=False), action)


#: Go's requests from before `act` existed: each is an `act` whose action is the request
#: itself (`{"type": "move", "game_id", "rev", "x", "y"}` acts `{"type": "move", "x", "y"}`)
LEGACY_ACTIONS = ("move", "pass", "resign", "undo_request", "undo_reply", "mark_dead",
                  "accept_score", "resume_play")
_ENVELOPE = frozenset({"id", "game_id", "rev"})


def _legacy(rid: RequestId, m: Mapping[str, Json]) -> Command:
    action = {k: v for k, v in m.items() if k not in _ENVELOPE}
    return Act(rid, _game_id(m), _int(m, "rev", 0, MAX_REV, required=False), action,
               legacy=True)


def _watch(rid: RequestId, m: Mapping[str, Json]) -> Command:
    return Watch(rid, _game_id(m), since_rev=_int(m, "since_rev", 0, MAX_REV, required=False))


def _chat(rid: RequestId, m: Mapping[str, Json]) -> Command:
    return Chat(rid, _game_id(m), text=_req_str(m, "text", MAX_TEXT_LENGTH))


_READERS: dict[str, Callable[[RequestId, Mapping[str, Json]], Command]] = {
    "hello": _hello,
    "ping": _ping,
    "lobby_subscribe": lambda rid, m: LobbySubscribe(rid),
    "lobby_unsubscribe": lambda rid, m: LobbyUnsubscribe(rid),
    "create": _create,
    "join": _join,
    "watch": _watch,
    "unwatch": lambda rid, m: Unwatch(rid, _game_id(m)),
    "act": _act,
    "quick_match": lambda rid, m: QuickMatch(
        rid, _str(m, "game", 32, required=False) or "go",
        {k: v for k, v in m.items() if k not in _CREATE_RESERVED}),
    "quick_match_cancel": lambda rid, m: QuickMatchCancel(rid),
    "rematch": lambda rid, m: Rematch(rid, _game_id(m)),
    "rematch_reply": lambda rid, m: RematchReply(rid, _game_id(m), _bool(m, "accept")),
    "query": lambda rid, m: Query(rid, _game_id(m), _req_str(m, "name", 32)),
    "estimate": lambda rid, m: Query(rid, _game_id(m), "estimate"),
    **{name: _legacy for name in LEGACY_ACTIONS},
    "chat": _chat,
}

MESSAGE_TYPES: tuple[str, ...] = tuple(_READERS)


def read_request_id(msg: Mapping[str, Json]) -> RequestId:
    rid = msg.get("id")
    if rid is None:
        return None
    if type(rid) is int and abs(rid) <= MAX_REV:
        return rid
    if type(rid) is str and len(rid) <= MAX_ID_LENGTH:
        return rid
    raise BadRequest(f"field 'id' must be a string of at most {MAX_ID_LENGTH} characters "
                     "or an integer")


def peek_request_id(frame: str | bytes) -> RequestId:
    """The request id of a frame that will not be decoded (e.g. rate limited), if readable."""
    try:
        msg = orjson.loads(frame)
        return read_request_id(msg) if isinstance(msg, dict) else None
    except (orjson.JSONDecodeError, ProtocolError, RecursionError):
        return None


def decode(frame: str | bytes) -> Command:
    """Decode one frame into a command, or raise `ProtocolError` (and nothing else)."""
    try:
        msg = orjson.loads(frame)
    except (orjson.JSONDecodeError, TypeError, ValueError, UnicodeError):
        raise BadRequest("the frame is not valid JSON") from None
    except RecursionError:
        raise BadRequest("the frame is nested too deeply") from None
    if not isinstance(msg, dict):
        raise BadRequest(f"a message must be a JSON object, not {kind_of(msg)}")
    rid = read_request_id(msg)
    type_name = msg.get("type")
    try:
        if type(type_name) is not str:
            raise BadRequest("field 'type' is missing or not a string")
        reader = _READERS.get(type_name)
        if reader is None:
            raise UnknownType(type_name[:64])
        return reader(rid, msg)
    except ProtocolError as error:
        raise error.with_id(rid) from None
