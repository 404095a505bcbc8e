"""Names and chat lines shown to others hold nothing invisible or misleading; every field of
a time control is bounded."""

from __future__ import annotations

import pytest

from gameserver.live.text import clean_name, reserved_name
from gameserver.testing import ProtocolError, RunningServer
from gameserver.wire.errors import BadRequest
from tests.gameserver.helpers import start_game


@pytest.mark.parametrize(("typed", "shown"), [
    ("\u202eAlice", "Alice"),  # a right-to-left override
    ("Al\u200bice", "Alice"),  # a zero-width space
    ("\ufeffBob\u2066", "Bob"),  # a BOM and a bidi isolate
    ("\uff21lice", "Alice"),  # full-width: NFKC
    ("  Carol   Ann ", "Carol Ann"),
    ("Zoë", "Zoë"),
    ("Кирилл", "Кирилл"),  # one script is fine
])
async def test_names_are_normalized(game_server: RunningServer, typed: str, shown: str) -> None:
    client = await game_server.connect()
    assert (await client.hello(typed))["name"] == shown


@pytest.mark.parametrize(("typed", "why"), [
    ("\u3164", "invisible letters"),
    ("A\uffa0B", "invisible letters"),
    ("\u0410lice", "look-alike scripts"),  # a Cyrillic A in a Latin name
    ("Built-in bot", "kept for the server's bots"),
    ("GNU Go level 1", "kept for the server's bots"),
    ("gnugo", "kept for the server's bots"),
    ("The Bot", "kept for the server's bots"),
    ("\u200b\u202e", "empty"),
])
async def test_misleading_names_are_refused(game_server: RunningServer, typed: str,
                                             why: str) -> None:
    client = await game_server.connect()
    with pytest.raises(ProtocolError) as refused:
        await client.hello(typed)
    assert refused.value.code == "bad_request" and why in refused.value.message


def test_ordinary_names_are_not_taken_for_bots() -> None:
    assert not any(reserved_name(n) for n in ("Robot", "Bobby", "Abbot Jones", "Botond"))
    assert clean_name("Robot", 32) == "Robot"
    with pytest.raises(BadRequest):
        clean_name("bot7", 32)


async def test_chat_loses_bidi_controls_and_zero_width_characters(
        game_server: RunningServer) -> None:
    """`"\\u202egnp.exe"` would show as "exe.png": it reaches the other player as typed
    minus the override; a line of nothing but invisible characters is empty."""
    alice, bob, game_id = await start_game(game_server)
    await alice.request("chat", game_id=game_id, text="\u202egnp.exe a\u200bb\u2067")
    line = await bob.next_push("chat")
    assert line["text"] == "gnp.exe ab"
    with pytest.raises(ProtocolError) as refused:
        await alice.request("chat", game_id=game_id, text="\u200b\u200d\u202e")
    assert refused.value.code == "bad_request"


@pytest.mark.parametrize(("control", "why"), [
    ({"system": "byoyomi", "main": 60, "periods": 10**9, "period": 30}, "periods"),
    ({"system": "canadian", "main": 60, "stones": 10**9, "period": 300}, "stones"),
    ({"system": "byoyomi", "main": 9 * 86400, "periods": 100, "period": 86400},
     "all periods together"),
    ({"system": "fischer", "main": 60, "increment": 11 * 86400, "max": 11 * 86400},
     "at most"),
])
async def test_every_time_control_field_is_bounded(game_server: RunningServer,
                                                   control: dict[str, object],
                                                   why: str) -> None:
    client = await game_server.client("Alice")
    with pytest.raises(ProtocolError) as refused:
        await client.request("create", size=9, time_control=control)
    assert refused.value.code == "bad_request" and why in refused.value.message
