"""The games this server can serve, one package each (Go: `gameserver.games.go`)."""
