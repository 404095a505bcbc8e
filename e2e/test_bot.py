"""A whole 9x9 game against the server's bot (GNU Go, or the built-in bot when it is missing):
the human's moves are answered, both pass, the bot marks and accepts, the human accepts."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page, expect

from e2e.conftest import ServerProcess, screenshot
from e2e.helpers import SLOW, announce, board_names, create_game, point

# Where the human would like to play, best first; each move takes the first one still open.
WISHES = ["E5", "C3", "G7", "C7", "G3", "E3", "E7", "C5", "G5"]


def open_point(page: Page) -> str:
    """An empty point, by the names the board shows, whose four neighbours are empty too: on
    such a point a move can be neither suicide nor a ko recapture."""
    names = board_names(page)
    size = int(len(names) ** 0.5)
    empty = {(i % size, i // size) for i, name in enumerate(names) if " " not in name}
    for wish in [*WISHES, *names]:
        if " " in wish or wish not in names:
            continue
        x, y = divmod(names.index(wish), size)[::-1]
        around = [(x + dx, y + dy) for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1))]
        if all(p in empty for p in around if 0 <= p[0] < size and 0 <= p[1] < size):
            return wish
    raise AssertionError(f"no open point left: {names}")


def moves_so_far(page: Page) -> int:
    found = re.match(r"Move (\d+):", announce(page).inner_text())
    return int(found.group(1)) if found else 0


def test_game_against_the_bot(server: ServerProcess, new_page: Callable[..., Page]) -> None:
    human = new_page(1280, 800)
    create_game(human, server, colour="Black", opponent="The bot")
    white = human.get_by_role("region", name="White player")
    expect(white).to_contain_text(re.compile(r"GNU Go|Built-in bot"))
    # The bot has no socket but never leaves: it is shown as a bot, not as disconnected.
    expect(white.get_by_text("Bot", exact=True)).to_be_visible()
    expect(white.get_by_text("disconnected", exact=True)).to_be_hidden()
    expect(white.get_by_role("img", name="disconnected")).to_have_count(0)
    expect(human.get_by_role("button", name="Pass")).to_be_enabled()

    # Four moves, each answered by the bot (a move, or a pass: "White passed").
    for turn in range(4):
        name = open_point(human)
        point(human, name).click()
        expect(point(human, f"{name} black")).to_be_visible()
        expect(announce(human)).to_contain_text(f"Move {2 * turn + 2}: White", timeout=SLOW)
        expect(announce(human)).to_contain_text("Your move.")

    screenshot(human, "bot-game", full_page=False, clean=True)

    # The human passes until the bot passes too (it may first play on where it sees profit).
    scoring = human.get_by_role("region", name="Scoring")
    for _ in range(40):
        n = moves_so_far(human)
        human.get_by_role("button", name="Pass").click()
        expect(announce(human)).to_contain_text(f"Move {n + 2}: White", timeout=SLOW)
        if scoring.is_visible():
            break
    expect(scoring).to_be_visible()
    expect(announce(human)).to_contain_text("White passed. Scoring: mark dead stones.")

    # The bot marks what it thinks is dead and accepts its own marking; the human accepts it.
    # (Accepting earlier races the bot's marks: they clear acceptances, the accept is stale.)
    expect(white.get_by_text("✓ Accepted")).to_be_visible(timeout=SLOW)
    human.get_by_role("button", name="Accept score").click()
    banner = human.get_by_role("status").filter(has_text=re.compile(r"wins by [\d.]+ points?|Draw"))
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Final score: Black")
    expect(banner.get_by_role("link", name="Back to lobby")).to_be_visible()
    expect(human.get_by_role("button", name="Resign")).to_have_count(0)
    screenshot(human, "bot-game-over", full_page=False, clean=True)
