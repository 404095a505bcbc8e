"""A first conversation with a real server."""

from gameserver.testing import RunningServer


async def test_hello_create_join(game_server: RunningServer) -> None:
    """Two players meet: one creates, the other joins; both see the game start."""
    alice = await game_server.client("Alice")
    bob = await game_server.client("Bob")
    ok = await alice.request("create", size=9, komi=6.5, color="black")
    game = (await alice.next_push("game"))["game"]
    assert game["id"] == ok["game_id"] and game["phase"] == "waiting" and game["rev"] == 1
    await bob.request("join", game_id=ok["game_id"])
    snap = await bob.next_push("game")
    assert snap["game"]["rev"] == 1
    update = await bob.next_push("update")
    assert update["rev"] == 2 and update["event"]["kind"] == "player_joined"
    assert update["game"]["phase"] == "playing"
    update = await alice.next_push("update", rev=2)
    assert update["game"]["players"]["white"]["name"] == "Bob"
