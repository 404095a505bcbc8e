"""`--admin-token`: the game server serves flowstate's UI and read-only API for its own
engine under /admin/flowstate, to requests carrying the token."""

from __future__ import annotations

from starlette.testclient import TestClient

from gameserver import Settings, create_app
from gameserver.testing import RunningServer, serve
from tests.gameserver.helpers import start_game

TOKEN = "s3cret"


def test_without_a_token_there_is_no_admin_ui() -> None:
    with TestClient(create_app(Settings(db=":memory:"))) as client:
        assert client.get("/admin/flowstate/").status_code == 404
        assert client.get("/admin/flowstate/api/v1/stats").status_code == 404


def test_the_admin_api_needs_the_token_and_is_read_only() -> None:
    with TestClient(create_app(Settings(db=":memory:", admin_token=TOKEN))) as client:
        refused = client.get("/admin/flowstate/api/v1/stats")
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "unauthorized"
        assert client.get("/admin/flowstate/api/v1/stats?token=wrong").status_code == 401
        stats = client.get("/admin/flowstate/api/v1/stats",
                           headers={"Authorization": f"Bearer {TOKEN}"})
        assert stats.status_code == 200 and stats.json()["read_only"] is True
        write = client.post(f"/admin/flowstate/api/v1/commit?token={TOKEN}",
                            json={"ctxs": {}, "commands": [{"op": "noop"}]})
        assert write.status_code == 403 and write.json()["error"]["code"] == "read_only"
        page = client.get("/admin/flowstate/")
        assert page.status_code == 200
        assert '<base href="/admin/flowstate/">' in page.text
        assert client.get("/admin/flowstate/ui/app.js").status_code == 200


async def test_every_match_is_a_flow_in_the_admin_api() -> None:
    """A game started on the server shows up among the engine's states."""
    import httpx2 as httpx

    async with serve(Settings(db=":memory:", loop="none", admin_token=TOKEN)) as server:
        game_server: RunningServer = server
        _, _, gid = await start_game(game_server)
        async with httpx.AsyncClient(base_url=game_server.url) as http:
            latest = (await http.get(f"/admin/flowstate/api/v1/latest?token={TOKEN}")).json()
        assert any(gid in state["id"] for state in latest["states"]), latest
