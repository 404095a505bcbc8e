"""Clocks against the real server: a short byo-yomi clock runs down on both pages, periods are
used up, the flag falls, both pages show the same result and the loser can no longer play."""

from __future__ import annotations

import time
from collections.abc import Callable

from playwright.sync_api import Page, expect

from e2e.conftest import ServerProcess, screenshot
from e2e.helpers import (
    announce,
    board_names,
    clock,
    clock_seconds,
    play_sequence,
    point,
    start_game,
    toasts,
)

# Byo-yomi with no main time and two periods of 3 s: after white's reply black has 6 s in all.
SHORT = {"System": "Byo-yomi", "Main time (minutes)": "0", "Periods": "2", "Period (seconds)": "3"}


# Bob's computer clock is 25 s fast: his page must still agree with Alice's (the client counts
# from the server's time, estimated with ping/pong), not flag black at once.
SKEW = "(() => { const now = Date.now.bind(Date); Date.now = () => now() + 25000; })();"


def test_loss_on_time(server: ServerProcess, new_page: Callable[..., Page]) -> None:
    """Both pages count black's periods down, the flag ends the game the same way for both."""
    opened: list[Page] = []

    def open_page() -> Page:
        page = new_page(1280, 800)
        if opened:
            page.add_init_script(SKEW)
        opened.append(page)
        return page

    alice, bob = start_game(open_page, server, custom_time=SHORT)
    pages = (alice, bob)
    for page in pages:
        expect(page.get_by_role("region", name="Black player")).to_contain_text("to play")
        expect(clock(page, "White")).to_contain_text("0:03.0")
        expect(clock(page, "White")).to_contain_text("2 periods left")
    play_sequence(alice, bob, ["E5", "C3"])

    # Black thinks: both pages count black's period down; white's clock stands still (a move in
    # a period resets it to full).
    for page in pages:
        expect(clock(page, "Black")).to_contain_text("2 periods left")
        expect(clock(page, "White")).to_contain_text("0:03.0")
    first = {page: clock_seconds(page, "Black") for page in pages}
    time.sleep(0.5)
    for page in pages:
        later = clock_seconds(page, "Black")
        assert later < first[page] - 0.2, (first[page], later)
        assert clock_seconds(page, "White") == 3.0
    # The first period runs out and the last one starts in full.
    for page in pages:
        expect(clock(page, "Black")).to_contain_text("Last period", timeout=4_000)
    # Both pages agree on black's time to within a few tenths (each corrects by its own offset).
    shown = [clock_seconds(page, "Black") for page in pages]
    assert abs(shown[0] - shown[1]) < 0.4, shown
    screenshot(alice, "clock-last-period", full_page=False, clean=True)

    # The flag falls: the same banner on both pages, black's clock at zero.
    for page in pages:
        banner = page.get_by_role("status").filter(has_text="White wins on time")
        expect(banner).to_be_visible(timeout=5_000)
        expect(banner).to_contain_text("Black ran out of time.")
        expect(announce(page)).to_contain_text("White wins on time.")
        expect(clock(page, "Black")).to_contain_text("0:00.0")
        expect(page.get_by_role("button", name="Pass")).to_have_count(0)
    screenshot(bob, "clock-flag", full_page=False, clean=True)

    # The loser cannot play any more; the board stays as it was on both pages.
    point(alice, "G7").click()
    expect(toasts(alice)).to_contain_text("The game is over.")
    expect(point(bob, "G7")).to_be_visible()
    assert board_names(alice) == board_names(bob)
    assert clock_seconds(alice, "White") == 3.0
