"""Recovery: a reload keeps the seat and the board; a server restart (same database) is
ridden out by both pages on their own."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from playwright.sync_api import Locator, Page, expect

from e2e.conftest import ServerProcess
from e2e.helpers import SLOW, announce, board_names, play, play_sequence, point, start_game


def offline_banner(page: Page) -> Locator:
    return page.get_by_role("status").filter(has_text="Connection lost")


def online_again(page: Page) -> None:
    """Wait, polling every 25 ms (expect() polls too slowly to time this), for the offline
    banner to go."""
    page.wait_for_function("() => document.getElementById('offline-banner').hidden",
                           polling=25, timeout=SLOW)


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
    """The server goes down and comes back on the same database: both players and a spectator
    see the offline banner, reconnect by themselves, keep the board, and the game continues."""
    alice, bob = start_game(new_page, server)
    carol = new_page()
    carol.goto(alice.url)
    play_sequence(alice, bob, ["E5", "C3", "G7", "C7"], carol)
    before = board_names(alice)

    # stop() and start() are restart() in two steps, so the banner is seen while it is down.
    server.stop()
    for page in (alice, bob, carol):
        expect(offline_banner(page)).to_be_visible()
        expect(page.get_by_role("button", name="Retry now")).to_be_visible()
    server.start()
    for page in (alice, bob, carol):
        expect(offline_banner(page)).to_be_hidden(timeout=SLOW)
        assert board_names(page) == before
    for page in (alice, bob):
        expect(page.get_by_role("button", name="Pass")).to_be_visible()
    expect(announce(alice)).to_contain_text("Your move.")
    expect(bob.get_by_role("region", name="Black player").get_by_role("img", name="connected")
           ).to_be_visible()
    # The socket is back before the game has caught up (watch since_rev): until then a click
    # only says "Catching up with the server…". Pass is enabled once the page is live again.
    expect(alice.get_by_role("button", name="Pass")).to_be_enabled(timeout=SLOW)

    play(alice, "G3", "black", bob, carol)
    play(bob, "D5", "white", alice, carol)
    assert board_names(alice) == board_names(bob) == board_names(carol)


def test_reload_keeps_pending_undo_and_scoring(
    server: ServerProcess, new_page: Callable[..., Page]
) -> None:
    """A pending undo request and scoring marks and acceptances survive reloads of both pages."""
    alice, bob = start_game(new_page, server)
    play_sequence(alice, bob, ["E5", "C3", "G7"])
    alice.get_by_role("button", name="Undo", exact=True).click()
    expect(bob.get_by_role("button", name="Accept undo")).to_be_visible()
    bob.reload()
    alice.reload()
    expect(alice.get_by_text("Undo requested. Waiting for your opponent…")).to_be_visible()
    bob.get_by_role("button", name="Accept undo").click()
    for page in (alice, bob):
        expect(point(page, "G7")).to_be_visible()

    play(alice, "C7", "black", bob)
    bob.get_by_role("button", name="Pass").click()
    expect(announce(alice)).to_contain_text("White passed")
    alice.get_by_role("button", name="Pass").click()
    point(alice, "C3 white").click()
    expect(point(bob, "C3 white")).to_have_attribute("aria-description", re.compile("dead"))
    bob.get_by_role("button", name="Accept score").click()
    expect(bob.get_by_role("button", name="Accept score")).to_be_disabled()
    bob.reload()
    expect(point(bob, "C3 white")).to_have_attribute("aria-description", re.compile("dead"))
    expect(bob.get_by_role("button", name="Accept score")).to_be_disabled()
    alice.get_by_role("button", name="Accept score").click()
    for page in (alice, bob):
        result = page.get_by_role("status").filter(has_text="Black wins by 73.5 points")
        expect(result).to_be_visible()


def test_reconnect_is_quick_once_the_server_is_back(
    server: ServerProcess, new_page: Callable[..., Page]
) -> None:
    """Issue 17: pages took 7.9 s to notice a server that was back (the backoff doubled to
    15 s). While the server is down the page never waits more than a few seconds between
    tries; once it is back the page is online within about a second or two; an `online` event
    retries at once."""
    alice, bob = start_game(new_page, server)
    play_sequence(alice, bob, ["E5", "C3"])
    server.stop()
    expect(offline_banner(alice)).to_be_visible()
    waits: list[int] = []
    deadline = time.monotonic() + 8
    while time.monotonic() < deadline:
        shown = re.search(r"Reconnecting in (\d+) s", offline_banner(alice).inner_text())
        if shown:
            waits.append(int(shown.group(1)))
        alice.wait_for_timeout(150)
    assert waits and max(waits) <= 3, f"the page waited up to {max(waits)} s between tries"

    server.start()
    back = time.monotonic()
    online_again(alice)
    took = time.monotonic() - back
    online_again(bob)
    print(f"longest wait between tries {max(waits)} s; online {took:.2f} s after the server")
    assert took < 3.0, f"reconnected {took:.2f} s after the server was back"

    server.stop()
    expect(offline_banner(bob)).to_be_visible()
    bob.wait_for_timeout(3000)  # the backoff is at its cap now
    server.start()
    back = time.monotonic()
    bob.evaluate("window.dispatchEvent(new Event('online'))")
    online_again(bob)
    took = time.monotonic() - back
    print(f"online {took:.2f} s after an online event")
    assert took < 1.0, f"the online event did not retry at once ({took:.2f} s)"
    expect(bob.get_by_role("button", name="Pass")).to_be_visible()
