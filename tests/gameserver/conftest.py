"""The gameserver test kit's fixtures (fake_clock, game_server, make_client) come from the
`gameserver.testing` pytest plugin, registered by the package's entry point."""
