"""The live shells: the app and its runtime, sockets and connections, matches in memory,
timers, identities, the lobby, HTTP, metrics and persistence."""
