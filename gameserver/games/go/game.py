"""A game of Go as an immutable value: settings, position, history and phase.

Every command (``play``, ``pass_move``, ``resign``, ``undo``, ``mark_dead``,
``resume``, ``finish_by_score``, ``timeout``) returns a new :class:`GoGame` and
leaves the old one untouched. The rules that differ between rule texts (scoring,
suicide, superko, compensation, who passes last) come from the game's
:class:`~gameserver.games.go.rulesets.Ruleset`.

With free handicap placement the game starts in the ``placement`` phase: Black's
``play`` commands put the handicap stones on the board (they are not moves) until
all are placed; then White moves first. Which command is allowed in which phase is a
table, ``TRANSITIONS``: a missing ``(phase, command)`` entry raises
:class:`WrongPhaseError` naming both.

History is kept the cheap way: the current value holds the tuple of moves and
the tuple of position keys seen so far (for superko), and a linked list of small
undo records (previous board, captures, ko, hash), so undo is exact and O(1)
and no value copies the whole history of earlier values.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from gameserver.core.evolve import fast_init
from gameserver.games.go.board import (
    BLACK,
    EMPTY,
    WHITE,
    Geometry,
    chain_at,
    chains,
    geometry,
    handicap_points,
    place_stone,
    rows,
    setup_board,
)
from gameserver.games.go.coords import Color, Point, to_gtp
from gameserver.games.go.dead import dead_group, suggest_dead
from gameserver.games.go.errors import (
    EmptyPointError,
    IllegalMoveError,
    NotYourTurnError,
    SettingsError,
    WrongPhaseError,
)
from gameserver.games.go.rulesets import Placement, Ruleset, RulesetName, Superko, ruleset
from gameserver.games.go.scoring import Score, score_game

__all__ = [
    "TRANSITIONS",
    "GameSettings",
    "GoGame",
    "Move",
    "Phase",
]

Phase = Literal["placement", "playing", "scoring", "finished"]

_SUPERKO = ("positional", "situational", "none")
_PLACEMENT = ("fixed", "free")
_CODE = {Color.BLACK: BLACK, Color.WHITE: WHITE}
_COLOR = {BLACK: Color.BLACK, WHITE: Color.WHITE}


class Move(NamedTuple):
    """One move: ``point`` is None for a pass. Handicap stones are not moves."""

    color: Color
    point: Point | None

    @property
    def is_pass(self) -> bool:
        return self.point is None


@dataclass(frozen=True, slots=True)
class GameSettings:
    """The fixed part of a game, validated once."""

    size: int = 19
    komi: float = 6.5
    handicap: int = 0
    ruleset: RulesetName = "chinese"
    #: the repetition rule; None means the ruleset's
    superko: Superko | None = None
    #: black stones on the board before the first move (handicap or setup)
    handicap_stones: tuple[Point, ...] = ()
    #: white stones on the board before the first move (setup positions only)
    white_stones: tuple[Point, ...] = ()
    #: who makes the first move; None means white after handicap stones, else black
    first_to_move: Color | None = None
    #: "free": Black places ``handicap`` stones where he likes before White's first move
    #: (the ``placement`` phase); "fixed": ``handicap_stones`` are on the board from the start
    placement: Placement = "fixed"
    geo: Geometry = field(init=False, repr=False, compare=False)
    rules: Ruleset = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if isinstance(self.size, bool) or not isinstance(self.size, int):
            raise SettingsError("size", self.size, "an integer from 5 to 25")
        object.__setattr__(self, "geo", geometry(self.size))
        komi = self.komi
        if (isinstance(komi, bool) or not isinstance(komi, int | float)
                or not math.isfinite(komi) or (komi * 2) != int(komi * 2)):
            raise SettingsError("komi", komi, "a whole or half number")
        object.__setattr__(self, "komi", float(komi))
        rules = ruleset(self.ruleset)
        object.__setattr__(self, "rules", rules)
        if self.superko is None:
            object.__setattr__(self, "superko", rules.superko)
        if self.superko not in _SUPERKO:
            raise SettingsError("superko", self.superko,
                                '"positional", "situational" or "none"')
        if isinstance(self.handicap, bool) or not isinstance(self.handicap, int) \
                or not 0 <= self.handicap <= 9:
            raise SettingsError("handicap", self.handicap, "an integer from 0 to 9")
        if self.placement not in _PLACEMENT:
            raise SettingsError("placement", self.placement, '"fixed" or "free"')
        if self.placement == "free":
            if not rules.free_placement:
                raise SettingsError("placement", "free",
                                    f'"fixed" under {rules.title} rules')
            if self.handicap_stones or self.white_stones:
                raise SettingsError("placement", "free", '"fixed" with setup stones')
            handicap_points(self.size, self.handicap)  # the same limits as fixed stones
        for point in (*self.handicap_stones, *self.white_stones):
            if not self.geo.on_board(point):
                raise IllegalMoveError("off_board", point, self.size)
        if set(self.handicap_stones) & set(self.white_stones):
            raise SettingsError("white_stones", self.white_stones, "points free of black stones")
        if self.first_to_move is None:
            first = Color.WHITE if self.handicap_stones or self.placing else Color.BLACK
            object.__setattr__(self, "first_to_move", first)

    @property
    def placing(self) -> bool:
        """Whether Black places the handicap stones during the game (free placement)."""
        return self.placement == "free" and self.handicap >= 2

    @property
    def handicap_compensation(self) -> int:
        """Points White gets for the handicap under this game's ruleset."""
        return self.rules.handicap_compensation(self.handicap)


