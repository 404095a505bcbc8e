"""Connect four in two browser contexts: created from the lobby's Game picker, joined from the
open-games list, played to a win; a spectator's link and the bot."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Locator, Page, expect

from e2e.conftest import ServerProcess, screenshot
from e2e.helpers import toasts


def lobby(page: Page, server: ServerProcess, name: str) -> None:
    page.goto(server.url + "/")
    page.get_by_role("textbox", name="Name").fill(name)
    page.get_by_role("button", name="Save name").click()
    expect(toasts(page)).to_contain_text(f"You are now “{name}”")


def create(page: Page, server: ServerProcess, name: str, colour: str = "Red (drops first)",
           opponent: str = "A person", columns: str = "7", rows: str = "6") -> None:
    lobby(page, server, name)
    page.get_by_role("combobox", name="Game").select_option(label="Connect four")
    page.get_by_role("combobox", name="Columns").select_option(columns)
    page.get_by_role("combobox", name="Rows").select_option(rows)
    page.get_by_role("combobox", name="Disc colour").select_option(label=colour)
    page.get_by_role("combobox", name="Opponent").select_option(label=opponent)
    page.get_by_role("button", name="Create game").click()
    expect(page).to_have_url(re.compile(r"#/game/"))


def column(page: Page, n: int) -> Locator:
    return page.get_by_role("button", name=f"Column {n}", exact=True)


def drop(mover: Page, watcher: Page, n: int, move: int) -> None:
    """`mover` drops into column `n` (1-based); both pages show move number `move`."""
    column(mover, n).click()
    for page in (mover, watcher):
        expect(page.locator("#announce")).to_contain_text(f"Move {move}:")


def test_two_players_play_connect_four_to_a_win(server: ServerProcess,
                                                new_page: Callable[..., Page]) -> None:
    ann, ben = new_page(), new_page()
    create(ann, server, "Ann")
    expect(ann.get_by_role("textbox", name="Share link")).to_be_visible()
    lobby(ben, server, "Ben")
    row = ben.get_by_role("list", name="Open games").get_by_role("listitem").filter(has_text="Ann")
    expect(row).to_contain_text("Connect four")
    expect(row).to_contain_text("you play yellow")
    row.get_by_role("button", name="Join").click()
    expect(ben).to_have_url(ann.url)
    for page in (ann, ben):
        grid = page.get_by_role("group", name="Connect four grid, 7 columns by 6 rows")
        expect(grid).to_be_visible()
    expect(ann.locator("#announce")).to_contain_text("Your turn.")
    expect(ben.locator("#announce")).to_contain_text("Red to play.")

    # Out of turn: Ben is told, nothing is sent.
    column(ben, 1).click()
    expect(toasts(ben)).to_contain_text("It is Red's turn.")

    move = 0
    for mover, watcher, n in [(ann, ben, 1), (ben, ann, 7), (ann, ben, 2), (ben, ann, 7),
                              (ann, ben, 3), (ben, ann, 7)]:
        move += 1
        drop(mover, watcher, n, move)
    expect(column(ann, 7)).to_have_attribute("aria-description",
                                             "yellow, yellow, yellow from the bottom; 3 free")
    expect(ben.get_by_role("region", name="Yellow player")).to_contain_text("Ben")
    column(ann, 4).click()
    for page in (ann, ben):
        banner = page.get_by_role("status").filter(has_text="Red wins")
        expect(banner).to_contain_text("Four in a row.")
        expect(banner.get_by_role("link", name="Back to lobby")).to_be_visible()
        expect(page.locator(".c4-cell.win")).to_have_count(4)
        expect(page.get_by_role("button", name="Resign")).to_have_count(0)
    expect(column(ben, 4)).to_have_attribute("aria-description", "red from the bottom; 5 free")
    screenshot(ann, "connect-four-win", full_page=False, clean=True)

    # A spectator opening the link sees the same finished grid.
    watcher = new_page()
    watcher.goto(ann.url)
    expect(watcher.get_by_role("status").filter(has_text="Red wins")).to_be_visible()
    expect(watcher.locator(".c4-cell.win")).to_have_count(4)


def test_the_bot_answers_and_resigning_ends_the_game(server: ServerProcess,
                                                     new_page: Callable[..., Page]) -> None:
    ann = new_page()
    create(ann, server, "Ann", opponent="The bot", columns="5", rows="4")
    expect(ann.get_by_role("group", name="Connect four grid, 5 columns by 4 rows")).to_be_visible()
    expect(ann.get_by_role("region", name="Yellow player")).to_contain_text("Bot")
    column(ann, 1).click()
    expect(ann.locator("#announce")).to_contain_text("Move 2: Yellow in column 3. Your turn.")
    ann.get_by_role("button", name="Resign").click()
    ann.get_by_role("button", name="Yes, resign").click()
    banner = ann.get_by_role("status").filter(has_text="Yellow wins")
    expect(banner).to_contain_text("Red resigned.")


def test_the_lobby_offers_every_kind_and_go_stays_the_default(
        server: ServerProcess, new_page: Callable[..., Page]) -> None:
    page = new_page()
    lobby(page, server, "Ann")
    picker = page.get_by_role("combobox", name="Game")
    expect(picker).to_have_value("go")
    expect(picker.locator("option")).to_have_text(["Go", "Connect four"])
    expect(page.get_by_role("combobox", name="Board size")).to_be_visible()
    picker.select_option(label="Connect four")
    expect(page.get_by_role("combobox", name="Board size")).to_have_count(0)
    expect(page.get_by_role("combobox", name="Columns")).to_have_value("7")
