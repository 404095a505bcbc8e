"""Server settings: one frozen value built from the command line or by tests."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    db: str = "gameserver.sqlite3"
    durability: str = "default"
    log_level: str = "info"
