"""Random legal games for property and oracle tests."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from gameserver.games.go import Color, GoGame, IllegalMoveError, Point


def legal_successors(game: GoGame, choices: Iterable[int]) -> Iterator[tuple[GoGame, Point | None]]:
    """Play one move per choice: a pass when ``choice % 23 == 0``, else the first legal
    empty point from ``choice`` on (a pass when there is none). Scoring is resumed."""
    size = game.size
    area = size * size
    for choice in choices:
        if game.phase == "scoring":
            game = game.resume()
        color = game.to_move
        assert color is not None
        played: GoGame | None = None
        point: Point | None = None
        if choice % 23 != 0:
            for step in range(area):
                i = (choice + step) % area
                candidate = (i % size, i // size)
                if game.board[i]:
                    continue
                try:
                    played = game.play(color, candidate)
                except IllegalMoveError:
                    continue
                point = candidate
                break
        if played is None:
            played = game.pass_move(color)
        game = played
        yield game, point


def random_game(choices: Iterable[int], size: int = 9, **settings: object) -> GoGame:
    game = GoGame.new(size=size, **settings)  # type: ignore[arg-type]
    for after, _ in legal_successors(game, choices):
        game = after
    return game


def stones_of(game: GoGame, color: Color) -> int:
    code = 1 if color is Color.BLACK else 2
    return game.board.count(code)
