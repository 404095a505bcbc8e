"""Random games checked move by move against sgfmill's board, an independent implementation."""

from __future__ import annotations

import random

import pytest
from sgfmill import boards

from gameserver.games.go import Color, GoGame, IllegalMoveError
from tests.gameserver.games.go.diagrams import side_by_side

B, W = Color.BLACK, Color.WHITE


def oracle_rows(board: boards.Board, size: int) -> list[str]:
    marks = {"b": "X", "w": "O", None: "."}
    return ["".join(marks[board.get(size - 1 - y, x)] for x in range(size)) for y in range(size)]


@pytest.mark.parametrize(("size", "seed", "length"),
                         [(5, s, 150) for s in range(6)] + [(9, s, 400) for s in range(6)]
                         + [(13, 0, 600), (19, 0, 1000), (19, 1, 1000)])
def test_same_board_as_sgfmill_after_every_move(size: int, seed: int, length: int) -> None:
    rng = random.Random(seed)
    game = GoGame.new(size=size, komi=0, superko="none")
    oracle = boards.Board(size)
    oracle_ko = None
    captures = 0
    for number in range(1, length + 1):
        color = game.to_move
        assert color is not None
        empties = [i for i, v in enumerate(game.board) if v == 0]
        if rng.random() < 0.1:  # sometimes an occupied point, to check that error too
            empties = list(range(size * size))
        x, y = (lambda i: (i % size, i // size))(rng.choice(empties))
        row, col = size - 1 - y, x
        try:
            after = game.play(color, (x, y))
        except IllegalMoveError as exc:
            # the oracle must agree on why the move is illegal
            if exc.reason == "occupied":
                assert oracle.get(row, col) is not None
            elif exc.reason == "ko":
                assert oracle_ko == (row, col)
            elif exc.reason == "suicide":
                trial = oracle.copy()
                trial.play(row, col, color.letter.lower())
                assert trial.get(row, col) is None, "sgfmill does not see a self-capture"
            else:
                raise
            if rng.random() < 0.3:
                game = game.pass_move(color)
                if game.phase == "scoring":
                    game = game.resume()
            continue
        oracle_ko = oracle.play(row, col, color.letter.lower())
        captures += sum(after.captures.values()) - sum(game.captures.values())
        game = after
        got, want = game.board_rows(), oracle_rows(oracle, size)
        assert got == want, (f"move {number} {color.value} at {(x, y)} differs\n"
                             + side_by_side(want, got, ("sgfmill", "gameserver.games.go")))
        expected_ko = None if oracle_ko is None else (oracle_ko[1], size - 1 - oracle_ko[0])
        assert game.ko == expected_ko
        if number % 10 == 0:  # area score with every stone alive: sgfmill counts it too
            assert game.score().margin == oracle.area_score()
    assert captures > 0, "a random game this long should capture something"
