"""Issue 17: finished games are listed in the lobby ("Finished games", newest first, with the
result and the date), each opens in review and its SGF can be downloaded. They used to vanish
from the lobby and from GET /api/games."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from e2e.conftest import ServerProcess
from e2e.helpers import play_sequence, start_game


def resign(page: Page) -> None:
    page.get_by_role("button", name="Resign").click()
    page.get_by_role("button", name="Yes, resign").click()
    expect(page.get_by_role("status").filter(has_text="by resignation")).to_be_visible()


def test_finished_games_are_listed_newest_first_and_open_in_review(
    server: ServerProcess, new_page: Callable[..., Page]
) -> None:
    """Two games end (Bob resigns the first, Alice the second); Carol's lobby lists both, the
    newer first, with result and date; Review opens it at the last move; SGF downloads."""
    alice, bob = start_game(new_page, server)
    play_sequence(alice, bob, ["E5", "C3"])
    resign(bob)
    first = alice.url
    alice.goto(server.url + "/")  # names are set already: create and join directly
    alice.get_by_role("combobox", name="Board size").select_option("9")
    alice.get_by_role("combobox", name="Colour").select_option(label="Black")
    alice.get_by_role("button", name="Create game").click()
    expect(alice.get_by_role("textbox", name="Share link")).to_be_visible()
    bob.goto(server.url + "/")
    bob.get_by_role("list", name="Open games").get_by_role("button", name="Join").click()
    expect(alice.get_by_role("button", name="Pass")).to_be_enabled()
    play_sequence(alice, bob, ["D4", "F6", "C7"])
    resign(alice)
    second = alice.url

    carol = new_page()
    carol.goto(server.url + "/")
    finished = carol.get_by_role("list", name="Finished games")
    rows = finished.get_by_role("listitem")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("White wins by resignation")
    expect(rows.nth(1)).to_contain_text("Black wins by resignation")
    expect(rows.nth(0)).to_contain_text(re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d"))
    expect(rows.nth(0)).to_contain_text("Alice")
    expect(rows.nth(0)).to_contain_text("3 moves")
    expect(carol.get_by_role("heading", name="Finished games")).to_contain_text("(2)")

    with carol.expect_download() as download:
        rows.nth(1).get_by_role("link", name="SGF").click()
    record = Path(download.value.path()).read_text(encoding="utf-8")
    assert "RE[B+R]" in record and ";B[ee]" in record, record

    rows.nth(0).get_by_role("link", name="Review").click()
    expect(carol).to_have_url(second)
    moves = carol.get_by_role("region", name="Moves")
    expect(moves).to_contain_text("Move 3 of 3: Black C7")
    moves.get_by_role("button", name="First move").click()
    expect(carol.get_by_role("button", name="D4", exact=True)).to_be_visible()
    assert first != second
