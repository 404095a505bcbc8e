"""Rulesets in the browser: the lobby says which rules a game uses, Black places free handicap
stones by clicking, and the scoring panel shows what White gets for the handicap."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page, expect

from e2e.conftest import ServerProcess, screenshot
from e2e.helpers import announce, create_game, join_from_lobby, point, toasts


def test_free_handicap_placement_and_the_compensation_in_the_scoring_panel(
    server: ServerProcess, new_page: Callable[..., Page]
) -> None:
    """Chinese rules, 2 stones placed freely: the open game reads "Chinese rules" in Bob's
    lobby; Alice (Black) clicks her two stones while Bob waits; after two passes the scoring
    panel says White gets 2 points for the handicap."""
    alice, bob = new_page(), new_page()
    create_game(alice, server, ruleset="Chinese (area)", handicap="2 stones",
                placement="Free (Black places them)")
    bob.goto(server.url + "/")
    open_games = bob.get_by_role("list", name="Open games")
    expect(open_games).to_contain_text("Chinese rules")
    expect(open_games).to_contain_text("handicap 2")
    join_from_lobby(bob, server)

    expect(announce(alice)).to_contain_text("Place 2 handicap stones anywhere.")
    expect(announce(bob)).to_contain_text("Black places 2 handicap stones.")
    expect(alice.get_by_role("button", name="Pass")).to_be_disabled()
    point(alice, "B8").click()
    for page in (alice, bob):
        expect(point(page, "B8 black")).to_be_visible()
    expect(announce(alice)).to_contain_text("Place 1 handicap stone anywhere.")
    point(bob, "E5").click()
    expect(toasts(bob)).to_contain_text(re.compile(r"It is Black.s turn\."))
    point(alice, "H2").click()
    expect(toasts(bob)).to_contain_text("Black has placed the handicap stones. Your move!")
    expect(announce(bob)).to_contain_text("Your move.")
    expect(announce(alice)).to_contain_text("White to play.")

    bob.get_by_role("button", name="Pass").click()
    expect(alice.get_by_role("button", name="Pass")).to_be_enabled()
    alice.get_by_role("button", name="Pass").click()
    for page in (alice, bob):
        panel = page.get_by_role("region", name="Scoring")
        expect(panel).to_contain_text("White +2 for the handicap")
        expect(panel).to_contain_text("Black leads by 78.5")  # 81 points to 0.5 komi + 2
    expect(alice.get_by_text("Chinese rules · komi 0.5 · handicap 2")).to_be_visible()
    screenshot(alice, "scoring-handicap", full_page=False, clean=True)


def test_the_lobby_shows_each_games_rules(
    server: ServerProcess, new_page: Callable[..., Page]
) -> None:
    """A New Zealand game and an AGA game in the lobby, each with its rules and default komi."""
    alice, carol, dave = new_page(), new_page(), new_page()
    create_game(alice, server, ruleset="New Zealand (area)")
    create_game(carol, server, name="Carol", ruleset="AGA (area)")
    dave.goto(server.url + "/")
    rows = dave.get_by_role("list", name="Open games").get_by_role("listitem")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="Alice")).to_contain_text("New Zealand rules · komi 7")
    expect(rows.filter(has_text="Carol")).to_contain_text("AGA rules · komi 7.5")
