"""Issue 17: a rematch from the finished game. The banner used to offer only "Back to lobby"."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Locator, Page, expect

from e2e.conftest import ServerProcess
from e2e.helpers import SLOW, announce, create_game, play, play_sequence, point, start_game


def rematch(page: Page) -> Locator:
    return page.get_by_role("region", name="Rematch")


def finish_by_resignation(alice: Page, bob: Page) -> None:
    play_sequence(alice, bob, ["E5", "C3"])
    bob.get_by_role("button", name="Resign").click()
    bob.get_by_role("button", name="Yes, resign").click()
    for page in (alice, bob):
        banner = page.get_by_role("status").filter(has_text="Black wins by resignation")
        expect(banner).to_be_visible()


def test_rematch_swaps_colours_and_both_land_in_the_new_game(
    server: ServerProcess, new_page: Callable[..., Page]
) -> None:
    """Alice (black) offers a rematch; Bob sees the offer and accepts; both are taken to a new
    game with the same settings where Bob plays black; a spectator only hears of it."""
    alice, bob = start_game(new_page, server)
    carol = new_page()
    carol.goto(alice.url)
    finish_by_resignation(alice, bob)
    old = alice.url
    expect(rematch(carol).get_by_role("button")).to_have_count(0)

    rematch(alice).get_by_role("button", name="Rematch", exact=True).click()
    expect(rematch(alice)).to_contain_text("Rematch offered. Waiting for Bob to accept")
    expect(rematch(bob)).to_contain_text("Alice offers a rematch: you would play black.")
    expect(rematch(carol)).to_contain_text("Alice offered a rematch.")
    rematch(bob).get_by_role("button", name="Accept rematch").click()

    for page in (alice, bob):
        expect(page).not_to_have_url(old)
        expect(point(page, "E5")).to_be_visible()
        expect(page.get_by_role("region", name="Black player")).to_contain_text("Bob")
        expect(page.get_by_role("region", name="White player")).to_contain_text("Alice")
    assert alice.url == bob.url
    same = "9\N{MULTIPLICATION SIGN}9 · Chinese rules · komi 7.5"
    expect(alice.get_by_text(same)).to_be_visible()
    expect(bob.get_by_role("button", name="Pass")).to_be_enabled()
    play(bob, "E5", "black", alice)
    play(alice, "C3", "white", bob)


def test_a_declined_rematch_is_told_to_the_asker(
    server: ServerProcess, new_page: Callable[..., Page]
) -> None:
    """Bob offers, Alice declines: both stay on the finished game and Bob is told."""
    alice, bob = start_game(new_page, server)
    finish_by_resignation(alice, bob)
    rematch(bob).get_by_role("button", name="Rematch", exact=True).click()
    expect(rematch(alice)).to_contain_text("Bob offers a rematch: you would play white.")
    alice.reload()  # the offer is told again to whoever opens the game
    rematch(alice).get_by_role("button", name="Decline rematch").click()
    expect(rematch(bob)).to_contain_text("Alice declined the rematch.")
    expect(rematch(alice)).to_contain_text("The rematch was declined.")
    expect(bob.get_by_role("status").filter(has_text="Black wins by resignation")).to_be_visible()


def test_a_rematch_against_the_bot_starts_at_once(
    server: ServerProcess, new_page: Callable[..., Page]
) -> None:
    """Against the bot, Rematch opens the new game straight away, the bot playing black."""
    human = new_page()
    create_game(human, server, opponent="The bot")
    old = human.url
    human.get_by_role("button", name="Resign").click()
    human.get_by_role("button", name="Yes, resign").click()
    expect(human.get_by_role("status").filter(has_text="White wins by resignation")).to_be_visible()
    rematch(human).get_by_role("button", name="Rematch", exact=True).click()
    expect(human).not_to_have_url(old)
    expect(human.get_by_role("region", name="White player")).to_contain_text("Alice")
    expect(human.get_by_role("region", name="Black player")).to_contain_text("Bot")
    expect(announce(human)).to_contain_text("Move 1: Black", timeout=SLOW)
    expect(announce(human)).to_contain_text("Your move.")
