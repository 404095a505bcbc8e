"""The decoder: typed commands out, or a ProtocolError with a code; never anything else."""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gameserver.core.timecontrol import System, TimeControl
from gameserver.wire.errors import ProtocolError
from gameserver.wire.requests import (
    MESSAGE_TYPES,
    UNTIMED,
    Chat,
    Create,
    Hello,
    MarkDead,
    Move,
    Ping,
    UndoReply,
    Watch,
    decode,
)


def error_of(frame: str | bytes) -> ProtocolError:
    with pytest.raises(ProtocolError) as info:
        decode(frame)
    return info.value


def test_move_decodes_to_a_typed_command() -> None:
    """A well-formed move becomes a frozen Move with its request id."""
    cmd = decode('{"type":"move","id":7,"game_id":"g1","rev":3,"x":2,"y":4}')
    assert cmd == Move(7, "g1", 3, 2, 4)


def test_optional_fields_default() -> None:
    """hello without token/name, watch without since_rev, create with only a size."""
    assert decode('{"type":"hello"}') == Hello(None, None, None)
    assert decode('{"type":"watch","game_id":"g"}') == Watch(None, "g", None)
    create = decode('{"type":"create","size":9}')
    assert isinstance(create, Create)
    assert create.game == "go" and create.color == "random"
    assert create.options == {"size": 9}
    assert create.time_control == UNTIMED


def test_extra_fields_are_ignored() -> None:
    """Clients may add fields; the decoder ignores what it does not know."""
    cmd = decode('{"type":"chat","game_id":"g","text":"hi","mood":"happy"}')
    assert cmd == Chat(None, "g", "hi")


def test_time_controls_parse() -> None:
    """Every clock system of the protocol parses into a TimeControl."""
    fischer = decode('{"type":"create","time_control":{"system":"fischer","main":300,'
                     '"increment":5,"max":600}}')
    assert isinstance(fischer, Create)
    assert fischer.time_control == TimeControl(System.FISCHER, main_ms=300_000,
                                               increment_ms=5_000, max_ms=600_000)
    byo = decode('{"type":"create","time_control":{"system":"byoyomi","main":60,"periods":3,'
                 '"period":30}}')
    assert isinstance(byo, Create)
    assert byo.time_control.to_dict() == {"system": "byoyomi", "main": 60, "periods": 3,
                                          "period": 30}


@pytest.mark.parametrize(
    ("frame", "code", "message"),
    [
        ("not json", "bad_request", "the frame is not valid JSON"),
        ("[1,2]", "bad_request", "a message must be a JSON object, not a list"),
        ('{"id":1}', "bad_request", "field 'type' is missing or not a string"),
        ('{"type":"fly"}', "unknown_type", "unknown message type 'fly'"),
        ('{"type":"move","game_id":"g","rev":1,"x":"a","y":1}', "bad_request",
         "field 'x' must be an integer, not a string"),
        ('{"type":"move","game_id":"g","rev":1,"x":true,"y":1}', "bad_request",
         "field 'x' must be an integer, not a boolean"),
        ('{"type":"move","game_id":"g","x":1,"y":1}', "bad_request", "field 'rev' is missing"),
        ('{"type":"undo_reply","game_id":"g","accept":1}', "bad_request",
         "field 'accept' must be true or false, not a number"),
        ('{"type":"create","color":"green"}', "bad_request",
         "field 'color' must be black, white or random"),
        ('{"type":"create","time_control":{"system":"hourglass"}}', "bad_request",
         "time_control.system: must be one of absolute, fischer, byoyomi, canadian, none "
         "(got 'hourglass')"),
        ('{"type":"create","time_control":{"system":"absolute","main":1e306}}', "bad_request",
         "time_control: a duration is out of range"),
        ('{"type":"create","time_control":{"system":"absolute","main":1e7}}', "bad_request",
         "time_control: durations are at most 864000 seconds"),
    ],
)
def test_malformed_frames_get_their_code(frame: str, code: str, message: str) -> None:
    """Each malformed frame gets a stable code and a sentence saying what is wrong."""
    error = error_of(frame)
    assert (error.code, error.message) == (code, message)


def test_error_echoes_the_request_id() -> None:
    """A readable id is echoed even when the rest of the message is wrong."""
    error = error_of('{"type":"move","id":"abc"}')
    assert error.to_wire()["id"] == "abc"


def test_mark_dead_and_undo_reply() -> None:
    """Booleans decode as booleans."""
    assert decode('{"type":"mark_dead","game_id":"g","x":1,"y":2,"dead":true}') == MarkDead(
        None, "g", 1, 2, True)
    assert decode('{"type":"undo_reply","game_id":"g","accept":false}') == UndoReply(
        None, "g", False)


def test_ping_keeps_t() -> None:
    """ping echoes t."""
    assert decode('{"type":"ping","t":12.5}') == Ping(None, 12.5)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                  max_size=3),
    max_leaves=8,
)
field_names = st.sampled_from(
    ["id", "game_id", "rev", "x", "y", "accept", "dead", "text", "token", "name", "since_rev",
     "size", "komi", "color", "time_control", "t", "opponent", "game"]
)


@st.composite
def shaped_messages(draw: st.DrawFn) -> dict[str, Any]:
    msg: dict[str, Any] = draw(st.dictionaries(field_names, json_values, max_size=6))
    msg["type"] = draw(st.sampled_from([*MESSAGE_TYPES, "nope"]) | json_values)
    return msg


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_only_raise_protocol_errors(frame: bytes) -> None:
    """Random bytes decode or raise ProtocolError, never anything else."""
    try:
        decode(frame)
    except ProtocolError as error:
        assert error.code in ("bad_request", "unknown_type")


@settings(max_examples=1500, deadline=None)
@given(shaped_messages())
def test_random_shaped_json_only_raises_protocol_errors(msg: dict[str, Any]) -> None:
    """JSON shaped like the messages decodes or raises ProtocolError, never anything else."""
    frame = json.dumps(msg)
    try:
        cmd = decode(frame)
    except ProtocolError as error:
        assert error.code in ("bad_request", "unknown_type")
        wire = orjson.loads(orjson.dumps(error.to_wire()))
        assert wire["type"] == "error"
    else:
        assert type(cmd).__name__  # a typed command


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=100))
def test_random_text_only_raises_protocol_errors(frame: str) -> None:
    """Random text frames too."""
    try:
        decode(frame)
    except ProtocolError:
        pass
