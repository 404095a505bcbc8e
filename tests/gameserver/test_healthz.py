from pathlib import Path

from starlette.testclient import TestClient

from gameserver import Settings, create_app
from gameserver.testing import RunningServer
from tests.gameserver.helpers import play, start_game


def test_healthz_answers_ok() -> None:
    """The server answers /healthz with its persistence health."""
    with TestClient(create_app(Settings(db=":memory:"))) as client:
        response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert body["persistence"] == {"driver": "memory", "durable": False, "healthy": True}


def test_healthz_and_metrics_report_sqlite_persistence(tmp_path: Path) -> None:
    """With a --db file the engine writes SQLite snapshots; health and flushes are reported."""
    db = tmp_path / "games.sqlite3"
    with TestClient(create_app(Settings(db=str(db), metrics_token="t"))) as client:
        persistence = client.get("/healthz").json()["persistence"]
        metrics = client.get("/metrics", headers={"Authorization": "Bearer t"}).text
    assert persistence == {"driver": "SqliteSnapshots", "durable": True, "healthy": True,
                           "durability": "default"}
    assert "flowstate_snapshot_flushes" in metrics
    assert "flowstate_states_resident " in metrics and "flowstate_states_archived 0" in metrics
    assert db.exists()


def test_api_games_names_the_kinds_served() -> None:
    """GET /api/games says which kinds of game the server serves, so a lobby offers them all."""
    with TestClient(create_app(Settings(db=":memory:", games=("go",)))) as client:
        body = client.get("/api/games").json()
    assert body == {"games": [], "next": None, "total": 0,
                    "kinds": [{"name": "go", "title": "Go"}]}


def test_unknown_game_is_404() -> None:
    """The JSON API answers 404 with the protocol's code for an unknown game."""
    with TestClient(create_app(Settings(db=":memory:"))) as client:
        response = client.get("/api/games/nope")
        assert response.status_code == 404
        assert response.json() == {"code": "not_found", "message": "no game 'nope'"}
        assert client.get("/api/games/nope/sgf").status_code == 404


async def test_metrics_count_connections_games_moves_and_latency(
        game_server: RunningServer) -> None:
    """/metrics reports connections, games by phase, moves and the push latency histogram."""
    import httpx2 as httpx

    alice, bob, gid = await start_game(game_server)
    await play(alice, [bob], gid, 2, 4, 4)
    async with httpx.AsyncClient(base_url=game_server.url) as http:
        text = (await http.get("/metrics")).text
    lines = set(text.splitlines())
    assert "gameserver_connections 2" in lines
    assert 'gameserver_games{phase="playing"} 1' in lines
    assert "gameserver_moves_total 1" in lines
    assert "gameserver_push_latency_seconds_count 3" in lines  # create, join, move


def test_root_serves_the_web_client_and_its_files() -> None:
    """`/` is web/index.html; the other files of web/ are served beside it."""
    web = Path(Settings().web_dir)
    with TestClient(create_app(Settings(db=":memory:"))) as client:
        page = client.get("/")
        assert page.status_code == 200
        assert page.text == (web / "index.html").read_text()
        script = client.get("/core/protocol.js")
        assert script.status_code == 200
        assert script.text == (web / "core" / "protocol.js").read_text()
        assert client.get("/no-such-file.js").status_code == 404
