"""The app factory and the command line: no globals, options reach the server."""

from __future__ import annotations

from flowstate.testing import FakeClock
from gameserver.__main__ import parse_args
from gameserver.live.server import uvicorn_config
from gameserver.settings import Settings
from gameserver.testing import serve


def test_command_line_options_become_settings() -> None:
    """--host/--port/--db/--durability/--log-level land in Settings; GC tuning is on."""
    settings = parse_args(["--host", "0.0.0.0", "--port", "9000", "--db", "x.sqlite3",
                           "--durability", "strict", "--log-level", "debug"])
    assert (settings.host, settings.port, settings.db, settings.durability, settings.log_level) \
        == ("0.0.0.0", 9000, "x.sqlite3", "strict", "debug")
    assert settings.tune_gc and parse_args([]).port == 8000


def test_uvicorn_refuses_compression_and_caps_frames() -> None:
    """The server never negotiates permessage-deflate and drops frames over the limit."""
    config = uvicorn_config(object(), Settings(max_frame_bytes=1234))
    assert config.ws_per_message_deflate is False
    assert config.ws_max_size == 1234


async def test_two_apps_in_one_process_share_nothing() -> None:
    """Two servers side by side: a game created on one does not exist on the other."""
    async with serve(clock=FakeClock()) as one, serve(clock=FakeClock()) as two:
        alice = await one.client("Alice")
        gid = (await alice.request("create", size=9))["game_id"]
        assert gid in one.runtime.matches.hubs
        assert gid not in two.runtime.matches.hubs
        assert one.runtime.engine is not two.runtime.engine
