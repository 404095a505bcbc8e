"""Rock, paper, scissors: the rules on their own, then the game on a real server through real
sockets with the test kit, on the fake clock."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flowstate.testing import FakeClock
from gameserver.core.match import Seat, game_view, join, new_match, snapshot_view, step
from gameserver.settings import Settings
from gameserver.testing import GameClient, serve
from gameserver.wire import requests as c
from gameserver.wire.errors import ProtocolError

from .game import Choose, RockPaperScissors, Rps

RPS = RockPaperScissors()


def rounds(*pairs: tuple[str, str]) -> Rps:
    state = RPS.new(RPS.settings({"rounds": 3}))
    for one, two in pairs:
        state, _ = RPS.apply(state, "one", Choose(one), 0.0)  # type: ignore[arg-type]
        state, _ = RPS.apply(state, "two", Choose(two), 0.0)  # type: ignore[arg-type]
    return state


def test_paper_beats_rock_and_two_wins_of_three_end_it() -> None:
    state = rounds(("paper", "rock"), ("rock", "rock"))
    assert state.wins == {"one": 1, "two": 0} and state.winner is None
    state = rounds(("paper", "rock"), ("rock", "rock"), ("scissors", "paper"))
    assert state.winner == "one" and RPS.result(state) == "one wins"


def test_a_choice_is_hidden_from_the_opponent_until_both_chose() -> None:
    state, event = RPS.apply(rounds(), "one", Choose("rock"), 0.0)
    assert event == {"kind": "chosen", "seat": "one"}  # events are public: no hand in them
    assert RPS.view(state, "one", 0.0, False)["mine"] == "rock"
    assert RPS.view(state, "two", 0.0, False)["mine"] is None
    assert RPS.view(state, None, 0.0, False)["chosen"] == {"one": True, "two": False}


def test_bad_settings_and_hands_are_bad_requests() -> None:
    with pytest.raises(ProtocolError, match="odd number"):
        RPS.settings({"rounds": 2})
    with pytest.raises(ProtocolError, match="must be one of"):
        RPS.action({"type": "choose", "hand": "lizard"})


def start() -> Any:
    match = new_match(RPS, "r1", RPS.settings({"rounds": 5}), Seat("pa", "A"), "one", 0.0)
    joined, _ = join(match, RPS, Seat("pb", "B"), 0.0)
    return joined


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["pa", "pb"]),
                          st.sampled_from(["rock", "paper", "scissors"])), max_size=20))
def test_a_client_replaying_updates_equals_the_snapshot(script: list[tuple[str, str]]) -> None:
    """What every seat and a spectator see: applying each update's game to their picture
    (nothing to append: an update carries the whole view) gives the server's snapshot."""
    match = start()
    for player, hand in script:
        try:
            match, _ = step(match, RPS, player, c.Act(None, "r1", None,
                                                      {"type": "choose", "hand": hand}))
        except ProtocolError:
            continue
        for seat in ("one", "two", None):
            assert game_view(match, RPS, seat=seat) == snapshot_view(match, RPS, seat=seat)


# -- on a real server ---------------------------------------------------------------------------


def rps_server(clock: FakeClock) -> Any:
    return serve(Settings(db=":memory:", loop="none"), clock=clock,
                 games={"rps": RPS})


async def start_game(server: Any, **settings: Any) -> tuple[GameClient, GameClient, str]:
    alice, bob = await server.client("Alice"), await server.client("Bob")
    gid = (await alice.request("create", game="rps", seat="one", **settings))["game_id"]
    await alice.next_push("game")
    await bob.request("join", game_id=gid)
    await bob.next_push("game")
    for client in (alice, bob):
        await client.next_push("update", rev=2)
    return alice, bob, gid


async def choose(client: GameClient, gid: str, hand: str) -> None:
    await client.request("act", game_id=gid, action={"type": "choose", "hand": hand})


async def test_two_players_play_best_of_three_over_sockets() -> None:
    async with rps_server(FakeClock()) as server:
        alice, bob, gid = await start_game(server)
        await choose(alice, gid, "rock")
        seen = await bob.next_push("update", rev=3)
        assert seen["game"]["chosen"] == {"one": True, "two": False}
        assert seen["game"]["mine"] is None  # bob does not see alice's hand
        assert (await alice.next_push("update", rev=3))["game"]["mine"] == "rock"
        await choose(bob, gid, "scissors")
        revealed = await alice.next_push("update", rev=4)
        assert revealed["event"] == {"kind": "round", "winner": "one",
                                     "hands": {"one": "rock", "two": "scissors"}}
        await choose(alice, gid, "paper")
        await choose(bob, gid, "rock")
        done = await bob.next_push("update", rev=6)
        assert (done["game"]["phase"], done["game"]["result"]) == ("finished", "one wins")


async def test_a_round_whose_time_runs_out_goes_to_whoever_chose() -> None:
    """With `round_seconds` the round is a durable deadline: on the fake clock, 10 s after a
    round began, a player who has not chosen loses it."""
    clock = FakeClock()
    async with rps_server(clock) as server:
        alice, bob, gid = await start_game(server, round_seconds=10, rounds=1)
        await choose(alice, gid, "paper")
        await bob.next_push("update", rev=3)
        await clock.advance(9.999)
        assert bob.pending("update") == []
        await clock.advance(0.001)
        timed_out = await bob.next_push("update", rev=4)
        assert timed_out["event"]["timed_out"] is True
        assert timed_out["game"]["result"] == "one wins"