class _Undo(NamedTuple):
    """What one move changed, enough to take it back exactly."""

    board: bytes
    hash: int
    ko: int
    black_captures: int
    white_captures: int
    passes: int
    to_move: Color
    seen_len: int
    previous: _Undo | None
    #: the phase the undone action was made in (a handicap stone: ``placement``)
    phase: Phase = "playing"


@fast_init
@dataclass(frozen=True, slots=True)
class GoGame:
    """An immutable game of Go. Build one with :meth:`new`; every command returns a new one."""

    settings: GameSettings
    board: bytes = field(repr=False)
    to_move: Color | None
    moves: tuple[Move, ...] = ()
    black_captures: int = 0
    white_captures: int = 0
    ko_index: int = -1
    phase: Phase = "playing"
    dead: frozenset[Point] = frozenset()
    result: str | None = None
    position_hash: int = 0
    #: superko keys of every earlier position (with the side to move, when situational)
    seen: tuple[int, ...] = field(default=(), repr=False)
    #: consecutive passes since the last stone or resume
    passes: int = 0
    undo_log: _Undo | None = field(default=None, compare=False, repr=False)
    #: handicap stones Black placed so far (free placement), in order
    placed: tuple[Point, ...] = ()

    # ----------------------------------------------------------------- building

    @classmethod
    def new(cls, size: int = 19, komi: float = 6.5, handicap: int = 0,
            ruleset: RulesetName = "chinese", superko: Superko | None = None,
            handicap_stones: Iterable[Point] | None = None,
            placement: Placement = "fixed") -> GoGame:
        """A fresh game. Handicap stones go on the fixed star points unless
        ``handicap_stones`` lists them (e.g. from SGF ``AB``), or, with
        ``placement="free"``, Black places them in the ``placement`` phase; with any
        handicap stones white moves first. ``superko`` defaults to the ruleset's."""
        stones = (tuple(handicap_stones) if handicap_stones is not None
                  else () if placement == "free"
                  else handicap_points(size, handicap) if isinstance(size, int)
                  and 5 <= size <= 25 and isinstance(handicap, int) else ())
        return cls.start(GameSettings(size, komi, handicap, ruleset, superko, stones,
                                      placement=placement))

    @classmethod
    def start(cls, settings: GameSettings) -> GoGame:
        """The starting position described by ``settings`` (setup stones placed, no moves)."""
        board, h = setup_board(settings.size, settings.handicap_stones, settings.white_stones)
        if settings.placing:
            return GoGame(settings, board, Color.BLACK, phase="placement", position_hash=h)
        to_move = settings.first_to_move or Color.BLACK
        placed = GoGame(settings, board, to_move, position_hash=h,
                        seen=(cls._key(settings, h, to_move),))
        if settings.white_stones:
            geo = settings.geo
            for stones, liberties in chains(board, geo):
                if not liberties:
                    where = to_gtp(geo.point(min(stones)), geo.size)
                    raise SettingsError("setup", where, "a position where every chain has a "
                                        "liberty")
        return placed

    @classmethod
    def from_rows(cls, rows: Sequence[str], to_move: Color = Color.BLACK, komi: float = 0.0,
                  ruleset: RulesetName = "chinese", superko: Superko | None = None,
                  handicap: int = 0) -> GoGame:
        """A setup position from a diagram: rows top first, ``X`` black, ``O`` white,
        anything else empty (spaces between points are ignored). No moves; ``to_move``
        moves first. ``handicap`` counts it as a game of that many handicap stones (for
        the compensation); the stones are the diagram's. Used for problems and tests."""
        cleaned = [row.replace(" ", "") for row in rows]
        size = len(cleaned)
        if any(len(row) != size for row in cleaned):
            raise SettingsError("rows", list(rows), f"{size} rows of {size} points")
        black = tuple((x, y) for y, row in enumerate(cleaned)
                      for x, c in enumerate(row) if c == "X")
        white = tuple((x, y) for y, row in enumerate(cleaned)
                      for x, c in enumerate(row) if c == "O")
        return cls.start(GameSettings(size, komi, handicap, ruleset, superko, black, white,
                                      to_move))

    @classmethod
    def from_moves(cls, moves: Iterable[Move | tuple[Color, Point | None]],
                   **settings: Any) -> GoGame:
        """Rebuild a game from its settings (as for :meth:`new`) and its moves."""
        return cls.new(**settings).replay_from(moves)

    def replay_from(self, moves: Iterable[Move | tuple[Color, Point | None]]) -> GoGame:
        """A fresh game with this game's settings, with ``moves`` played in order.

        Used to restore a game from storage. A move that follows two passes
        means play was resumed, so the replay resumes the scoring phase first.
        Handicap stones placed freely in this game are placed again first.
        """
        game = self.restart()
        for stone in self.placed:
            game = game.play(Color.BLACK, stone)
        for color, point in moves:
            if game.phase == "scoring":
                game = game.resume()
            game = (game.pass_move(color) if point is None
                    else game.play(color, (point[0], point[1])))
        return game

    def restart(self) -> GoGame:
        """The starting position of this game (handicap stones placed, no moves)."""
        return GoGame.start(self.settings)

    @staticmethod
    def _key(settings: GameSettings, h: int, to_move: Color) -> int:
        if settings.superko == "situational":
            return h ^ settings.geo.side_keys[_CODE[to_move]]
        return h

    # ------------------------------------------------------------ reading state

    @property
    def size(self) -> int:
        return self.settings.size

    @property
    def komi(self) -> float:
        return self.settings.komi

    @property
    def handicap(self) -> int:
        return self.settings.handicap

    @property
    def ruleset(self) -> RulesetName:
        return self.settings.ruleset

    @property
    def rules(self) -> Ruleset:
        """The ruleset's data: scoring, suicide, superko, compensation, ..."""
        return self.settings.rules

    @property
    def superko(self) -> Superko:
        superko = self.settings.superko
        assert superko is not None  # resolved by GameSettings
        return superko

    @property
    def handicap_stones(self) -> tuple[Point, ...]:
        """Black's handicap stones: the fixed (or given) ones, or those placed so far."""
        return self.settings.handicap_stones + self.placed

    @property
    def handicap_left(self) -> int:
        """How many handicap stones Black still has to place (0 outside ``placement``)."""
        return self.settings.handicap - len(self.placed) if self.phase == "placement" else 0

    @property
    def captures(self) -> Mapping[Color, int]:
        """Prisoners taken *by* each colour (dead stones at scoring are not included)."""
        return {Color.BLACK: self.black_captures, Color.WHITE: self.white_captures}

    @property
    def ko(self) -> Point | None:
        """The point the player to move may not retake now (simple ko), if any."""
        return None if self.ko_index < 0 else self.settings.geo.point(self.ko_index)

    @property
    def last_move(self) -> Move | None:
        return self.moves[-1] if self.moves else None

    @property
    def last_mover(self) -> Color | None:
        """Who made the last move or placed the last handicap stone: what ``undo`` takes
        back. None when there is nothing to take back."""
        return None if self.undo_log is None else self.undo_log.to_move

    def board_rows(self) -> list[str]:
        """Row 0 first; ``.`` empty, ``X`` black, ``O`` white."""
        return rows(self.board, self.settings.size)

    def stone_at(self, point: Point) -> Color | None:
        geo = self.settings.geo
        if not geo.on_board(point):
            raise IllegalMoveError("off_board", point, geo.size)
        return _COLOR.get(self.board[geo.index(point)])

    def is_legal(self, color: Color, point: Point | None) -> bool:
        """Whether ``play`` (or ``pass_move`` for None) would succeed now."""
        try:
            if point is None:
                self.pass_move(color)
            else:
                self.play(color, point)
        except (IllegalMoveError, NotYourTurnError, WrongPhaseError):
            return False
        return True

    def group_at(self, point: Point) -> frozenset[Point]:
        """Every stone of the chain at ``point``."""
        geo = self.settings.geo
        if not geo.on_board(point):
            raise IllegalMoveError("off_board", point, geo.size)
        index = geo.index(point)
        if self.board[index] == EMPTY:
            raise EmptyPointError(point, geo.size)
        stones, _ = chain_at(self.board, geo, index)
        return frozenset(geo.point(i) for i in stones)

    def dead_group_at(self, point: Point) -> frozenset[Point]:
        """The stones one dead-marking click at ``point`` toggles: every stone of that
        colour reachable without crossing an opponent stone (several chains of one
        dead group in a territory), or just the chain when that area is more than
        half the board."""
        self.group_at(point)  # off-board and empty-point errors
        geo = self.settings.geo
        return frozenset(geo.point(i) for i in dead_group(self.board, geo, geo.index(point)))

    def score(self) -> Score:
        """The score under this game's ruleset, with the stones in ``dead`` removed."""
        return score_game(self)

    # ---------------------------------------------------------------- commands

    def play(self, color: Color, point: Point) -> GoGame:
        return _handler(self, "play")(self, color, point)

    def pass_move(self, color: Color) -> GoGame:
        return _handler(self, "pass")(self, color)

    def resign(self, color: Color) -> GoGame:
        return _handler(self, "resign")(self, color)

    def timeout(self, color: Color) -> GoGame:
        """``color`` ran out of time: the opponent wins (``B+T`` / ``W+T``)."""
        return _handler(self, "timeout")(self, color)

    def undo(self) -> GoGame:
        """Take back the last move (stone or pass), restoring everything it changed."""
        return _handler(self, "undo")(self)

    def mark_dead(self, point: Point, dead: bool = True, chain_only: bool = False) -> GoGame:
        """Mark (or unmark) the whole group at ``point`` as dead: see :meth:`dead_group_at`
        (or only the chain, with ``chain_only``)."""
        return _handler(self, "mark_dead")(self, point, dead, chain_only)

    def resume(self) -> GoGame:
        """Leave scoring; the opponent of the last passer moves."""
        return _handler(self, "resume")(self)

    def finish_by_score(self) -> GoGame:
        """End the game with the result of :meth:`score`."""
        return _handler(self, "finish_by_score")(self)

    def finish(self, result: str) -> GoGame:
        """End the game with a result decided elsewhere (e.g. an imported record)."""
        return _handler(self, "finish")(self, result)


