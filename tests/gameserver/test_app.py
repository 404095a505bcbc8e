"""The app factory and the command line: no globals, options reach the server."""

from __future__ import annotations

from flowstate.testing import FakeClock
from gameserver.__main__ import parse_args
from gameserver.live.app import create_app
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


async def test_websockets_refuse_compression_and_cap_frames() -> None:
    """A client offering permessage-deflate gets a plain socket, and a frame over the limit
    closes it with 1009: the websocket protocol is ours, not one of uvicorn's backends."""
    async with serve(Settings(db=":memory:", loop="none", max_frame_bytes=1234),
                     clock=FakeClock()) as server:
        client = await server.connect(compression="deflate")
        assert client.ws.protocol.extensions == []
        assert client.ws.response is not None
        assert "Sec-WebSocket-Extensions" not in client.ws.response.headers
        await client.request("ping")
        await client.send_raw('{"type":"ping","pad":"' + "x" * 1234 + '"}')
        await client.closed
        assert client.ws.close_code == 1009


def test_uvicorn_is_given_our_websocket_protocol() -> None:
    """The uvicorn config every launcher uses hands websocket upgrades to our protocol."""
    config = uvicorn_config(create_app(Settings()), Settings())
    assert callable(config.ws) and not isinstance(config.ws, str)


async def test_two_apps_in_one_process_share_nothing() -> None:
    """Two servers side by side: a game created on one does not exist on the other."""
    async with serve(clock=FakeClock()) as one, serve(clock=FakeClock()) as two:
        alice = await one.client("Alice")
        gid = (await alice.request("create", size=9))["game_id"]
        assert gid in one.runtime.matches.hubs
        assert gid not in two.runtime.matches.hubs
        assert one.runtime.engine is not two.runtime.engine
