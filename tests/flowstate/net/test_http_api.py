"""The JSON HTTP API of `flowstate serve`, against a server process: every engine command,
and errors as stable codes with the values involved."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Iterator

import httpx2 as httpx
import pytest

from .servers import ServerForks


@pytest.fixture
def server(server_forks: ServerForks) -> Iterator[str]:
    pid, url = server_forks.spawn("memory:")
    try:
        yield url
    finally:
        server_forks.stop(pid)


@pytest.fixture
async def http(server: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server) as client:
        yield client


def new_ctx(id: str, **labels: str) -> dict[str, object]:
    return {"current": {"id": id, "labels": labels}, "committed": {"rev": 0}}


async def test_commit_with_sub_commands_returns_the_ctxs(http: httpx.AsyncClient) -> None:
    blob = base64.b64encode(b'{"n": 1}').decode()
    ctx = new_ctx("order-1", kind="order")
    ctx["datas"] = {"doc": {"blob": blob}}
    answer = await http.post("/api/v1/commit", json={
        "ctxs": {"o": ctx},
        "commands": [{"op": "store_data", "ctx": "o", "alias": "doc"},
                     {"op": "transit", "ctx": "o", "to": "pay"},
                     {"op": "delay", "ctx": "o", "to": "remind", "seconds": 60}],
    })
    assert answer.status_code == 200, answer.text
    body = answer.json()
    stored = body["ctxs"]["o"]
    assert stored["committed"]["rev"] == 1 and stored["current"]["transition"]["to"] == "pay"
    data_rev = stored["datas"]["doc"]["rev"]
    assert stored["current"]["annotations"] == {"flowstate.data.doc": str(data_rev)}
    assert body["delays"][0]["transition"]["to"] == "remind"

    by_id = (await http.post("/api/v1/get_state_by_id", json={"id": "order-1"})).json()
    assert by_id["state"]["rev"] == 1
    by_labels = await http.post("/api/v1/get_state_by_labels", json={"labels": {"kind": "order"}})
    assert by_labels.json()["state"]["id"] == "order-1"
    loaded = await http.post("/api/v1/get_data", json={"ctx": stored, "alias": "doc"})
    assert loaded.json()["ctx"]["datas"]["doc"]["blob"] == blob
    raw = (await http.get(f"/api/v1/data/{data_rev}")).json()
    assert base64.b64decode(raw["blob"]) == b'{"n": 1}'
    delays = (await http.post("/api/v1/get_delayed_states", json={"limit": 10})).json()
    assert [d["state"]["id"] for d in delays["delays"]] == ["order-1"]
    stats = (await http.get("/api/v1/stats")).json()
    assert stats["head_rev"] == 1 and stats["delayer"]["pending"] == 1


async def test_get_states_takes_every_option(http: httpx.AsyncClient) -> None:
    for id, kind in (("s0", "a"), ("s1", "b")):
        await http.post("/api/v1/commit", json={
            "ctxs": {"s": new_ctx(id, kind=kind)}, "commands": [{"op": "park", "ctx": "s"}],
        })
    s0 = (await http.post("/api/v1/get_state_by_id", json={"id": "s0"})).json()["state"]
    again = {"current": {**s0, "labels": {"kind": "c"}}, "committed": {"rev": s0["rev"]}}
    await http.post("/api/v1/commit", json={"ctxs": {"s": again},
                                            "commands": [{"op": "park", "ctx": "s"}]})
    query = {"labels": [{"kind": "a"}, {"kind": "c"}]}
    found = (await http.post("/api/v1/get_states", json=query)).json()
    assert [(s["id"], s["rev"]) for s in found["states"]] == [("s0", 1), ("s0", 3)]
    latest = (await http.post("/api/v1/get_states", json={**query, "latest_only": True})).json()
    assert [(s["id"], s["rev"]) for s in latest["states"]] == [("s0", 3)]
    paged = (await http.post("/api/v1/get_states", json={"since_rev": 1, "limit": 1})).json()
    assert [s["rev"] for s in paged["states"]] == [2] and paged["more"] is True
    since_latest = await http.post("/api/v1/get_states",
                                   json={"labels": [{"kind": "b"}], "since_latest": True})
    assert [s["id"] for s in since_latest.json()["states"]] == ["s1"]


async def test_errors_are_stable_codes(http: httpx.AsyncClient) -> None:
    ctx = new_ctx("x")
    await http.post("/api/v1/commit", json={"ctxs": {"c": ctx},
                                            "commands": [{"op": "park", "ctx": "c"}]})
    stale = await http.post("/api/v1/commit", json={"ctxs": {"c": ctx, "d": new_ctx("y")},
                                                    "commands": [{"op": "park", "ctx": "c"},
                                                                 {"op": "park", "ctx": "d"}]})
    assert stale.status_code == 409
    assert stale.json()["error"] == {
        "code": "rev_mismatch", "message": "rev mismatch for state(s) 'x'", "ids": ["x"]
    }
    missing = await http.post("/api/v1/get_state_by_id", json={"id": "nope"})
    assert missing.status_code == 404
    assert missing.json()["error"] == {
        "code": "not_found", "message": "not found: state 'nope'", "what": "state 'nope'"
    }
    bad = await http.post("/api/v1/commit", json={"ctxs": {}, "commands": [{"op": "park",
                                                                            "ctx": "q"}]})
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "bad_request"
    assert bad.json()["error"]["field"] == "commands[0].ctx"
    unknown = await http.post("/api/v1/commit", json={"ctxs": {}, "commands": [{"op": "jump"}]})
    assert unknown.json()["error"]["field"] == "commands[0].op"
    not_json = await http.post("/api/v1/get_states", content=b"{nope")
    assert (not_json.status_code, not_json.json()["error"]["field"]) == (400, "body")
    bad_query = await http.post("/api/v1/get_states", json={"limit": 0})
    assert bad_query.status_code == 400 and "limit" in bad_query.json()["error"]["message"]
    assert (await http.get("/api/v1/data/999")).json()["error"]["code"] == "not_found"
    # nothing of the failed commit was stored
    states = (await http.post("/api/v1/get_states", json={})).json()["states"]
    assert [s["id"] for s in states] == ["x"]


async def test_the_stream_resumes_after_a_drop(http: httpx.AsyncClient) -> None:
    """SSE: versions matching the labels from a rev on; a reconnection with Last-Event-ID
    gets what it missed, once."""
    async def commit(id: str, kind: str) -> None:
        await http.post("/api/v1/commit", json={"ctxs": {"s": new_ctx(id, kind=kind)},
                                                "commands": [{"op": "park", "ctx": "s"}]})

    async def read(headers: dict[str, str], count: int) -> list[tuple[str, str]]:
        got: list[tuple[str, str]] = []
        async with http.stream("GET", "/api/v1/watch?labels=kind=job&since_rev=0",
                               headers=headers, timeout=5) as response:
            event_id = ""
            async for line in response.aiter_lines():
                if line.startswith("id: "):
                    event_id = line[4:]
                elif line.startswith("data: ") and event_id:
                    got.append((event_id, line[6:]))
                    event_id = ""
                    if len(got) == count:
                        return got
        return got

    await commit("a", "job")
    await commit("b", "other")
    first = await read({}, 1)
    assert first[0][0] == "1"
    await commit("c", "job")
    resumed = await read({"Last-Event-ID": "1"}, 1)
    assert resumed[0][0] == "3" and '"id":"c"' in resumed[0][1]
