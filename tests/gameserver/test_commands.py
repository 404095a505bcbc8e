"""The decoder: typed commands out, or a ProtocolError with a code; never anything else."""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gameserver.wire.errors import ProtocolError
from gameserver.wire.requests import (
    MESSAGE_TYPES,
    Act,
    Chat,
    Create,
    Hello,
    Join,
    Ping,
    Watch,
    decode,
)


def error_of(frame: str | bytes) -> ProtocolError:
    with pytest.raises(ProtocolError) as info:
        decode(frame)
    return info.value


def test_act_carries_the_game_action() -> None:
    """`act` carries the game's action object, decoded by the game once it is known; Go's
    requests of before (`move`, `pass`...) are the same `act` with the request as action."""
    cmd = decode('{"type":"act","id":7,"game_id":"g1","rev":3,"action":{"type":"drop",'
                 '"column":2}}')
    assert cmd == Act(7, "g1", 3, {"type": "drop", "column": 2})
    legacy = decode('{"type":"move","id":7,"game_id":"g1","rev":3,"x":2,"y":4}')
    assert legacy == Act(7, "g1", 3, {"type": "move", "x": 2, "y": 4}, legacy=True)
    assert decode('{"type":"undo_reply","game_id":"g","accept":false}') == Act(
        None, "g", None, {"type": "undo_reply", "accept": False}, legacy=True)


def test_optional_fields_default() -> None:
    """hello without token/name, watch without since_rev, create with only a size."""
    assert decode('{"type":"hello"}') == Hello(None, None, None)
    assert decode('{"type":"watch","game_id":"g"}') == Watch(None, "g", None)
    create = decode('{"type":"create","size":9}')
    assert isinstance(create, Create)
    assert create.game == "go" and create.seat == "random"
    assert create.options == {"size": 9}
    assert decode('{"type":"create","color":"white"}').seat == "white"  # type: ignore[attr-defined]
    assert decode('{"type":"join","game_id":"g"}') == Join(None, "g", None)


def test_extra_fields_are_ignored() -> None:
    """Clients may add fields; the decoder ignores what it does not know."""
    cmd = decode('{"type":"chat","game_id":"g","text":"hi","mood":"happy"}')
    assert cmd == Chat(None, "g", "hi")


@pytest.mark.parametrize(
    ("frame", "code", "message"),
    [
        ("not json", "bad_request", "the frame is not valid JSON"),
        ("[1,2]", "bad_request", "a message must be a JSON object, not a list"),
        ('{"id":1}', "bad_request", "field 'type' is missing or not a string"),
        ('{"type":"fly"}', "unknown_type", "unknown message type 'fly'"),
        ('{"type":"move","rev":1,"x":1,"y":1}', "bad_request", "field 'game_id' is missing"),
        ('{"type":"act","game_id":"g","action":[]}', "bad_request",
         "field 'action' must be an object with a 'type'"),
        ('{"type":"act","game_id":"g","action":{"x":1}}', "bad_request",
         "field 'action.type' is missing or not a string"),
        ('{"type":"act","game_id":"g","rev":"3","action":{"type":"pass"}}', "bad_request",
         "field 'rev' must be an integer, not a string"),
        ('{"type":"create","color":7}', "bad_request",
         "field 'seat' must be a seat name or \"random\""),
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
     "size", "komi", "color", "seat", "time_control", "t", "opponent", "game", "action"]
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
