"""Listing games a page at a time: the query, its cursor, and the index of finished games.

Pure: no I/O. `GET /api/games` and the `lobby` frame read pages of it, so no request builds a
frame that grows with the number of games.

Order: open, playing and unfinished games by `(created_at, id)`, oldest first; finished games
by `(finished_at, id)`, newest first. A cursor is the sort key of the last game of a page,
opaque to clients (URL-safe base64 of JSON); the next page starts after it, so games that
appear or end between two requests never make a page repeat or skip a game that stayed.
"""

from __future__ import annotations

import base64
import binascii
import bisect
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

import orjson

from gameserver.wire.errors import BadRequest

#: the `phase` filter's values (absent: every game that has not finished)
PHASES = ("open", "playing", "finished")
DEFAULT_LIMIT = 50

Key = tuple[float, str]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Query:
    phase: str | None
    game: str | None
    limit: int
    cursor: Key | None


def parse_query(params: Mapping[str, str], *, page_max: int,
                games: Iterable[str]) -> Query:
    """`phase`, `game`, `limit`, `cursor` from a query string, or `BadRequest` naming the
    bad one."""
    phase = params.get("phase") or None
    if phase is not None and phase not in PHASES:
        raise BadRequest(f"phase {phase!r} is not one of {', '.join(PHASES)}")
    game = params.get("game") or None
    served = sorted(games)
    if game is not None and game not in served:
        raise BadRequest(f"this server has no game {game!r} (it has {', '.join(served)})")
    text = params.get("limit")
    limit = DEFAULT_LIMIT if not text else _int(text)
    if limit is None or not 1 <= limit <= page_max:
        raise BadRequest(f"limit {text!r} is not a whole number from 1 to {page_max}")
    raw = params.get("cursor")
    return Query(phase, game, min(limit, page_max), decode_cursor(raw) if raw else None)


def _int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def encode_cursor(key: Key) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(list(key))).decode().rstrip("=")


def decode_cursor(text: str) -> Key:
    try:
        value = orjson.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (binascii.Error, ValueError, orjson.JSONDecodeError):
        value = None
    if (not isinstance(value, list) or len(value) != 2
            or not isinstance(value[0], int | float) or isinstance(value[0], bool)
            or not isinstance(value[1], str)):
        raise BadRequest(f"cursor {text!r} is not one this server gave out")
    return float(value[0]), value[1]


def page_after(items: Sequence[tuple[Key, T]], cursor: Key | None,
               limit: int) -> tuple[list[T], str | None]:
    """From `items` sorted ascending by key: up to `limit` after `cursor`, and the cursor of
    the next page (None: this is the last)."""
    start = 0 if cursor is None else bisect.bisect_right(items, cursor, key=lambda i: i[0])
    chosen = items[start:start + limit]
    more = start + limit < len(items)
    return [value for _, value in chosen], encode_cursor(chosen[-1][0]) if more else None


class FinishedIndex:
    """Every finished game this server knows: `(finished_at, id)` and its kind, a few dozen
    bytes each, so the games themselves can leave memory and still be listed, newest first."""

    def __init__(self) -> None:
        self._keys: list[Key] = []  # ascending
        self._kind: dict[str, str] = {}
        self._count: Counter[str] = Counter()

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, game_id: object) -> bool:
        return game_id in self._kind

    def add(self, finished_at: float, game_id: str, kind: str) -> None:
        if game_id in self._kind:
            return
        key = (finished_at, game_id)
        if not self._keys or key > self._keys[-1]:
            self._keys.append(key)
        else:
            bisect.insort(self._keys, key)
        self._kind[game_id] = kind
        self._count[kind] += 1

    def total(self, kind: str | None = None) -> int:
        return len(self._keys) if kind is None else self._count[kind]

    def page(self, kind: str | None, cursor: Key | None,
             limit: int) -> tuple[list[tuple[str, float]], str | None]:
        """Up to `limit` (id, finished_at), newest first, older than `cursor`; the next
        page's cursor (None: no more)."""
        keys = self._keys
        i = len(keys) if cursor is None else bisect.bisect_left(keys, cursor)
        out: list[tuple[str, float]] = []
        while i > 0 and len(out) < limit:
            i -= 1
            at, game_id = keys[i]
            if kind is None or self._kind[game_id] == kind:
                out.append((game_id, at))
        more = any(kind is None or self._kind[keys[j][1]] == kind for j in range(i)) \
            if out and len(out) == limit else False
        return out, encode_cursor((out[-1][1], out[-1][0])) if more else None


class Answers:
    """Encoded answers to listing queries, kept while the listing they read has not changed:
    a client asking for the same page again and again (a lobby polling, or a flood of
    `lobby_subscribe` or `GET /api/games?phase=open`) costs a lookup, not a sort, a summary
    per game and an encoding. `version` is the listing's change counter (`Matches`); an
    answer made at an older version is never given. At most `kept` answers are held."""

    def __init__(self, kept: int = 64) -> None:
        self.kept = kept
        self._version = -1
        self._answers: dict[Hashable, bytes] = {}
        self.made = 0  # answers built (the rest were lookups)

    def get(self, version: int, key: Hashable, make: Callable[[], bytes]) -> bytes:
        if version != self._version:
            self._version = version
            self._answers.clear()
        answer = self._answers.get(key)
        if answer is None:
            answer = make()
            self.made += 1
            if len(self._answers) >= self.kept:
                self._answers.clear()
            self._answers[key] = answer
        return answer
