"""The bot seat service: plays every seat held by a bot through the match path (`seats`)."""
