"""Light cycles in two browser contexts: created from the lobby's Game picker, joined from the
open-games list; during the countdown both riders steer at once (one with the keyboard, one
with the touch buttons), and the race runs on the server's tick to a result on both pages."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page, expect

from e2e.conftest import ServerProcess, screenshot
from e2e.helpers import toasts


def lobby(page: Page, server: ServerProcess, name: str) -> None:
    page.goto(server.url + "/")
    page.get_by_role("textbox", name="Name").fill(name)
    page.get_by_role("button", name="Save name").click()
    expect(toasts(page)).to_contain_text(f"You are now “{name}”")


def test_two_riders_steer_at_once_to_a_result(server: ServerProcess,
                                              new_page: Callable[..., Page]) -> None:
    """A 16x16 grid at 10 ticks/s: red starts at (4, 4) heading right, blue at (11, 11)
    heading left. Both turn down before the start: blue reaches the bottom row in four
    ticks and crashes into the wall at the fifth, red has rows to spare: Ann (red) wins."""
    ann, ben = new_page(), new_page(width=420, height=900, has_touch=True)
    lobby(ann, server, "Ann")
    ann.get_by_role("combobox", name="Game").select_option(label="Light cycles")
    ann.get_by_role("combobox", name="Grid size").select_option("16")
    ann.get_by_role("combobox", name="Countdown").select_option(label="5 s")
    ann.get_by_role("combobox", name="Cycle colour").select_option(label="Red")
    ann.get_by_role("button", name="Create game").click()
    expect(ann).to_have_url(re.compile(r"#/game/"))
    expect(ann.get_by_role("textbox", name="Share link")).to_be_visible()

    lobby(ben, server, "Ben")
    row = ben.get_by_role("list", name="Open games").get_by_role("listitem").filter(has_text="Ann")
    expect(row).to_contain_text(re.compile(r"Cycles · 16.16"))
    row.get_by_role("button", name="Join").click()
    expect(ben).to_have_url(ann.url)
    for page in (ann, ben):
        expect(page.locator("#announce")).to_contain_text("Starts in")
        expect(page.get_by_role("list", name="Riders")).to_contain_text("Ann (red")
        expect(page.get_by_role("list", name="Riders")).to_contain_text("Ben (blue")

    ann.locator("body").press("ArrowDown")  # the keyboard
    ben.get_by_role("group", name="Steer").get_by_role("button", name="Steer down").tap()
    for page in (ann, ben):
        banner = page.get_by_role("status").filter(has_text="Ann wins")
        expect(banner).to_be_visible(timeout=15_000)
        riders = page.get_by_role("list", name="Riders")
        expect(riders).to_contain_text("Ann (red")
        expect(riders).to_contain_text("riding")
        expect(riders).to_contain_text("crashed")
        expect(page.get_by_role("img", name="Arena")).to_have_attribute(
            "aria-description", re.compile(r"Red at 4, \d+ heading down; Blue at 11, 15 crashed"))
    screenshot(ann, "cycles")
