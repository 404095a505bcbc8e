from starlette.testclient import TestClient

from gameserver import Settings, create_app


def test_healthz_answers_ok() -> None:
    """The server answers /healthz."""
    with TestClient(create_app(Settings())) as client:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["ok"] is True
