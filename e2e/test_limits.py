"""The server's match limits as the players see them: a game nobody joins is cancelled, a player
who leaves a game without a clock and stays away loses it by forfeit."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import ServerProcess, screenshot
from e2e.helpers import announce, create_game, play_sequence, point, start_game, toasts


@pytest.mark.server_args("--lobby-timeout", "2")
def test_game_nobody_joins_is_cancelled(
    server: ServerProcess, new_page: Callable[..., Page]
) -> None:
    alice = new_page(1280, 800)
    create_game(alice, server)
    banner = alice.get_by_role("status").filter(has_text="Game cancelled: nobody joined")
    expect(banner).to_be_visible(timeout=6_000)
    expect(banner).to_contain_text("the game never started")
    expect(alice.get_by_role("textbox", name="Share link")).to_be_hidden()
    expect(announce(alice)).to_have_text("Game cancelled: nobody joined.")
    point(alice, "E5").click()
    expect(toasts(alice)).to_contain_text("The game is over.")
    screenshot(alice, "cancelled", full_page=False, clean=True)
    # It is gone from the lobby's open games.
    alice.get_by_role("link", name="Back to lobby").click()
    expect(alice.get_by_role("list", name="Open games").get_by_role("link", name="Open")
           ).to_have_count(0)


@pytest.mark.server_args("--abandon-after", "2")
def test_player_who_stays_away_forfeits(
    server: ServerProcess, new_page: Callable[..., Page]
) -> None:
    alice, bob = start_game(new_page, server)
    play_sequence(alice, bob, ["E5", "C3"])
    bob.context.close()
    white = alice.get_by_role("region", name="White player")
    expect(white.get_by_role("img", name="disconnected")).to_be_visible()
    banner = alice.get_by_role("status").filter(has_text="Black wins by forfeit")
    expect(banner).to_be_visible(timeout=6_000)
    expect(banner).to_contain_text("White left the game and did not come back.")
    expect(alice.get_by_role("button", name="Pass")).to_have_count(0)
