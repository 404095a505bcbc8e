"""A client replaying updates from a snapshot holds exactly the server's snapshot (Hypothesis),
for both seats and a spectator, whatever the players try (illegal drops are refused and change
nothing)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from gameserver.core.match import Match, Seat, game_view, join, new_match, snapshot_view, step
from gameserver.games.connect_four import ConnectFour
from gameserver.wire import requests as c
from gameserver.wire.errors import ProtocolError

C4 = ConnectFour()


def replay(client: dict[str, Any], update: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
    """What web/games/connect_four/ does with an update: take its game, append the drop."""
    moves = list(client["moves"])
    if event.get("kind") == "drop":
        moves.append({"seat": event["seat"], "column": event["column"], "row": event["row"]})
    return {**update, "moves": moves}


def started(columns: int, rows: int) -> Match:
    match = new_match(C4, "c1", C4.settings({"columns": columns, "rows": rows}),
                      Seat("pa", "Ann"), "red", 0.0)
    joined, _ = join(match, C4, Seat("pb", "Ben"), 0.0)
    return joined


@settings(max_examples=150, deadline=None)
@given(st.integers(4, 8), st.integers(4, 8),
       st.lists(st.tuples(st.sampled_from(["pa", "pb"]),
                          st.one_of(st.integers(-1, 8).map(lambda n: {"type": "drop", "column": n}),
                                    st.just({"type": "resign"}))),
                max_size=70))
def test_a_client_replaying_updates_equals_the_snapshot(
        columns: int, rows: int, script: list[tuple[str, dict[str, Any]]]) -> None:
    match = started(columns, rows)
    clients = {seat: snapshot_view(match, C4, seat=seat) for seat in ("red", "yellow", None)}
    for player, action in script:
        try:
            match, event = step(match, C4, player, c.Act(None, "c1", match.rev, action))
        except ProtocolError:
            continue
        for seat in clients:
            clients[seat] = replay(clients[seat], game_view(match, C4, seat=seat), event)
            assert clients[seat] == snapshot_view(match, C4, seat=seat)
    # the grid the snapshot shows is the one its moves build
    built = [["."] * columns for _ in range(rows)]
    for move in clients[None]["moves"]:
        built[move["row"]][move["column"]] = "R" if move["seat"] == "red" else "Y"
    assert ["".join(row) for row in built] == clients[None]["board"]
