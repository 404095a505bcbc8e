"""Issue 17's bugs, each reproduced as a Go player met it: a phone game page that opened
scrolled down, a landscape board taller than the screen, 7 px coordinates, an absent
creator's game still joinable, silent lapsed undos and withdrawn acceptances, toasts over the
controls, renames that never reached the player cards."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Locator, Page, expect

from e2e.conftest import ServerProcess, screenshot
from e2e.helpers import SLOW, board, create_game, play, point, start_game, toasts

PHONE = {"width": 390, "height": 844, "has_touch": True, "is_mobile": True}
LANDSCAPE = {"width": 844, "height": 390, "has_touch": True, "is_mobile": True}


def header_bottom(page: Page) -> float:
    box = page.get_by_role("banner").bounding_box()
    assert box is not None
    return box["y"] + box["height"]


def create_19(page: Page, server: ServerProcess) -> None:
    """Create a 19x19 game from the lobby (scrolled down to the Create game button)."""
    page.goto(server.url + "/")
    page.get_by_role("combobox", name="Board size").select_option("19")
    create = page.get_by_role("button", name="Create game")
    create.scroll_into_view_if_needed()
    create.click()
    expect(page.get_by_role("textbox", name="Share link")).to_be_visible()
    expect(point(page, "K10")).to_be_visible()


def test_phone_game_page_opens_at_the_top(
    server: ServerProcess, new_page: Callable[..., Page]
) -> None:
    """On a phone, Create game (at the bottom of the lobby) opens the game page at the top:
    the player cards, clocks and the whole first row of the board are below the header."""
    phone = new_page(**PHONE)
    create_19(phone, server)
    assert phone.evaluate("window.scrollY") == 0
    top = header_bottom(phone)
    cards = phone.get_by_role("region", name="Black player").bounding_box()
    assert cards is not None and cards["y"] >= top
    goban = board(phone).bounding_box()
    assert goban is not None and goban["y"] >= top


def test_phone_coordinates_are_readable(
    server: ServerProcess, new_page: Callable[..., Page]
) -> None:
    """The 19x19 board's coordinates were about 7 px high on a 390 px phone."""
    phone = new_page(**PHONE)
    create_19(phone, server)
    heights = board(phone).evaluate(
        "svg => [...svg.querySelectorAll('text')].slice(0, 4)"
        ".map(t => t.getBoundingClientRect().height)")
    assert min(heights) >= 10, f"coordinates {heights} px high"
    screenshot(phone, "phone-19x19", full_page=False, clean=True)


def test_landscape_phone_shows_the_whole_board(
    server: ServerProcess, new_page: Callable[..., Page]
) -> None:
    """At 844x390 the 19x19 board was 720 px tall: now it fits below the header."""
    phone = new_page(**LANDSCAPE)
    create_19(phone, server)
    goban = board(phone).bounding_box()
    assert goban is not None
    room = 390 - header_bottom(phone)
    assert goban["height"] <= room, f"board {goban['height']} px tall, {room} px of room"
    board(phone).evaluate("svg => svg.scrollIntoView({block: 'end'})")
    goban = board(phone).bounding_box()
    assert goban is not None and goban["y"] >= header_bottom(phone) - 1
    assert goban["y"] + goban["height"] <= 390 + 1
    screenshot(phone, "landscape-19x19", full_page=False, clean=True)


def open_games(page: Page) -> Locator:
    return page.get_by_role("list", name="Open games").get_by_role("listitem")


@pytest.mark.server_args("--lobby-away", "1")
def test_an_absent_creators_game_leaves_the_lobby(
    server: ServerProcess, new_page: Callable[..., Page]
) -> None:
    """Alice creates a game and closes the tab: after the grace period it leaves Bob's lobby,
    and its page tells Bob she is away instead of letting him join; it is back when she is."""
    alice, bob = new_page(), new_page()
    url = create_game(alice, server)
    bob.goto(server.url + "/")
    expect(open_games(bob)).to_have_count(1)
    context = alice.context
    alice.close()
    expect(open_games(bob)).to_have_count(0, timeout=SLOW)
    expect(bob.get_by_text("No open games right now")).to_be_visible()

    carol = new_page()
    carol.goto(url)
    expect(carol.get_by_text("Alice is away right now")).to_be_visible()
    expect(carol.get_by_role("button", name="Join")).to_be_disabled()

    again = context.new_page()
    again.goto(url)
    expect(again.get_by_role("textbox", name="Share link")).to_be_visible()
    expect(open_games(bob)).to_have_count(1, timeout=SLOW)
    expect(carol.get_by_role("button", name="Join")).to_be_enabled()


