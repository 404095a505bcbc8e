"""Board diagrams for tests: build positions from text, compare boards, print both on failure.

A diagram is a block of rows, top row first: ``X`` black, ``O`` white, ``.``
empty, and ``*`` an empty point the test is about (where the move goes).
Lower-case ``x`` and ``o`` are stones expected to be dead.
Spaces between points are ignored, so diagrams can be written spaced out.
"""

from __future__ import annotations

from collections.abc import Iterable

from gameserver.games.go import Color, GoGame, Point


def rows_of(diagram: str) -> list[str]:
    return [line.replace(" ", "") for line in diagram.strip().splitlines() if line.strip()]


def marked(diagram: str, mark: str = "*") -> Point:
    """The point carrying ``mark`` in the diagram."""
    for y, row in enumerate(rows_of(diagram)):
        x = row.find(mark)
        if x >= 0:
            return (x, y)
    raise AssertionError(f"no {mark!r} in diagram")


def position(diagram: str, to_move: Color = Color.BLACK, **settings: object) -> GoGame:
    """A setup game from a diagram; ``*`` (and digits) count as empty points."""
    rows = [row.replace("x", "X").replace("o", "O") for row in rows_of(diagram)]
    return GoGame.from_rows(rows, to_move, **settings)  # type: ignore[arg-type]


def canonical(diagram: str) -> list[str]:
    return ["".join(c.upper() if c in "XOxo" else "." for c in row) for row in rows_of(diagram)]


def with_dead(game: GoGame, dead: Iterable[Point]) -> list[str]:
    """The board with the given stones in lower case."""
    rows = [list(row) for row in game.board_rows()]
    for x, y in dead:
        rows[y][x] = rows[y][x].lower()
    return ["".join(row) for row in rows]


def assert_dead(diagram: str, dead: Iterable[Point]) -> None:
    """``dead`` is exactly the lower-case stones of the diagram; on failure both boards
    are printed, dead stones in lower case."""
    game = position(diagram)
    want = ["".join(c if c in "XOxo" else "." for c in row) for row in rows_of(diagram)]
    got = with_dead(game, dead)
    if got != want:
        raise AssertionError("dead stones differ\n"
                             + side_by_side(want, got, ("expected", "actual")))


def side_by_side(left: list[str], right: list[str], titles: tuple[str, str]) -> str:
    width = max(len(titles[0]), *(len(r) * 2 for r in left))
    lines = [f"{titles[0]:<{width}}   {titles[1]}"]
    for a, b in zip(left, right, strict=False):
        lines.append(f"{' '.join(a):<{width}}   {' '.join(b)}")
    return "\n".join(lines)


def assert_board(game: GoGame, expected: str) -> None:
    """The game's board equals the diagram; on failure both boards are printed."""
    want = canonical(expected)
    got = game.board_rows()
    if got != want:
        raise AssertionError("board differs\n" + side_by_side(want, got, ("expected", "actual")))


def play_at_mark(diagram: str, color: Color = Color.BLACK, **settings: object) -> GoGame:
    """Set up the diagram and let ``color`` play at its ``*``."""
    return position(diagram, color, **settings).play(color, marked(diagram))
