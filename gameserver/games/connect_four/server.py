"""What the server loads for connect four (`--games connect_four`): the game and its bot."""

from __future__ import annotations

from gameserver.bots.seats import BotMaker
from gameserver.core.game import Game
from gameserver.games.connect_four.bots import ConnectFourBots
from gameserver.games.connect_four.game import ConnectFour
from gameserver.settings import Settings


def make_game(settings: Settings) -> Game:
    return ConnectFour()


def make_bots(settings: Settings) -> BotMaker:
    return ConnectFourBots()
