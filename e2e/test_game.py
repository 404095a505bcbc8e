"""Whole games between two browser contexts: play, passes, dead stones, scoring, result."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page, expect

from e2e.conftest import ServerProcess, screenshot
from e2e.helpers import board_names, play, play_sequence, point, start_game, toasts


def test_full_game_through_scoring(server: ServerProcess, new_page: Callable[..., Page]) -> None:
    """A 9x9 game to the end: walls, a dead invader, two passes, marking, both accept."""
    alice, bob = start_game(lambda: new_page(1280, 800), server)
    # Black walls off column E, white column F; black then invades at H5, which dies.
    walls = []
    for row in range(9, 0, -1):
        walls += [f"E{row}", f"F{row}"]
    play_sequence(alice, bob, walls)
    play_sequence(alice, bob, ["H5"])

    bob.get_by_role("button", name="Pass").click()
    expect(alice.locator("#announce")).to_contain_text("White passed")
    alice.get_by_role("button", name="Pass").click()
    for page in (alice, bob):
        expect(page.get_by_role("region", name="Scoring")).to_be_visible()
        expect(page.get_by_role("button", name="Pass")).to_have_count(0)
        expect(page.get_by_role("button", name="Resume play")).to_be_visible()

    # The server proposes the invader as dead; either player can toggle a group, both see it.
    dead = re.compile(r"\bdead\b")
    scoring = {page: page.get_by_role("region", name="Scoring") for page in (alice, bob)}
    for page in (alice, bob):
        expect(point(page, "H5 black")).to_have_attribute("aria-description", dead)
        expect(scoring[page]).to_contain_text("Black leads by 1.5")
    point(bob, "H5 black").click()
    for page in (alice, bob):
        expect(point(page, "H5 black")).not_to_have_attribute("aria-description", dead)
        expect(scoring[page]).to_contain_text("Black leads by 29.5")
    point(alice, "H5 black").click()
    for page in (alice, bob):
        expect(point(page, "H5 black")).to_have_attribute("aria-description", dead)
        expect(scoring[page]).to_contain_text("Black leads by 1.5")
    screenshot(alice, "scoring", full_page=False, clean=True)

    alice.get_by_role("button", name="Accept score").click()
    expect(alice.get_by_role("button", name="Accept score")).to_be_disabled()
    expect(bob.get_by_role("region", name="Scoring")).to_be_visible()
    expect(alice.get_by_role("region", name="Scoring")).to_contain_text("You accepted")
    bob.get_by_role("button", name="Accept score").click()

    for page in (alice, bob):
        banner = page.get_by_role("status").filter(has_text="Black wins by 1.5 points")
        expect(banner).to_be_visible()
        expect(banner.get_by_role("link", name="Back to lobby")).to_be_visible()
        expect(page.get_by_role("button", name="Resign")).to_have_count(0)
    final = board_names(alice)
    assert len(final) == 81
    assert board_names(bob) == final
    assert final.count("H5 black") == 1 and sum(n.endswith(" black") for n in final) == 10
    assert sum(n.endswith(" white") for n in final) == 9
    assert alice.get_by_role("status").filter(has_text="wins").inner_text() == (
        bob.get_by_role("status").filter(has_text="wins").inner_text()
    )


def test_resign_after_confirmation(server: ServerProcess, new_page: Callable[..., Page]) -> None:
    """Resign asks first: "Keep playing" changes nothing, "Yes, resign" ends the game for both."""
    alice, bob = start_game(new_page, server)
    play_sequence(alice, bob, ["E5"])

    bob.get_by_role("button", name="Resign").click()
    dialog = bob.get_by_role("dialog", name="Resign this game?")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Keep playing").click()
    expect(dialog).to_have_count(0)
    play(bob, "C3", "white", alice)

    alice.get_by_role("button", name="Resign").click()
    dialog = alice.get_by_role("dialog", name="Resign this game?")
    dialog.get_by_role("button", name="Yes, resign").click()
    for page in (alice, bob):
        banner = page.get_by_role("status").filter(has_text="White wins by resignation")
        expect(banner).to_be_visible()
        expect(page.get_by_role("button", name="Resign")).to_have_count(0)
        expect(page.get_by_role("button", name="Pass")).to_have_count(0)
        expect(page.locator("#announce")).to_have_text(
            "Move 2: White C3. White wins by resignation."
        )
    point(bob, "D4").click()
    expect(toasts(bob)).to_contain_text("The game is over.")
    assert board_names(alice) == board_names(bob)


def test_scoring_changes_clear_acceptance_and_play_resumes(
    server: ServerProcess, new_page: Callable[..., Page]
) -> None:
    """In scoring, a new dead mark withdraws an acceptance; Resume play returns to the game."""
    alice, bob = start_game(new_page, server)
    play_sequence(alice, bob, ["E5", "C3"])
    alice.get_by_role("button", name="Pass").click()
    expect(bob.locator("#announce")).to_contain_text("Black passed")
    bob.get_by_role("button", name="Pass").click()
    accept = {page: page.get_by_role("button", name="Accept score") for page in (alice, bob)}
    expect(accept[alice]).to_be_enabled()
    accept[alice].click()
    expect(accept[alice]).to_be_disabled()
    point(bob, "E5 black").click()
    for page in (alice, bob):
        expect(point(page, "E5 black")).to_have_attribute("aria-description", re.compile("dead"))
    expect(accept[alice]).to_be_enabled()

    bob.get_by_role("button", name="Resume play").click()
    for page in (alice, bob):
        expect(page.get_by_role("region", name="Scoring")).to_be_hidden()
        expect(point(page, "E5 black")).not_to_have_attribute(
            "aria-description", re.compile("dead")
        )
        expect(page.get_by_role("button", name="Pass")).to_be_visible()
    expect(alice.locator("#announce")).to_contain_text("Your move.")
    play_sequence(alice, bob, ["G7", "G3"])