# ------------------------------------------------------------------- handlers


def _check_turn(game: GoGame, color: Color) -> None:
    if color is not game.to_move:
        raise NotYourTurnError(color, game.to_move)


def _play(game: GoGame, color: Color, point: Point) -> GoGame:
    if color is not game.to_move:
        raise NotYourTurnError(color, game.to_move)
    settings = game.settings
    geo = settings.geo
    size = geo.size
    x, y = point
    if not (0 <= x < size and 0 <= y < size):
        raise IllegalMoveError("off_board", point, size)
    index = y * size + x
    if index == game.ko_index and game.board[index] == EMPTY:
        raise IllegalMoveError("ko", point, size)
    code = BLACK if color is Color.BLACK else WHITE
    placed = place_stone(game.board, geo, index, code, game.position_hash,
                         settings.rules.suicide)
    opponent = color.opponent
    if settings.superko == "situational":
        key = placed.hash ^ geo.side_keys[3 - code]
    else:
        key = placed.hash
    seen = game.seen
    if settings.superko != "none" and key in seen:
        raise IllegalMoveError("superko", point, size)
    taken = len(placed.captured)
    lost = len(placed.lost)  # a suicide: the opponent's prisoners
    return GoGame(
        settings,
        placed.board,
        opponent,
        (*game.moves, Move(color, (x, y))),
        game.black_captures + (taken if code == BLACK else lost),
        game.white_captures + (taken if code == WHITE else lost),
        placed.ko,
        "playing",
        frozenset(),
        None,
        placed.hash,
        (*seen, key),
        0,
        _Undo(game.board, game.position_hash, game.ko_index, game.black_captures,
              game.white_captures, game.passes, color, len(seen), game.undo_log),
        game.placed,
    )


