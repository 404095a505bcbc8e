"""Cluster mode in the browser: two nodes on one PostgreSQL database, a player on each; the
node of one player is killed with SIGKILL and that player's page carries on through the other
node (its endpoint list comes from GET /api/nodes), with the game exactly where it was."""

from __future__ import annotations

import re
import secrets
import signal
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import ServerProcess
from e2e.helpers import (
    SLOW,
    announce,
    board_names,
    create_game,
    join_from_lobby,
    play,
    play_sequence,
)
from flowstate.postgres_server import TemporaryPostgres

HEARTBEAT, TIMEOUT = "0.3", "1.5"


@pytest.fixture
def nodes(postgres: TemporaryPostgres, tmp_path: Path) -> Iterator[list[ServerProcess]]:
    separator = "&" if "?" in postgres.dsn else "?"
    dsn = f"{postgres.dsn}{separator}schema=e2e{secrets.token_hex(4)}"
    started = []
    try:
        for name in ("a", "b"):
            node = ServerProcess(dsn, log=tmp_path / f"node-{name}.log", extra_args=[
                "--node-id", name, "--node-heartbeat", HEARTBEAT, "--node-timeout", TIMEOUT])
            node.start()
            started.append(node)
        yield started
    finally:
        for node in started:
            node.stop()


def test_page_fails_over_to_the_other_node(nodes: list[ServerProcess],
                                           new_page: Callable[..., Page]) -> None:
    """Alice plays on node A, Bob on node B; A is killed mid-game; Alice's page reconnects to
    B by itself, sees the same board, and the game goes on for both."""
    node_a, node_b = nodes
    alice, bob = new_page(), new_page()
    create_game(alice, node_a)
    join_from_lobby(bob, node_b)
    expect(alice.get_by_role("button", name="Pass")).to_be_enabled()
    play_sequence(alice, bob, ["E5", "C3", "G7", "C7"])
    before = board_names(alice)

    node_a.stop(signal.SIGKILL)
    # on node B: until her page has noticed the loss, a click would go to the dead socket
    expect(alice.locator("body")).to_have_attribute(
        "data-endpoint", re.compile(rf":{node_b.port}/"), timeout=SLOW)
    expect(alice.locator("body")).to_have_attribute("data-net", "open")
    expect(alice.get_by_role("button", name="Pass")).to_be_enabled(timeout=SLOW)
    assert board_names(alice) == before
    expect(announce(alice)).to_contain_text("Your move.")
    play(alice, "G3", "black", bob)
    play(bob, "D5", "white", alice)
    assert board_names(alice) == board_names(bob)
    # Alice's socket is on node B now: her page's own server is gone.
    assert alice.evaluate("() => fetch('/healthz').then(() => 'up', () => 'down')") == "down"
