"""The lobby in a real browser: the page loads, a game created in one context shows up live in
another, and joining it starts the game for both."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from e2e.conftest import ServerProcess, screenshot


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
