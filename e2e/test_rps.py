"""Rock, paper, scissors (examples/rps, a game built outside the package) in two browser
contexts, on the same client core: the lobby offers it because the server serves it."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import ServerProcess
from e2e.helpers import toasts

pytestmark = pytest.mark.server_args("--games", "go,connect_four,examples.rps.game")


def lobby(page: Page, server: ServerProcess, name: str) -> None:
    page.goto(server.url + "/")
    page.get_by_role("textbox", name="Name").fill(name)
    page.get_by_role("button", name="Save name").click()
    expect(toasts(page)).to_contain_text(f"You are now “{name}”")


def test_two_players_play_best_of_three(server: ServerProcess,
                                        new_page: Callable[..., Page]) -> None:
    ann, ben = new_page(), new_page()
    lobby(ann, server, "Ann")
    ann.get_by_role("combobox", name="Game").select_option(label="Rock, paper, scissors")
    ann.get_by_role("combobox", name="Seat").select_option(label="Player 1")
    ann.get_by_role("button", name="Create game").click()
    expect(ann).to_have_url(re.compile(r"#/game/"))
    expect(ann.get_by_role("textbox", name="Share link")).to_be_visible()

    lobby(ben, server, "Ben")
    row = ben.get_by_role("list", name="Open games").get_by_role("listitem").filter(has_text="Ann")
    expect(row).to_contain_text("Rock, paper, scissors")
    row.get_by_role("button", name="Join").click()
    expect(ben).to_have_url(ann.url)
    hands = {page: page.get_by_role("group", name="Your hand") for page in (ann, ben)}

    hands[ann].get_by_role("button", name="Rock").click()
    expect(ann.locator("#announce")).to_contain_text("You chose rock. Waiting for Ben…")
    expect(ben.locator("#announce")).to_contain_text("Ann has chosen. Your choice.")
    expect(ben.get_by_role("list", name="Rounds played")).not_to_contain_text("Rock")  # hidden
    hands[ben].get_by_role("button", name="Scissors").click()
    for page in (ann, ben):
        expect(page.get_by_role("list", name="Rounds played")).to_contain_text(
            "Round 1: Rock against Scissors, Ann wins.")
        expect(page.get_by_label("Score")).to_have_text("Ann 1, Ben 0")

    hands[ben].get_by_role("button", name="Paper").click()
    hands[ann].get_by_role("button", name="Scissors").click()
    for page in (ann, ben):
        banner = page.get_by_role("status").filter(has_text="Ann wins")
        expect(banner).to_be_visible()
        expect(page.get_by_label("Score")).to_have_text("Ann 2, Ben 0")
        expect(page.get_by_role("group", name="Your hand")).to_be_hidden()