def _place(game: GoGame, color: Color, point: Point) -> GoGame:
    """A handicap stone (free placement): not a move; White moves once all are placed."""
    if color is not game.to_move:
        raise NotYourTurnError(color, game.to_move)
    settings = game.settings
    geo = settings.geo
    if not geo.on_board(point):
        raise IllegalMoveError("off_board", point, geo.size)
    placed = place_stone(game.board, geo, geo.index(point), BLACK, game.position_hash)
    stones = (*game.placed, (point[0], point[1]))
    after = _replace(game, board=placed.board, position_hash=placed.hash, placed=stones,
                     undo_log=_Undo(game.board, game.position_hash, -1, 0, 0, 0, color, 0,
                                    game.undo_log, "placement"))
    if len(stones) < settings.handicap:
        return after
    # the position with every handicap stone is where the superko history starts
    return _replace(after, phase="playing", to_move=Color.WHITE,
                    seen=(GoGame._key(settings, placed.hash, Color.WHITE),))


def _pass(game: GoGame, color: Color) -> GoGame:
    _check_turn(game, color)
    settings = game.settings
    opponent = color.opponent
    seen = game.seen
    if settings.superko == "situational":
        seen = (*seen, GoGame._key(settings, game.position_hash, opponent))
    passes = game.passes + 1
    after = GoGame(
        settings, game.board, opponent, (*game.moves, Move(color, None)),
        game.black_captures, game.white_captures, -1, "playing", frozenset(), None,
        game.position_hash, seen, passes,
        _Undo(game.board, game.position_hash, game.ko_index, game.black_captures,
              game.white_captures, game.passes, color, len(game.seen), game.undo_log),
        game.placed,
    )
    # two passes in a row end play; under AGA rules only when White passes second
    if passes >= 2 and (color is Color.WHITE or not settings.rules.white_passes_last):
        return _replace(after, phase="scoring", dead=suggest_dead(after))
    return after


