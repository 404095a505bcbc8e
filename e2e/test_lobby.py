"""The lobby in a real browser: the page loads, a game created in one context shows up live in
another, and joining it starts the game for both."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from e2e.conftest import ServerProcess, screenshot
from e2e.helpers import create_game, start_game


def test_created_game_appears_live_and_can_be_joined(
    server: ServerProcess, new_page: Callable[..., Page]
) -> None:
    """Alice creates a 9x9 game; Bob sees it appear in his lobby, joins, both boards show up."""
    alice, bob = new_page(), new_page()
    bob.goto(server.url + "/")
    expect(bob.get_by_role("button", name="Create game")).to_be_visible()
    alice.goto(server.url + "/")
    alice.get_by_role("textbox", name="Name").fill("Alice")
    alice.get_by_role("combobox", name="Board size").select_option("9")
    alice.get_by_role("combobox", name="Colour").select_option(label="Black")
    alice.get_by_role("button", name="Create game").click()
    expect(alice.get_by_role("button", name="E5", exact=True)).to_be_visible()
    join = bob.get_by_role("button", name="Join")
    expect(join).to_be_visible()
    screenshot(bob, "lobby")
    join.first.click()
    expect(bob.get_by_role("button", name="E5", exact=True)).to_be_visible()
    expect(alice.get_by_role("button", name="Pass")).to_be_visible()


def test_lobby_lists_open_and_running_games(
    server: ServerProcess, new_page: Callable[..., Page]
) -> None:
    """A newcomer's lobby offers Join for an open game and Watch for a game in progress."""
    carol = new_page()
    start_game(new_page, server)  # Alice vs Bob, in progress
    create_game(carol, server, name="Carol", colour="White", ruleset="Japanese (territory)",
                time_control="Blitz · 3 min + 10 s Fischer")
    dave = new_page(1280, 800)
    dave.goto(server.url + "/")
    open_games = dave.get_by_role("list", name="Open games")
    expect(open_games.get_by_role("listitem")).to_have_count(1)
    expect(open_games).to_contain_text("Carol")
    expect(open_games.get_by_role("button", name="Join")).to_be_visible()
    running = dave.get_by_role("list", name="Games in progress")
    expect(running.get_by_role("listitem")).to_have_count(1)
    expect(running).to_contain_text("Alice")
    expect(running).to_contain_text("Bob")
    expect(running.get_by_role("link", name="Watch")).to_be_visible()
    screenshot(dave, "lobby-full", full_page=False, clean=True)
