"""Issue 17: the chat is kept with the game. A reload used to empty it ("No messages yet") and
a late spectator saw none of what was said."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Locator, Page, expect

from e2e.conftest import ServerProcess
from e2e.helpers import play_sequence, point, start_game


def chat_log(page: Page) -> Locator:
    return page.get_by_role("log", name="Chat history")


def say(page: Page, text: str) -> None:
    page.get_by_role("textbox", name="Chat message").fill(text)
    page.get_by_role("button", name="Send").click()
    expect(chat_log(page)).to_contain_text(text)


def test_chat_is_replayed_after_a_reload_and_to_a_late_spectator(
    server: ServerProcess, new_page: Callable[..., Page]
) -> None:
    """Alice and Bob chat; Bob reloads and still sees both lines, in order; Carol, who opens
    the game afterwards, sees them too, and so she does after her own reload."""
    alice, bob = start_game(new_page, server)
    play_sequence(alice, bob, ["E5", "C3"])
    say(alice, "have fun")
    say(bob, "you too")
    expect(chat_log(alice)).to_contain_text("you too")

    bob.reload()
    expect(point(bob, "C3 white")).to_be_visible()
    lines = chat_log(bob).get_by_role("listitem")
    expect(lines).to_have_count(2)
    expect(lines.nth(0)).to_contain_text("have fun")
    expect(lines.nth(1)).to_contain_text("you too")
    expect(chat_log(bob)).not_to_contain_text("No messages yet")

    carol = new_page()
    carol.goto(alice.url)
    expect(carol.get_by_text("Spectating")).to_be_visible()
    expect(chat_log(carol).get_by_role("listitem")).to_have_count(2)
    expect(chat_log(carol)).to_contain_text("Alice")
    say(carol, "hi from the gallery")
    carol.reload()
    expect(chat_log(carol).get_by_role("listitem")).to_have_count(3)
    expect(chat_log(alice)).to_contain_text("hi from the gallery")