def _undo(game: GoGame) -> GoGame:
    record = game.undo_log
    if record is None:
        raise WrongPhaseError("undo", game.phase, "there is no move to take back")
    if record.phase == "placement":  # a handicap stone
        return GoGame(
            game.settings, record.board, Color.BLACK, (), 0, 0, -1, "placement", frozenset(),
            None, record.hash, (), 0, record.previous, game.placed[:-1],
        )
    return GoGame(
        game.settings, record.board, record.to_move, game.moves[:-1],
        record.black_captures, record.white_captures, record.ko, "playing", frozenset(),
        None, record.hash, game.seen[: record.seen_len], record.passes, record.previous,
        game.placed,
    )


def _finished(game: GoGame, result: str) -> GoGame:
    return _replace(game, phase="finished", to_move=None, result=result)


def _resign(game: GoGame, color: Color) -> GoGame:
    return _finished(_replace(game, dead=frozenset()), f"{color.opponent.letter}+R")


def _timeout(game: GoGame, color: Color) -> GoGame:
    return _finished(_replace(game, dead=frozenset()), f"{color.opponent.letter}+T")


def _finish(game: GoGame, result: str) -> GoGame:
    return _finished(game, result)


def _mark_dead(game: GoGame, point: Point, dead: bool, chain_only: bool) -> GoGame:
    group = game.group_at(point) if chain_only else game.dead_group_at(point)
    marked = game.dead | group if dead else game.dead - group
    return _replace(game, dead=marked)


