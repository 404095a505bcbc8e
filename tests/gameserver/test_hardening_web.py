"""The HTTP side tells strangers nothing they need not know: no paths in /healthz, /metrics
behind an option or a token, only the client's files, security headers on every answer, and
browsers' websockets only from allowed origins."""

from __future__ import annotations

from pathlib import Path

import httpx2 as httpx
import pytest
from starlette.testclient import TestClient
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus
from websockets.typing import Origin

from flowstate.testing import FakeClock
from gameserver import Settings, create_app
from gameserver.live.web import client_file
from gameserver.testing import RunningServer, serve
from tests.gameserver.helpers import memory_settings


async def test_healthz_holds_no_path(tmp_path: Path, fake_clock: FakeClock) -> None:
    db = tmp_path / "secret-place" / "games.sqlite3"
    db.parent.mkdir()
    async with serve(Settings(db=str(db), loop="none"), clock=fake_clock) as server, \
            httpx.AsyncClient(base_url=server.url) as http:
        text = (await http.get("/healthz")).text
    assert "secret-place" not in text and str(tmp_path) not in text


async def test_metrics_are_for_loopback_by_default(game_server: RunningServer) -> None:
    async with httpx.AsyncClient(base_url=game_server.url) as http:
        assert (await http.get("/metrics")).status_code == 200


def test_metrics_from_elsewhere_need_the_token() -> None:
    """A client that is not on this machine gets 404, unless it brings the token."""
    with TestClient(create_app(memory_settings(metrics_token="s3cret"))) as client:
        assert client.get("/metrics").status_code == 404
        assert client.get("/metrics", headers={"Authorization": "Bearer nope"}).status_code \
            == 404
        assert client.get("/metrics", headers={"Authorization": "Bearer s3cret"}) \
            .status_code == 200
        assert client.get("/metrics?token=s3cret").status_code == 200
    with TestClient(create_app(memory_settings(metrics="public"))) as client:
        assert client.get("/metrics").status_code == 200


async def test_metrics_off_is_off(fake_clock: FakeClock) -> None:
    async with serve(memory_settings(metrics="off"), clock=fake_clock) as server, \
            httpx.AsyncClient(base_url=server.url) as http:
        assert (await http.get("/metrics")).status_code == 404


async def test_only_the_clients_files_are_served(game_server: RunningServer) -> None:
    """The page, its modules and its style are served; the README and the tests in `web/`
    are not (404, like a file that is not there)."""
    async with httpx.AsyncClient(base_url=game_server.url) as http:
        for path in ("/", "/app.js", "/style.css", "/index.html"):
            assert (await http.get(path)).status_code == 200, path
        for path in ("/README.md", "/test/pure.test.mjs", "/test/", "/nope.js",
                     "/%2e%2e/README.md"):
            assert (await http.get(path)).status_code == 404, path


def test_what_counts_as_a_client_file() -> None:
    assert client_file("app.js") and client_file("img/stone.svg") and client_file("")
    assert not any(client_file(p) for p in ("README.md", "test/x.mjs", "a.test.mjs",
                                            ".env", "x/.git/config", "server.py"))


async def test_every_http_answer_has_the_security_headers(game_server: RunningServer) -> None:
    async with httpx.AsyncClient(base_url=game_server.url) as http:
        for path in ("/", "/api/games", "/healthz", "/nope"):
            headers = (await http.get(path)).headers
            assert "frame-ancestors 'none'" in headers["content-security-policy"], path
            assert "script-src 'self'" in headers["content-security-policy"]
            assert headers["x-content-type-options"] == "nosniff"
            assert headers["referrer-policy"] == "no-referrer"
            assert headers["x-frame-options"] == "DENY"


async def test_websocket_upgrades_only_from_allowed_origins(fake_clock: FakeClock) -> None:
    """With `allowed_origins`, a browser upgrade from another origin gets 403; an allowed
    origin and a client that sends none (not a browser) get in."""
    settings = memory_settings(allowed_origins=("https://go.example",))
    async with serve(settings, clock=fake_clock) as server:
        with pytest.raises(InvalidStatus) as refused:
            await connect(server.ws_url, origin=Origin("https://evil.example"))
        assert refused.value.response.status_code == 403
        ok = await server.connect(origin="https://go.example")
        await ok.request("ping")
        await (await server.client("NoOrigin")).request("ping")
