"""Issue 17: the game review (a move list with First / Previous / Next / Last move and the
arrow keys, in the "Moves" region), move numbers on the stones and the score estimate."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Locator, Page, expect

from e2e.conftest import ServerProcess, screenshot
from e2e.helpers import announce, board, play, play_sequence, point, start_game


def moves(page: Page) -> Locator:
    return page.get_by_role("region", name="Moves")


def current(page: Page) -> Locator:
    """The move marked as the one shown."""
    return moves(page).get_by_role("listitem").and_(page.locator("[aria-current='step']"))


def test_review_during_play_is_a_local_view(
    server: ServerProcess, new_page: Callable[..., Page]
) -> None:
    """Bob steps back through the moves while the game goes on: his board shows the earlier
    position, Alice's does not change, a new move does not pull him forward, Last move brings
    him back; a click on the board while reviewing only returns to the game."""
    alice, bob = start_game(new_page, server)
    play_sequence(alice, bob, ["E5", "C3", "G7", "C7"])
    review = moves(bob)
    expect(review.get_by_role("listitem")).to_have_count(4)
    expect(current(bob)).to_have_text(re.compile("4.*C7"))
    expect(review).to_contain_text("Move 4 of 4: White C7")

    review.get_by_role("button", name="Previous move").click()
    expect(point(bob, "C7")).to_be_visible()
    expect(point(bob, "G7 black")).to_be_visible()
    expect(current(bob)).to_have_text(re.compile("3.*G7"))
    expect(point(alice, "C7 white")).to_be_visible()
    bob.keyboard.press("ArrowLeft")
    expect(point(bob, "G7")).to_be_visible()
    expect(review).to_contain_text("Move 2 of 4: White C3")

    play(alice, "G3", "black")
    expect(review.get_by_role("listitem")).to_have_count(5)
    expect(review).to_contain_text("Move 2 of 5: White C3 (the game is at move 5)")
    expect(point(bob, "G3")).to_be_visible()
    screenshot(bob, "review-during-play", full_page=False, clean=True)

    review.get_by_role("button", name="First move").click()
    expect(point(bob, "E5")).to_be_visible()
    expect(review).to_contain_text("Start")
    bob.keyboard.press("ArrowRight")
    expect(point(bob, "E5 black")).to_be_visible()
    expect(point(bob, "C3")).to_be_visible()

    point(bob, "D4").click()  # reviewing: this goes back to the game, it plays nothing
    expect(point(bob, "G3 black")).to_be_visible()
    expect(point(bob, "D4")).to_be_visible()
    expect(review).to_contain_text("Move 5 of 5: Black G3")
    expect(announce(alice)).to_contain_text("Move 5: Black G3.")

    review.get_by_role("button", name="Previous move").click()
    review.get_by_role("button", name="Last move").click()
    expect(point(bob, "G3 black")).to_be_visible()
    expect(review.get_by_role("button", name="Next move")).to_be_disabled()
    play(bob, "D5", "white", alice)


def test_a_finished_game_opens_in_review(
    server: ServerProcess, new_page: Callable[..., Page]
) -> None:
    """After a resignation both players and a newcomer who opens the game get the move list at
    the last move, and can step back to the start."""
    alice, bob = start_game(new_page, server)
    play_sequence(alice, bob, ["E5", "C3", "G7"])
    bob.get_by_role("button", name="Resign").click()
    bob.get_by_role("button", name="Yes, resign").click()
    for page in (alice, bob):
        banner = page.get_by_role("status").filter(has_text="Black wins by resignation")
        expect(banner).to_be_visible()
        expect(moves(page)).to_contain_text("Move 3 of 3: Black G7")
    carol = new_page()
    carol.goto(alice.url)
    review = moves(carol)
    expect(review).to_contain_text("Move 3 of 3: Black G7")
    review.get_by_role("button", name="First move").click()
    expect(point(carol, "E5")).to_be_visible()
    expect(review.get_by_role("button", name="Previous move")).to_be_disabled()
    review.get_by_role("button", name="Next move").click()
    review.get_by_role("button", name="Next move").click()
    expect(point(carol, "C3 white")).to_be_visible()
    expect(point(carol, "G7")).to_be_visible()
    carol.keyboard.press("End")  # the focus is on Next move, inside the region
    expect(point(carol, "G7 black")).to_be_visible()


def test_move_numbers_and_the_score_estimate(
    server: ServerProcess, new_page: Callable[..., Page]
) -> None:
    """Move numbers go on the stones (and into their descriptions); Estimate score shows an
    area count labelled as an estimate, which changes nothing in the game."""
    alice, bob = start_game(new_page, server)
    play_sequence(alice, bob, ["E5", "C3", "G7"])
    alice.get_by_role("checkbox", name="Move numbers").check()
    expect(point(alice, "E5 black")).to_have_attribute("aria-description", re.compile(r"move 1\b"))
    expect(point(alice, "G7 black")).to_have_attribute("aria-description", re.compile("move 3"))
    expect(point(bob, "E5 black")).not_to_have_attribute("aria-description", re.compile("move 1"))
    alice.reload()  # the choice is remembered
    expect(point(alice, "C3 white")).to_have_attribute("aria-description", re.compile("move 2"))

    estimate = bob.get_by_role("region", name="Score estimate")
    estimate.get_by_role("button", name="Estimate score").click()
    expect(estimate).to_contain_text(re.compile(
        r"Estimate, not the result, at move 3: Black [\d.]+, White [\d.]+: (Black|White) leads by"))
    expect(announce(bob)).to_contain_text("Move 3: Black G7. Your move.")
    # On the board: the stones it took for dead, and the territory, until the next move.
    said = re.search(r"\((\d+) stones? counted as dead\)", estimate.inner_text())
    described = bob.evaluate(
        "() => [...document.querySelectorAll('[aria-description]')].map(e => e.ariaDescription)")
    assert sum("dead" in d for d in described) == (int(said.group(1)) if said else 0)
    assert any("territory" in d for d in described) or said is None
    estimate.get_by_role("button", name="Hide estimate").click()
    expect(estimate).not_to_contain_text("Estimate, not the result")
    expect(board(bob).locator("[aria-description*='territory']")).to_have_count(0)
    estimate.get_by_role("button", name="Estimate score").click()
    expect(estimate).to_contain_text("at move 3")
    play(bob, "D5", "white", alice)
    expect(estimate).not_to_contain_text("Estimate, not the result")
    expect(board(bob).locator("[aria-description*='territory']")).to_have_count(0)
    expect(board(bob).locator("[aria-description*='dead']")).to_have_count(0)
