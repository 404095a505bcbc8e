"""Issue 17: quick match. A player could only create a game and wait, or pick one."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Locator, Page, expect

from e2e.conftest import ServerProcess
from e2e.helpers import clock, point, toasts


def quick(page: Page) -> Locator:
    return page.get_by_role("region", name="Quick match")


def lobby_as(page: Page, server: ServerProcess, name: str) -> None:
    page.goto(server.url + "/")
    page.get_by_role("textbox", name="Name").fill(name)
    page.get_by_role("button", name="Save name").click()
    expect(toasts(page)).to_contain_text(f"You are now “{name}”")


def ask(page: Page, size: str, time_class: str) -> None:
    card = quick(page)
    card.get_by_role("combobox", name="Size", exact=True).select_option(size)
    card.get_by_role("combobox", name="Time class").select_option(label=time_class)
    card.get_by_role("button", name="Find a game").click()


def test_quick_match_pairs_compatible_players_and_survives_a_reload(
    server: ServerProcess, new_page: Callable[..., Page]
) -> None:
    """Alice waits for a 9x9 blitz game, reloads and is still waiting; Carol's 13x13 wait does
    not match her; Bob asks for 9x9 blitz and both land in the same game at once; Carol
    cancels her wait, which stays cancelled after a reload."""
    alice, bob, carol = new_page(), new_page(), new_page()
    lobby_as(alice, server, "Alice")
    ask(alice, "9", "Blitz · 3 min + 10 s")
    expect(quick(alice)).to_contain_text("Looking for an opponent for 9\N{MULTIPLICATION SIGN}9")
    alice.reload()
    expect(quick(alice)).to_contain_text("Looking for an opponent for 9\N{MULTIPLICATION SIGN}9")
    expect(quick(alice).get_by_role("button", name="Cancel quick match")).to_be_visible()

    lobby_as(carol, server, "Carol")
    ask(carol, "13", "Blitz · 3 min + 10 s")
    expect(quick(carol)).to_contain_text("Looking for an opponent for 13\N{MULTIPLICATION SIGN}13")

    lobby_as(bob, server, "Bob")
    ask(bob, "9", "Blitz · 3 min + 10 s")
    for page in (alice, bob):
        expect(point(page, "E5")).to_be_visible()
        expect(page.get_by_role("button", name="Pass")).to_be_visible()
        expect(clock(page, "Black")).to_contain_text("+10s per move")
    assert alice.url == bob.url and "#/game/" in alice.url
    players = alice.get_by_role("region", name="Black player").or_(
        alice.get_by_role("region", name="White player"))
    expect(players.filter(has_text="Alice")).to_have_count(1)
    expect(players.filter(has_text="Bob")).to_have_count(1)

    expect(quick(carol)).to_contain_text("Looking for an opponent for 13\N{MULTIPLICATION SIGN}13")
    quick(carol).get_by_role("button", name="Cancel quick match").click()
    expect(quick(carol).get_by_role("button", name="Find a game")).to_be_visible()
    carol.reload()
    expect(quick(carol).get_by_role("button", name="Find a game")).to_be_visible()
    expect(quick(carol)).not_to_contain_text("Looking for")
