"""Spectators: a third browser follows a game live from the lobby's Watch link or a shared
link, and cannot play."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from e2e.conftest import ServerProcess
from e2e.helpers import (
    announce,
    board_names,
    create_game,
    join_from_lobby,
    play_sequence,
    point,
    toasts,
)


def test_spectators_follow_live_and_cannot_play(
    server: ServerProcess, new_page: Callable[..., Page]
) -> None:
    """Carol (Watch link) and Dave (shared link) see every move live, cannot play, can chat."""
    alice, bob, carol, dave = new_page(), new_page(), new_page(), new_page()
    create_game(alice, server)
    shared = alice.get_by_role("textbox", name="Share link").input_value()
    dave.goto(shared)
    expect(dave.get_by_role("button", name="Join")).to_be_visible()
    join_from_lobby(bob, server)
    expect(dave.get_by_role("button", name="Join")).to_have_count(0)

    carol.goto(server.url + "/")
    carol.get_by_role("list", name="Games in progress").get_by_role("link", name="Watch").click()
    expect(point(carol, "E5")).to_be_visible()

    watchers = (carol, dave)
    for page in watchers:
        expect(page.get_by_text("Spectating")).to_be_visible()
        for name in ("Pass", "Undo", "Resign"):
            expect(page.get_by_role("button", name=name, exact=True)).to_have_count(0)
        expect(page.get_by_role("checkbox", name="Confirm moves")).to_have_count(0)

    play_sequence(alice, bob, ["E5", "D4", "C6", "F3"], *watchers)
    for page in watchers:
        expect(announce(page)).to_contain_text("Move 4: White F3. Black to play.")

    point(carol, "G7").click()
    expect(toasts(carol)).to_contain_text("You are watching this game.")
    point(dave, "E5 black").click()
    expect(toasts(dave)).to_contain_text("You are watching this game.")
    play_sequence(alice, bob, ["G7"], *watchers)  # still black's turn: nothing was played
    carol.get_by_role("textbox", name="Chat message").fill("nice shape")
    carol.get_by_role("button", name="Send").click()
    for page in (alice, bob, carol, dave):
        expect(page.get_by_role("log", name="Chat history")).to_contain_text("nice shape")
    names = board_names(alice)
    for page in (bob, *watchers):
        assert board_names(page) == names
