"""The gameserver test kit's fixtures (fake_clock, game_server, make_client)."""

from gameserver.testing import fake_clock, game_server, make_client

__all__ = ["fake_clock", "game_server", "make_client"]
