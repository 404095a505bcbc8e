"""Recovery: a reload keeps the seat and the board; a server restart (same database) is
ridden out by both pages on their own."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Locator, Page, expect

from e2e.conftest import ServerProcess
from e2e.helpers import SLOW, announce, board_names, play, play_sequence, point, start_game


def offline_banner(page: Page) -> Locator:
    return page.get_by_role("status").filter(has_text="Connection lost")


def test_reload_keeps_seat_and_board(server: ServerProcess, new_page: Callable[..., Page]) -> None:
    """Bob reloads mid-game: same seat (White, his turn, Pass works), same board; play goes on."""
    alice, bob = start_game(new_page, server)
    play_sequence(alice, bob, ["E5", "C3", "G7"])
    before = board_names(alice)

    bob.reload()
    expect(point(bob, "G7 black")).to_be_visible()
    assert board_names(bob) == before
    expect(bob.get_by_role("region", name="White player")).to_contain_text("Bob")
    expect(bob.get_by_text("Spectating")).to_be_hidden()
    expect(announce(bob)).to_contain_text("Move 3: Black G7. Your move.")
    expect(bob.get_by_role("button", name="Pass")).to_be_enabled()
    play(bob, "C7", "white", alice)
    play(alice, "G3", "black", bob)


def test_server_restart_mid_game(server: ServerProcess, new_page: Callable[..., Page]) -> None:
    """The server goes down and comes back on the same database: both pages show the offline
    banner, reconnect by themselves, keep the board, and the game continues."""
    alice, bob = start_game(new_page, server)
    play_sequence(alice, bob, ["E5", "C3", "G7", "C7"])
    before = board_names(alice)

    server.stop()
    for page in (alice, bob):
        expect(offline_banner(page)).to_be_visible()
        expect(page.get_by_role("button", name="Retry now")).to_be_visible()
    server.start()
    for page in (alice, bob):
        expect(offline_banner(page)).to_be_hidden(timeout=SLOW)
        expect(page.get_by_role("button", name="Pass")).to_be_visible()
        assert board_names(page) == before
    expect(announce(alice)).to_contain_text("Your move.")
    expect(bob.get_by_role("region", name="Black player").get_by_role("img", name="connected")
           ).to_be_visible()

    play(alice, "G3", "black", bob)
    play(bob, "D5", "white", alice)
    assert board_names(alice) == board_names(bob)
