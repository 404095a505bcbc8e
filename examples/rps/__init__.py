"""Rock, paper, scissors on the game server: the game `docs/build-a-game.md` builds."""
