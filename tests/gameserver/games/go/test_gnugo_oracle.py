"""Whole games generated at test time by the installed GNU Go and replayed through our rules:
every board, every legal and illegal point of the player to move, and the final score agree
(see ``gnugo_games.py`` for how, and for the two known GNU Go differences it accounts for).

Japanese and Chinese rules with and without handicap (fixed stones, GNU Go's free placement,
stones we place and tell it of), 9x9 to 19x19, and each other ruleset's suicide and superko
against GNU Go's matching options. GNU Go runs at level 0; a game takes about a second.
"""

from __future__ import annotations

import os
from dataclasses import replace

import pytest

from gameserver.games.go import RULESETS, Ruleset
from gameserver.games.go.bots.gtp import GNUGO_PATH
from tests.gameserver.games.go.gnugo_games import GameSpec, replay

S = GameSpec
GAMES = [
    S("japanese", 9, 1, opening_moves=30),
    S("japanese", 9, 2, handicap=3, opening_moves=20),
    S("korean", 9, 3, handicap=2, opening_moves=30),
    S("chinese", 9, 1, opening_moves=30),
    S("chinese", 9, 2, handicap=3, opening_moves=20),  # the compensation GNU Go pays back
    S("chinese", 9, 3, handicap=3, placement="engine", opening_moves=20),
    S("chinese", 9, 4, handicap=2, placement="ours", opening_moves=20),
    S("aga", 9, 1, handicap=3, opening_moves=30),  # one point fewer than the stones
    S("new_zealand", 9, 1, opening_moves=50),  # suicides of one stone and of many
    S("new_zealand", 9, 2, handicap=2, placement="ours", opening_moves=40),
    S("ing", 9, 1, opening_moves=50),
    S("ing", 9, 2, handicap=3, placement="engine", opening_moves=40),
    S("japanese", 13, 1, handicap=2, opening_moves=120, opener="builtin"),
    S("chinese", 13, 2, handicap=4, placement="engine", opening_moves=120, opener="builtin"),
    S("japanese", 19, 2, opening_moves=400, opener="builtin"),
    S("chinese", 19, 1, handicap=4, opening_moves=400, opener="builtin"),
]


@pytest.fixture(scope="module")
def gnugo() -> str:
    if not os.access(GNUGO_PATH, os.X_OK):
        pytest.fail(f"GNU Go is not installed at {GNUGO_PATH}: the oracle games need it. "
                    "Run scripts/install (it installs the Debian package 'gnugo').")
    return GNUGO_PATH


@pytest.mark.parametrize("spec", GAMES, ids=str)
async def test_a_whole_game_agrees_with_gnugo(gnugo: str, spec: GameSpec) -> None:
    """Boards, legal points and the count agree after every move of a game GNU Go plays."""
    replayed = await replay(spec)
    assert replayed.result is not None, replayed.notes
    assert replayed.boards == replayed.moves + 1
    assert replayed.probes > 0


async def test_the_oracle_catches_a_wrong_count(gnugo: str,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The comparison can fail: without the handicap compensation (the old bug) a Chinese
    handicap game no longer agrees with GNU Go."""
    monkeypatch.setattr(Ruleset, "handicap_compensation", lambda self, stones: 0)
    with pytest.raises(AssertionError, match="GNU Go counts"):
        await replay(GAMES[4])


async def test_the_oracle_catches_a_wrong_legal_point(gnugo: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """And so can the legal points: New Zealand rules without suicide disagree with GNU Go
    allowing it."""
    nz = RULESETS["new_zealand"]
    monkeypatch.setitem(RULESETS, "new_zealand", replace(nz, suicide="forbidden"))
    with pytest.raises(AssertionError, match="legal points differ"):
        await replay(GAMES[8])
