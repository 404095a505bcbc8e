"""Other ways to play: the keyboard alone, and a touch screen with move confirmation."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from e2e.conftest import ServerProcess
from e2e.helpers import board, create_game, join_from_lobby, play, point, start_game


def test_keyboard_only_play(server: ServerProcess, new_page: Callable[..., Page]) -> None:
    """Tab reaches one board point; arrows move, Home/PageDown jump, Enter and Space play."""
    alice, bob = start_game(new_page, server)
    points = board(alice).get_by_role("button")
    assert points.evaluate_all("els => els.filter(e => e.tabIndex === 0).length") == 1
    point(alice, "E5").focus()
    alice.keyboard.press("ArrowUp")
    alice.keyboard.press("ArrowLeft")
    expect(point(alice, "D6")).to_be_focused()
    alice.keyboard.press("Enter")
    expect(point(bob, "D6 black")).to_be_visible()
    point(bob, "E5").focus()
    bob.keyboard.press("Home")
    bob.keyboard.press("PageDown")
    expect(point(bob, "A1")).to_be_focused()
    bob.keyboard.press("Space")
    expect(point(alice, "A1 white")).to_be_visible()


def test_touch_screen_confirms_moves(server: ServerProcess, new_page: Callable[..., Page]) -> None:
    """On a phone, Confirm moves is on: the first tap only marks the point, the second plays."""
    alice = new_page()
    bob = new_page(390, 844, has_touch=True, is_mobile=True)
    create_game(alice, server)
    join_from_lobby(bob, server)
    play(alice, "E5", "black", bob)
    expect(bob.get_by_role("checkbox", name="Confirm moves")).to_be_checked()
    point(bob, "C3").tap()
    expect(bob.get_by_text("Tap C3 again to play there.")).to_be_visible()
    expect(point(alice, "C3")).to_be_visible()
    point(bob, "C3").tap()
    expect(point(alice, "C3 white")).to_be_visible()
    expect(point(bob, "C3 white")).to_be_visible()