def test_lapsed_undo_and_withdrawn_acceptance_are_told(
    server: ServerProcess, new_page: Callable[..., Page]
) -> None:
    """Bob plays instead of answering Alice's undo request: Alice is told it lapsed. Alice
    accepts the score, Bob changes the marks: Alice is told her acceptance was withdrawn."""
    alice, bob = start_game(new_page, server)
    play(alice, "E5", "black", bob)
    alice.get_by_role("button", name="Undo", exact=True).click()
    expect(bob.get_by_role("button", name="Accept undo")).to_be_visible()
    play(bob, "C3", "white", alice)
    expect(toasts(alice)).to_contain_text(
        "White played instead of answering: your undo request lapsed.")
    expect(toasts(bob)).to_contain_text("You played, so Black's undo request lapsed.")

    alice.get_by_role("button", name="Pass").click()
    expect(bob.get_by_role("button", name="Pass")).to_be_enabled()
    bob.get_by_role("button", name="Pass").click()
    expect(alice.get_by_role("button", name="Accept score")).to_be_enabled()
    alice.get_by_role("button", name="Accept score").click()
    expect(alice.get_by_role("button", name="Accept score")).to_be_disabled()
    point(bob, "E5 black").click()
    expect(point(alice, "E5 black")).to_have_attribute("aria-description", re.compile("dead"))
    expect(toasts(alice)).to_contain_text(
        "White changed the dead stones: your acceptance was withdrawn.")
    expect(alice.get_by_role("region", name="Scoring")).to_contain_text("accept again")
    expect(alice.get_by_role("button", name="Accept score")).to_be_enabled()


def test_toasts_never_cover_controls(
    server: ServerProcess, new_page: Callable[..., Page]
) -> None:
    """On a phone, with the chat input at the bottom of the screen, a toast covers no button,
    field, link or board point of the page (it sits on the header band and lets clicks
    through)."""
    alice = new_page(**PHONE)
    bob = new_page()
    create_game(alice, server)
    bob.goto(server.url + "/")
    bob.get_by_role("list", name="Open games").get_by_role("button", name="Join").click()
    expect(bob.get_by_role("button", name="Pass")).to_be_visible()
    point(alice, "E5").click()
    point(alice, "E5").click()  # Confirm moves is on for touch: the second tap plays
    expect(point(bob, "E5 black")).to_be_visible()
    chat = alice.get_by_role("textbox", name="Chat message")
    chat.evaluate("el => el.scrollIntoView({block: 'end'})")
    bob.get_by_role("button", name="Pass").click()
    toast = toasts(alice).get_by_text("White passed.")
    expect(toast).to_be_visible()
    box = toast.bounding_box()
    assert box is not None
    assert box["y"] + box["height"] <= header_bottom(alice), "the toast reaches below the header"
    # Below the header band nothing may be under it (the band itself hides what scrolls there).
    covered = alice.evaluate(
        """() => {
          const t = [...document.querySelectorAll('#toasts > *')].at(-1).getBoundingClientRect();
          const header = document.querySelector('header');
          const band = header.getBoundingClientRect().bottom;
          const hit = (r) => r.width > 0 && r.height > 0 && r.left < t.right && t.left < r.right
            && Math.max(r.top, band) < t.bottom && t.top < r.bottom;
          return [...document.querySelectorAll(
              'button, input, select, textarea, a, [role=button], label, #announce')]
            .filter((el) => !header.contains(el) && hit(el.getBoundingClientRect()))
            .map((el) => el.getAttribute('aria-label') || el.textContent.trim().slice(0, 30));
        }""")
    assert covered == [], f"the toast covers {covered}"
    # The header's own links stay clickable through it.
    brand = alice.get_by_role("link", name="Tengen, back to the lobby").bounding_box()
    assert brand is not None
    under = alice.evaluate("([x, y]) => document.elementFromPoint(x, y).closest('a')?.className",
                           [brand["x"] + brand["width"] / 2, brand["y"] + brand["height"] / 2])
    assert under == "brand"
    screenshot(alice, "phone-toast", full_page=False)
    chat.fill("gg")  # the field under the toast's band still takes input
    alice.get_by_role("button", name="Send").click()
    expect(alice.get_by_role("log", name="Chat history")).to_contain_text("gg")


def test_a_rename_reaches_the_running_games_player_cards(
    server: ServerProcess, new_page: Callable[..., Page]
) -> None:
    """Alice renames herself in the lobby during a game: Bob's card for her says the new name,
    and so does hers when she goes back to the game."""
    alice, bob = start_game(new_page, server)
    play(alice, "E5", "black", bob)
    game = alice.url
    alice.get_by_role("link", name="Lobby", exact=True).click()
    alice.get_by_role("textbox", name="Name").fill("Alicia")
    alice.get_by_role("button", name="Save name").click()
    expect(toasts(alice)).to_contain_text("You are now “Alicia”")
    black = bob.get_by_role("region", name="Black player")
    expect(black).to_contain_text("Alicia")
    expect(toasts(bob)).to_contain_text("Alice is now called Alicia.")
    alice.goto(game)
    expect(alice.get_by_role("region", name="Black player")).to_contain_text("Alicia")
    play(bob, "C3", "white", alice)
