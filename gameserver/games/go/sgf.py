"""SGF (FF[4]) game records: export a :class:`GoGame`, import one by replaying it.

Export writes the root properties ``FF GM CA AP SZ KM RU PB PW DT HA AB RE``
and one node per move (a pass is ``B[]``/``W[]``), with optional comments.

Import reads the main line of the first game tree (the first variation at every
branch), checks the root (``GM[1]``, a square ``SZ`` from 5 to 25, a whole or
half ``KM``), places ``AB`` stones (or the fixed ``HA`` layout when ``AB`` is
missing) and ``AW`` setup stones, takes the first player from ``PL`` (else from
the first move), and replays every move through
the rules, so an illegal move in the record is an :class:`SgfError` saying which
move and why. ``RE`` ends the game with that result. Anything else that cannot be
honoured (``AE``, setup in mid-game, two moves in one node) is an error rather
than a guess.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from gameserver.games.go.board import handicap_points
from gameserver.games.go.coords import Color, Point, from_sgf_coord, to_gtp, to_sgf_coord
from gameserver.games.go.errors import CoordinateError, GoError, SgfError
from gameserver.games.go.game import GameSettings, GoGame
from gameserver.games.go.rulesets import Superko, ruleset_from_sgf

__all__ = ["SgfNode", "SgfRecord", "from_sgf", "parse_sgf", "read_sgf", "to_sgf"]

SgfNode = dict[str, list[str]]


# ------------------------------------------------------------------- export


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("]", "\\]")


def _sgf_result(result: str) -> str:
    return "0" if result == "Draw" else result


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


def to_sgf(game: GoGame, black_name: str = "", white_name: str = "",
           date: str | None = None, comments: Mapping[int, str] | None = None,
           time_limit: float | None = None, overtime: str | None = None) -> str:
    """The game record as SGF FF[4] text.

    ``comments`` maps a move number (1 = first move) to its comment; 0 is the
    root node. ``date`` is written as given (``YYYY-MM-DD``); the library reads
    no clock, so it is omitted when None. ``time_limit`` (seconds of main time, ``TM``)
    and ``overtime`` (``OT``, e.g. "5x30 byo-yomi") describe the clock.
    """
    size = game.size
    comments = comments or {}
    root = [
        "FF[4]", "GM[1]", "CA[UTF-8]", "AP[gameserver]",
        f"SZ[{size}]", f"KM[{_number(game.komi)}]",
        f"RU[{game.rules.sgf}]",
        f"PB[{_escape(black_name)}]", f"PW[{_escape(white_name)}]",
    ]
    if date:
        root.append(f"DT[{_escape(date)}]")
    if time_limit is not None:
        root.append(f"TM[{_number(time_limit)}]")
    if overtime:
        root.append(f"OT[{_escape(overtime)}]")
    settings = game.settings
    if settings.handicap:
        root.append(f"HA[{settings.handicap}]")
    for ident, stones in (("AB", game.handicap_stones), ("AW", settings.white_stones)):
        if stones:
            root.append(ident + "".join(f"[{to_sgf_coord(p, size)}]" for p in sorted(stones)))
    usual = Color.WHITE if settings.handicap_stones or settings.placing else Color.BLACK
    if settings.first_to_move is not usual and settings.first_to_move is not None:
        root.append(f"PL[{settings.first_to_move.letter}]")
    if game.result:
        root.append(f"RE[{_sgf_result(game.result)}]")
    if 0 in comments:
        root.append(f"C[{_escape(comments[0])}]")
    parts = ["(;" + "".join(root)]
    for number, (color, point) in enumerate(game.moves, start=1):
        where = "" if point is None else to_sgf_coord(point, size)
        node = f";{color.letter}[{where}]"
        if number in comments:
            node += f"C[{_escape(comments[number])}]"
        parts.append(node)
    lines = [parts[0]]
    for i in range(1, len(parts), 12):
        lines.append("".join(parts[i : i + 12]))
    return "\n".join(lines) + ")\n"


# ------------------------------------------------------------------- parsing


def parse_sgf(text: str) -> list[SgfNode]:
    """The main line of the first game tree: its nodes, property -> values.

    Raises :class:`SgfError` with the offset of the first thing that is not SGF.
    """
    pos = 0
    end = len(text)

    def skip() -> None:
        nonlocal pos
        while pos < end and text[pos].isspace():
            pos += 1

    skip()
    if pos >= end:
        raise SgfError("the record is empty")
    if text[pos] != "(":
        raise SgfError(f"expected '(' to open a game tree, found {text[pos]!r}", pos)
    nodes: list[SgfNode] = []
    depth = 0  # open game trees
    following = True  # still on the main line
    closed_main = False
    while True:
        skip()
        if pos >= end:
            raise SgfError("the record ends inside a game tree (missing ')')", pos)
        ch = text[pos]
        if ch == "(":
            depth += 1
            if depth > 1 and closed_main:
                following = False
            pos += 1
        elif ch == ")":
            depth -= 1
            if following and depth >= 1:
                closed_main = True  # first variation done: skip siblings
            pos += 1
            if depth == 0:
                break
        elif ch == ";":
            pos += 1
            node: SgfNode = {}
            while True:
                skip()
                start = pos
                while pos < end and text[pos].isalpha():
                    pos += 1
                ident = "".join(c for c in text[start:pos] if c.isupper())
                if start == pos:
                    break
                if not ident:
                    raise SgfError(f"property name {text[start:pos]!r} has no capital letter",
                                   start)
                skip()
                if pos >= end or text[pos] != "[":
                    raise SgfError(f"property {ident} has no value", pos)
                values = node.setdefault(ident, [])
                while pos < end and text[pos] == "[":
                    pos += 1
                    chunk: list[str] = []
                    while True:
                        if pos >= end:
                            raise SgfError(f"value of {ident} is not closed with ']'", start)
                        c = text[pos]
                        if c == "\\":
                            pos += 1
                            if pos < end and text[pos] in "\r\n":  # soft line break
                                pos += 2 if text[pos : pos + 2] in ("\r\n", "\n\r") else 1
                                continue
                            if pos < end:
                                chunk.append(text[pos])
                                pos += 1
                            continue
                        if c == "]":
                            pos += 1
                            break
                        chunk.append(c)
                        pos += 1
                    values.append("".join(chunk))
                    skip()
            if following and not closed_main:
                nodes.append(node)
        else:
            raise SgfError(f"unexpected {ch!r}", pos)
    if not nodes:
        raise SgfError("the game tree has no nodes")
    return nodes


# ------------------------------------------------------------------- import


@dataclass(frozen=True, slots=True)
class SgfRecord:
    """A replayed record: the game plus what SGF carries beyond the rules."""

    game: GoGame
    black_name: str = ""
    white_name: str = ""
    date: str = ""
    #: move number (0 = root) -> comment
    comments: Mapping[int, str] = field(default_factory=dict)


def _one(node: SgfNode, ident: str) -> str | None:
    values = node.get(ident)
    if not values:
        return None
    if len(values) > 1:
        raise SgfError(f"{ident} has {len(values)} values, expected one")
    return values[0].strip()


def _int(node: SgfNode, ident: str, default: int) -> int:
    value = _one(node, ident)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise SgfError(f"{ident}[{value}] is not a whole number") from None


def _points(values: list[str], size: int, ident: str) -> list[Point]:
    points: list[Point] = []
    try:
        for value in values:
            if ":" in value:  # compressed rectangle aa:cc
                first, last = (from_sgf_coord(v, size) for v in value.split(":", 1))
                points.extend((x, y) for x in range(first[0], last[0] + 1)
                              for y in range(first[1], last[1] + 1))
            else:
                points.append(from_sgf_coord(value, size))
    except CoordinateError as exc:
        raise SgfError(f"{ident}: {exc}") from None
    return points


def _result(value: str) -> str | None:
    """Normalised result: ``B+3.5``, ``W+R``, ``B+T``, ``B+F``, ``Draw``; None if unknown."""
    text = value.strip()
    if text in ("0", "Draw", "Jigo", "draw", "jigo"):
        return "Draw"
    if text in ("", "?", "Void"):
        return None
    if len(text) < 2 or text[0] not in "BW" or text[1] != "+":
        raise SgfError(f"RE[{value}] is not a result (like B+3.5, W+R, 0)")
    winner, how = text[:2], text[2:]
    words = {"R": "R", "Resign": "R", "T": "T", "Time": "T", "F": "F", "Forfeit": "F"}
    if how in words:
        return winner + words[how]
    if how == "":
        return winner
    try:
        margin = float(how)
    except ValueError:
        raise SgfError(f"RE[{value}] is not a result (like B+3.5, W+R, 0)") from None
    return winner + (str(int(margin)) if margin == int(margin) else f"{margin:g}")


def read_sgf(text: str, superko: Superko | None = None) -> SgfRecord:
    """Parse and replay a record; see the module docstring for what is checked.

    ``RU`` names the ruleset (Chinese when it names none); its repetition rule applies
    unless ``superko`` says otherwise."""
    nodes = parse_sgf(text)
    root = nodes[0]
    game_type = _one(root, "GM")
    if game_type not in (None, "1"):
        raise SgfError(f"GM[{game_type}] is not a game of Go (GM[1])")
    size_text = _one(root, "SZ") or "19"
    if ":" in size_text:
        cols, _, rows_ = size_text.partition(":")
        if cols.strip() != rows_.strip():
            raise SgfError(f"SZ[{size_text}]: only square boards are supported")
        size_text = cols
    try:
        size = int(size_text)
    except ValueError:
        raise SgfError(f"SZ[{size_text}] is not a board size") from None
    if not 5 <= size <= 25:
        raise SgfError(f"SZ[{size}] is outside 5-25")
    komi_text = _one(root, "KM") or "0"
    try:
        komi = float(komi_text)
    except ValueError:
        raise SgfError(f"KM[{komi_text}] is not a number") from None
    if komi * 2 != int(komi * 2):
        raise SgfError(f"KM[{komi_text}] is not a whole or half number")
    ruleset = ruleset_from_sgf(_one(root, "RU") or "").name
    handicap = _int(root, "HA", 0)
    if not 0 <= handicap <= 9:
        raise SgfError(f"HA[{handicap}] is outside 0-9")
    if "AE" in root:
        raise SgfError("setup points removed with AE are not supported")
    white = _points(root["AW"], size, "AW") if "AW" in root else []
    player = _one(root, "PL")
    if player not in (None, "B", "W"):
        raise SgfError(f"PL[{player}] is not B or W")
    first = Color.from_letter(player) if player else None
    if first is None:  # no PL: the first move says who starts (setups, free handicap)
        for node in nodes:
            movers = [ident for ident in ("B", "W") if ident in node]
            if movers:
                first = Color.from_letter(movers[0])
                break
    stones: list[Point] | None = None
    if "AB" in root:
        stones = _points(root["AB"], size, "AB")
    elif handicap >= 2:
        try:
            stones = list(handicap_points(size, handicap))
        except GoError as exc:
            raise SgfError(f"HA[{handicap}]: {exc}") from None
    try:
        settings = GameSettings(size, komi, handicap, ruleset, superko,
                                tuple(stones or ()), tuple(white), first)
        game = GoGame.start(settings)
    except GoError as exc:
        raise SgfError(str(exc)) from None
    comments: dict[int, str] = {}
    number = 0
    for index, node in enumerate(nodes):
        if index > 0 and ("AB" in node or "AW" in node or "AE" in node):
            raise SgfError(f"setup stones after move {number} are not supported")
        played = [ident for ident in ("B", "W") if ident in node]
        if len(played) > 1:
            raise SgfError(f"node after move {number} holds both a black and a white move")
        if played:
            ident = played[0]
            value = _one(node, ident) or ""
            number += 1
            color = Color.from_letter(ident)
            point: Point | None
            if value == "" or (value == "tt" and size <= 19):
                point = None
            else:
                try:
                    point = from_sgf_coord(value, size)
                except CoordinateError as exc:
                    raise SgfError(f"move {number}: {exc}") from None
            try:
                if game.phase == "scoring":
                    game = game.resume()
                game = game.pass_move(color) if point is None else game.play(color, point)
            except GoError as exc:
                where = "pass" if point is None else to_gtp(point, size)
                raise SgfError(f"move {number} ({ident} {where}): {exc}") from None
        comment = _one(node, "C")
        if comment:
            comments[number] = comment
    result_text = _one(root, "RE")
    if result_text is not None:
        result = _result(result_text)
        if result is not None and game.phase != "finished":
            game = game.finish(result)
    return SgfRecord(game, _one(root, "PB") or "", _one(root, "PW") or "",
                     _one(root, "DT") or "", comments)


def from_sgf(text: str, superko: Superko | None = None) -> GoGame:
    """Replay an SGF record into a :class:`GoGame` (see :func:`read_sgf`)."""
    return read_sgf(text, superko).game
