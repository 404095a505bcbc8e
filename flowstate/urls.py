"""`open_driver(url)`: any driver from one URL (what a `--db` option or an env var holds).

- `memory:`: `MemoryDriver()`, nothing kept after the process ends;
- `sqlite:///relative/file.sqlite3`, `sqlite:////absolute/file.sqlite3`:
  `MemoryDriver(snapshots=SqliteSnapshots(path))`, one process per file;
- `postgresql://user:password@host:port/db` (or `postgres://`): `PostgresDriver(url)`, many
  processes on one database;
- `http://host:port` (or `https://`): `NetDriver(url)`, the store of a flowstate server
  (`python -m flowstate serve`); `?token=` is its access token.

Query parameters set options: for `memory:` and `sqlite:` `history_limit=N`; for `sqlite:`
`durability=default|strict` and `flush_interval=seconds`; for `postgresql:` `schema=name`
and `lease=seconds` (the rest of the URL goes to asyncpg as is). Keyword arguments override
them. The slashes follow the common convention: `sqlite:///x.db` is `x.db` in the working
directory, `sqlite:////var/lib/x.db` is absolute.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flowstate.driver import Driver
from flowstate.errors import UsageError

__all__ = ["open_driver"]

_SQLITE_OPTIONS = {"durability": str, "flush_interval": float}
_POSTGRES_OPTIONS = {"schema": str, "lease": float}


def open_driver(url: str, **options: Any) -> Driver:
    """Build the driver `url` names (see the module docstring); `options` override the
    URL's query parameters."""
    if not isinstance(url, str) or not url:
        raise UsageError(f"a driver URL must be a non-empty string, got {url!r}")
    scheme, sep, _ = url.partition(":")
    if not sep:
        raise UsageError(
            f"{url!r} is not a driver URL: use memory:, sqlite:///path/file.sqlite3, "
            "postgresql://user@host:port/db or http://host:port"
        )
    scheme = scheme.lower()
    if scheme == "memory":
        params = _params(url, {"history_limit": int})
        params.update(options)
        return _memory(**params)
    if scheme == "sqlite":
        return _sqlite(url, options)
    if scheme in ("postgresql", "postgres"):
        return _postgres(url, options)
    if scheme in ("http", "https"):
        from flowstate.netdriver import NetDriver

        return NetDriver(url, **options)
    raise UsageError(
        f"unknown driver URL scheme {scheme!r} in {url!r}: use memory:, "
        "sqlite:///path/file.sqlite3, postgresql://user@host:port/db or http://host:port"
    )


def _params(url: str, known: dict[str, type]) -> dict[str, Any]:
    query = urlsplit(url).query
    params: dict[str, Any] = {}
    for key, raw in parse_qsl(query, keep_blank_values=True):
        kind = known.get(key)
        if kind is None:
            raise UsageError(
                f"unknown option {key!r} in {url!r} (known: {', '.join(sorted(known)) or 'none'})"
            )
        try:
            params[key] = kind(raw)
        except ValueError:
            raise UsageError(f"option {key}={raw!r} in {url!r} is not a {kind.__name__}") from None
    return params


def _memory(history_limit: int | None = None) -> Driver:
    from flowstate.memory import MemoryDriver

    return MemoryDriver(history_limit=history_limit)


def _sqlite(url: str, options: dict[str, Any]) -> Driver:
    from flowstate.memory import MemoryDriver
    from flowstate.sqlite import SqliteSnapshots

    parts = urlsplit(url)
    if parts.netloc:
        raise UsageError(
            f"{url!r}: a sqlite URL has no host: use sqlite:///relative/path or "
            "sqlite:////absolute/path"
        )
    path = parts.path[1:] if parts.path.startswith("/") else parts.path
    if not path:
        raise UsageError(f"{url!r} names no file: use sqlite:///path/file.sqlite3")
    params = _params(url, {**_SQLITE_OPTIONS, "history_limit": int})
    params.update(options)
    history_limit = params.pop("history_limit", None)
    return MemoryDriver(history_limit=history_limit, snapshots=SqliteSnapshots(path, **params))


def _postgres(url: str, options: dict[str, Any]) -> Driver:
    from flowstate.postgres import PostgresDriver

    parts = urlsplit(url)
    ours: dict[str, Any] = {}
    rest: list[tuple[str, str]] = []
    for key, raw in parse_qsl(parts.query, keep_blank_values=True):
        kind = _POSTGRES_OPTIONS.get(key)
        if kind is None:
            rest.append((key, raw))
            continue
        try:
            ours[key] = kind(raw)
        except ValueError:
            raise UsageError(f"option {key}={raw!r} in {url!r} is not a {kind.__name__}") from None
    ours.update(options)
    dsn = urlunsplit(parts._replace(query=urlencode(rest)))
    return PostgresDriver(dsn, **ours)
