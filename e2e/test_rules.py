"""Illegal moves are refused with their reason; undo requests are accepted or declined."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from e2e.conftest import ServerProcess, screenshot
from e2e.helpers import announce, play, play_sequence, point, start_game, toasts


def test_illegal_moves_show_their_reason(
    server: ServerProcess, new_page: Callable[..., Page]
) -> None:
    """Playing on a stone says it is occupied; retaking a ko at once says ko; nothing changes."""
    alice, bob = start_game(lambda: new_page(1280, 800), server)
    # An opening, then a ko at E5/F5: black captures the white stone at E5 by playing F5.
    play_sequence(alice, bob, ["C3", "G7", "C7", "G3"])
    play_sequence(alice, bob, ["E6", "F6", "D5", "G5", "E4", "F4", "B2", "E5", "F5"])
    for page in (alice, bob):
        expect(point(page, "E5")).to_have_attribute("aria-description", "ko")
        expect(announce(page)).to_contain_text("Ko at E5.")
    expect(bob.get_by_role("region", name="White player")).to_contain_text("0 captures")
    expect(alice.get_by_role("region", name="Black player")).to_contain_text("1 capture")
    screenshot(bob, "game", full_page=False, clean=True)

    point(bob, "E6 black").click()
    expect(toasts(bob)).to_contain_text("There is already a stone at E6.")
    point(bob, "E5").click()
    expect(toasts(bob)).to_contain_text("Ko: you cannot retake at E5 immediately.")
    for page in (alice, bob):
        expect(point(page, "E5")).to_be_visible()
        expect(point(page, "E6 black")).to_be_visible()
    expect(announce(bob)).to_contain_text("Your move.")

    # White plays elsewhere; now the ko may be taken back, and it is.
    play(bob, "J9", "white", alice)
    play(alice, "J1", "black", bob)
    play(bob, "E5", "white", alice)
    expect(point(alice, "F5")).to_be_visible()


def test_undo_accepted_then_declined(server: ServerProcess, new_page: Callable[..., Page]) -> None:
    """White takes back a move with Black's consent; a second request is declined and stands."""
    alice, bob = start_game(new_page, server)
    play_sequence(alice, bob, ["E5", "C3"])
    expect(alice.get_by_role("button", name="Undo", exact=True)).to_be_disabled()

    bob.get_by_role("button", name="Undo", exact=True).click()
    expect(bob.get_by_text("Undo requested. Waiting for your opponent…")).to_be_visible()
    expect(bob.get_by_role("button", name="Undo", exact=True)).to_have_count(0)
    prompt = alice.get_by_role("group", name="Undo request")
    expect(prompt).to_contain_text("White asks to undo their last move.")
    prompt.get_by_role("button", name="Accept undo").click()
    for page in (alice, bob):
        expect(point(page, "C3")).to_be_visible()
        expect(toasts(page)).to_contain_text("Undo accepted")
    expect(announce(bob)).to_contain_text("Your move.")
    expect(alice.get_by_role("button", name="Accept undo")).to_have_count(0)

    play(bob, "G7", "white", alice)
    bob.get_by_role("button", name="Undo", exact=True).click()
    alice.get_by_role("button", name="Decline undo").click()
    expect(toasts(bob)).to_contain_text("The undo request was declined.")
    for page in (alice, bob):
        expect(point(page, "G7 white")).to_be_visible()
    expect(announce(alice)).to_contain_text("Your move.")
    expect(bob.get_by_role("button", name="Undo", exact=True)).to_be_visible()
    play(alice, "D4", "black", bob)