def _resume(game: GoGame) -> GoGame:
    last = game.moves[-1].color if game.moves else Color.WHITE
    return _replace(game, phase="playing", dead=frozenset(), passes=0, to_move=last.opponent)


def _finish_by_score(game: GoGame) -> GoGame:
    return _finished(game, game.score().result)


def _replace(game: GoGame, **changes: Any) -> GoGame:
    values = {name: getattr(game, name) for name in _FIELDS}
    values.update(changes)
    return GoGame(**values)


_FIELDS = tuple(GoGame.__dataclass_fields__)

#: (phase, command) -> handler. Anything missing is a :class:`WrongPhaseError`.
TRANSITIONS: dict[tuple[Phase, str], Callable[..., GoGame]] = {
    ("placement", "play"): _place,
    ("placement", "undo"): _undo,
    ("placement", "resign"): _resign,
    ("placement", "timeout"): _timeout,
    ("placement", "finish"): _finish,
    ("playing", "play"): _play,
    ("playing", "pass"): _pass,
    ("playing", "undo"): _undo,
    ("playing", "resign"): _resign,
    ("playing", "timeout"): _timeout,
    ("playing", "finish"): _finish,
    ("scoring", "mark_dead"): _mark_dead,
    ("scoring", "resume"): _resume,
    ("scoring", "finish_by_score"): _finish_by_score,
    ("scoring", "resign"): _resign,
    ("scoring", "timeout"): _timeout,
    ("scoring", "finish"): _finish,
}

_ACTIONS = {
    "play": "play a stone", "pass": "pass", "undo": "undo", "resign": "resign",
    "timeout": "lose on time", "mark_dead": "mark dead stones", "resume": "resume play",
    "finish_by_score": "finish by score", "finish": "finish the game",
}


def _handler(game: GoGame, command: str) -> Callable[..., GoGame]:
    try:
        return TRANSITIONS[(game.phase, command)]
    except KeyError:
        detail = ""
        if game.phase == "placement":
            left = game.handicap_left
            detail = f"black has {left} handicap stone{'s' if left != 1 else ''} left to place"
        raise WrongPhaseError(_ACTIONS[command], game.phase, detail) from None

