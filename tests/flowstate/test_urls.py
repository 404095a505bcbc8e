"""`open_driver(url)` builds each driver from its URL and says clearly what it cannot."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowstate import MemoryDriver, NetDriver, PostgresDriver, UsageError, open_driver
from flowstate.sqlite import SqliteSnapshots


def test_memory_url() -> None:
    driver = open_driver("memory:?history_limit=10")
    assert isinstance(driver, MemoryDriver)
    assert driver.snapshots is None and driver.history_limit == 10


def test_sqlite_urls_follow_the_usual_slashes(tmp_path: Path) -> None:
    relative = open_driver("sqlite:///data/fs.sqlite3?durability=strict&flush_interval=0.2")
    assert isinstance(relative, MemoryDriver)
    assert isinstance(relative.snapshots, SqliteSnapshots)
    assert relative.snapshots.path == "data/fs.sqlite3"
    assert relative.snapshots.durability == "strict"
    assert relative.snapshots.flush_interval == 0.2
    absolute = open_driver(f"sqlite:///{tmp_path}/fs.sqlite3", history_limit=5)
    assert isinstance(absolute, MemoryDriver) and isinstance(absolute.snapshots, SqliteSnapshots)
    assert absolute.snapshots.path == f"{tmp_path}/fs.sqlite3" and absolute.history_limit == 5


def test_postgres_url_keeps_our_options_out_of_the_dsn() -> None:
    driver = open_driver("postgresql://app@db:5432/app?schema=jobs&lease=2&sslmode=disable")
    assert isinstance(driver, PostgresDriver)
    assert (driver.schema, driver.lease) == ("jobs", 2.0)
    assert driver.dsn == "postgresql://app@db:5432/app?sslmode=disable"
    assert isinstance(open_driver("postgres://app@db/app"), PostgresDriver)


def test_http_url_is_a_flowstate_server() -> None:
    driver = open_driver("http://localhost:8080/flows/?token=s3cret", connect_timeout=2)
    assert isinstance(driver, NetDriver)
    assert driver.ws_url == "ws://localhost:8080/flows/api/v1/driver"
    assert (driver.token, driver.connect_timeout) == ("s3cret", 2)
    secure = open_driver("https://flows.example")
    assert isinstance(secure, NetDriver) and secure.ws_url == "wss://flows.example/api/v1/driver"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://", "is not the http:// URL of a flowstate server"),
        ("redis://x", "unknown driver URL scheme 'redis'"),
        ("fs.sqlite3", "is not a driver URL"),
        ("sqlite://host/fs.db", "a sqlite URL has no host"),
        ("sqlite:///", "names no file"),
        ("memory:?colour=red", "unknown option 'colour'"),
        ("memory:?history_limit=many", "history_limit='many' .* is not a int"),
        ("", "non-empty string"),
    ],
)
def test_bad_urls_say_what_is_wrong(url: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        open_driver(url)
