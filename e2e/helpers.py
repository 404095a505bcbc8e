"""Shared steps for the end-to-end tests, written the way a screen-reader user finds things:
by role and accessible name (see web/README.md), never by CSS class."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Locator, Page, expect

from e2e.conftest import ServerProcess

# Waits that span a server restart or a reconnect backoff get more than expect's default 5 s.
SLOW = 30_000


def point(page: Page, name: str) -> Locator:
    """The intersection whose accessible name is exactly `name` ("E5", "E5 black")."""
    return page.get_by_role("button", name=name, exact=True)


def board(page: Page) -> Locator:
    return page.get_by_role("group", name=re.compile(r"^Go board, \d+ by \d+$"))


def board_names(page: Page) -> list[str]:
    """The accessible name of every intersection, row by row from the top-left."""
    return board(page).get_by_role("button").evaluate_all(
        "els => els.map(e => e.getAttribute('aria-label'))"
    )


def toasts(page: Page) -> Locator:
    return page.locator("#toasts")


def create_game(
    page: Page,
    server: ServerProcess,
    name: str = "Alice",
    colour: str = "Black",
    ruleset: str = "Chinese (area)",
    komi: str | None = None,
    time_control: str = "No time limit",
    custom_time: dict[str, str] | None = None,
    opponent: str = "A person",
    handicap: str | None = None,
    placement: str | None = None,
) -> str:
    """Open the lobby, set a name, create a 9x9 game; returns the game page's URL.

    `custom_time` picks "Custom…" and fills the custom fields by label, e.g.
    `{"System": "Byo-yomi", "Main time (minutes)": "0", "Periods": "1"}` ("System" is a
    combobox, picked by its option's label). With `opponent="The bot"` the game starts at once.
    `handicap` ("2 stones") and `placement` ("Free (Black places them)") pick those options.
    """
    page.goto(server.url + "/")
    page.get_by_role("textbox", name="Name").fill(name)
    page.get_by_role("button", name="Save name").click()
    expect(toasts(page)).to_contain_text(f"You are now “{name}”")
    page.get_by_role("combobox", name="Board size").select_option("9")
    page.get_by_role("combobox", name="Rules").select_option(label=ruleset)
    if handicap is not None:
        page.get_by_role("combobox", name="Handicap", exact=True).select_option(label=handicap)
    if placement is not None:
        page.get_by_role("combobox", name="Handicap stones").select_option(label=placement)
    if komi is not None:
        page.get_by_role("spinbutton", name="Komi").fill(komi)
    if custom_time is not None:
        page.get_by_role("combobox", name="Time control").select_option(label="Custom…")
        for label, value in custom_time.items():
            if label == "System":
                page.get_by_role("combobox", name="System").select_option(label=value)
            else:
                page.get_by_role("spinbutton", name=label, exact=True).fill(value)
    else:
        page.get_by_role("combobox", name="Time control").select_option(label=time_control)
    page.get_by_role("combobox", name="Colour").select_option(label=colour)
    page.get_by_role("combobox", name="Opponent").select_option(label=opponent)
    page.get_by_role("button", name="Create game").click()
    if opponent == "A person":
        expect(page.get_by_role("textbox", name="Share link")).to_be_visible()
    else:
        expect(point(page, "E5")).to_be_visible()
    return page.url


def join_from_lobby(page: Page, server: ServerProcess, name: str = "Bob") -> None:
    """Open the lobby, set a name and join the (only) open game."""
    page.goto(server.url + "/")
    page.get_by_role("textbox", name="Name").fill(name)
    page.get_by_role("button", name="Save name").click()
    expect(toasts(page)).to_contain_text(f"You are now “{name}”")
    page.get_by_role("list", name="Open games").get_by_role("button", name="Join").click()
    expect(point(page, "E5")).to_be_visible()


def start_game(
    new_page: Callable[..., Page], server: ServerProcess, **create: Any
) -> tuple[Page, Page]:
    """Alice (black) creates a 9x9 game, Bob (white) joins from the lobby; both see Pass."""
    alice, bob = new_page(), new_page()
    create_game(alice, server, **create)
    join_from_lobby(bob, server)
    expect(alice.get_by_role("button", name="Pass")).to_be_enabled()
    expect(bob.get_by_role("button", name="Pass")).to_be_visible()
    return alice, bob


def play(mover: Page, name: str, colour: str, *watchers: Page) -> None:
    """`mover` clicks the empty point `name`; everyone (mover and watchers) sees the stone."""
    point(mover, name).click()
    for page in (mover, *watchers):
        expect(point(page, f"{name} {colour}")).to_be_visible()


def play_sequence(black: Page, white: Page, moves: list[str], *watchers: Page) -> None:
    """Alternate moves starting with black; every page sees each stone before the next move."""
    for i, name in enumerate(moves):
        if i % 2 == 0:
            play(black, name, "black", white, *watchers)
        else:
            play(white, name, "white", black, *watchers)


def announce(page: Page) -> Locator:
    return page.locator("#announce")


def clock(page: Page, colour: str) -> Locator:
    """The timer of "Black" or "White" (digits, then the line under them)."""
    return page.get_by_role("timer", name=f"{colour} clock")


def clock_seconds(page: Page, colour: str) -> float:
    """What `colour`'s clock shows, in seconds ("1:05" -> 65, "0:04.3" -> 4.3)."""
    shown = clock(page, colour).inner_text()
    found = re.search(r"(?:(\d+):)?(\d+):(\d+(?:\.\d)?)", shown)
    assert found, f"no time on the {colour} clock: {shown!r}"
    hours, minutes, seconds = found.groups()
    return int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
