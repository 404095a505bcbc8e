"""Bot seats: ``BuiltinBot`` and ``GtpBot`` (real GNU Go, and a scripted fake that hangs, refuses
or resigns), whole games between them, engine crashes, hangs, undo, handicap, and ``make_bot``.

GNU Go tests need /usr/games/gnugo (scripts/install installs it): without it they fail, saying so.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from gameserver.games.go import Color, GoGame, NotYourTurnError, Point, suggest_dead
from gameserver.games.go.bots import (
    GNUGO_PATH,
    BotPlayer,
    BotResigns,
    BuiltinBot,
    GtpBot,
    UnknownBotError,
    gnugo_argv,
    make_bot,
    score_disagreement,
    to_vertex,
)

FAKE_ENGINE = r'''
import os, sys, time

log_path, marker, mode = sys.argv[1], sys.argv[2], sys.argv[3]
columns = "ABCDEFGHJKLMNOPQRSTUVWXYZ"
size, stones = 19, set()
log = open(log_path, "a")
for line in sys.stdin:
    words = line.split()
    if not words:
        continue
    log.write(line)
    log.flush()
    name = words[0]
    if name == "boardsize":
        size = int(words[1])
    elif name == "clear_board":
        stones.clear()
    elif name == "play" and words[2].lower() != "pass":
        stones.add(words[2].upper())
    elif name == "genmove":
        if mode == "hang" or (mode == "hang-once" and not os.path.exists(marker)):
            open(marker, "w").close()
            time.sleep(3600)
        if mode == "resign":
            print("= resign\n", flush=True)
            continue
        if mode == "occupied" and stones:
            print("= " + sorted(stones)[0] + "\n", flush=True)
            continue
        free = [f"{c}{r}" for r in range(size, 0, -1) for c in columns[:size]
                if f"{c}{r}" not in stones]
        stones.add(free[0])
        print("= " + free[0] + "\n", flush=True)
        continue
    elif name == "quit":
        print("=\n", flush=True)
        break
    print("=\n", flush=True)
'''

Fake = Callable[..., tuple[list[str], Path]]


@pytest.fixture
def gnugo_path() -> str:
    if not os.access(GNUGO_PATH, os.X_OK):
        pytest.fail(
            f"GNU Go is not installed at {GNUGO_PATH}: the GTP bot tests need it. "
            "Run scripts/install (it installs the Debian package 'gnugo')."
        )
    return GNUGO_PATH


@pytest.fixture
async def bots() -> AsyncIterator[list[BotPlayer]]:
    """Bots appended here are closed after the test, whatever happens."""
    made: list[BotPlayer] = []
    yield made
    for bot in made:
        await bot.close()


@pytest.fixture
def fake(tmp_path: Path) -> Fake:
    """``fake(mode)`` -> (argv of a scripted GTP engine, the file logging its commands)."""
    script = tmp_path / "fake_engine.py"
    script.write_text(FAKE_ENGINE)

    def build(mode: str) -> tuple[list[str], Path]:
        log = tmp_path / f"{mode}.log"
        return [sys.executable, str(script), str(log), str(tmp_path / f"{mode}.hung"), mode], log

    return build


def gnugo_bot(bots: list[BotPlayer], gnugo_path: str) -> GtpBot:
    bot = GtpBot(gnugo_argv(level=1, path=gnugo_path), timeout=10)
    bots.append(bot)
    return bot


def apply(game: GoGame, color: Color, move: Point | None) -> GoGame:
    return game.pass_move(color) if move is None else game.play(color, move)


async def play_game(game: GoGame, black: BotPlayer, white: BotPlayer, cap: int = 250) -> GoGame:
    """The two bots play ``game`` until both pass (every move applied, so legal) or the cap."""
    seats = {Color.BLACK: black, Color.WHITE: white}
    while game.phase == "playing" and len(game.moves) < cap:
        color = game.to_move
        assert color is not None
        game = apply(game, color, await seats[color].choose(game, color))
    return game


async def engine_stones(bot: GtpBot, color: str, size: int) -> set[str]:
    return set((await bot.engine.command(f"list_stones {color}")).upper().split())


def board_stones(game: GoGame, color: Color) -> set[str]:
    return {
        to_vertex(x, y, game.size)
        for y in range(game.size) for x in range(game.size)
        if game.stone_at((x, y)) is color
    }


async def assert_engine_sees(bot: GtpBot, game: GoGame) -> None:
    """GNU Go's board holds exactly our stones."""
    for color in (Color.BLACK, Color.WHITE):
        assert await engine_stones(bot, color.value, game.size) == board_stones(game, color)


# -- the built-in bot as a seat -------------------------------------------------------------------


async def test_builtin_bot_is_a_bot_player(bots: list[BotPlayer]) -> None:
    """BuiltinBot satisfies the protocol, moves legally and proposes the rules' dead stones."""
    bot = BuiltinBot(seed=1)
    bots.append(bot)
    assert isinstance(bot, BotPlayer) and bot.name == "builtin"
    game = await play_game(GoGame.new(size=9), bot, bot)
    assert game.phase == "scoring"
    assert await bot.dead_stones(game) == suggest_dead(game) == game.dead
    assert await bot.accepts_score(game, game.dead) == (True, "")


async def test_builtin_bot_refuses_to_move_out_of_turn() -> None:
    """Asking for white's move when black is to play is the rules' NotYourTurnError."""
    with pytest.raises(NotYourTurnError, match=r"^it is black's turn, not white's$"):
        await BuiltinBot().choose(GoGame.new(size=9), Color.WHITE)


SPLIT = [
    ". X . X O . O . .",
    "X X X X O O O . .",
    ". . . X O . . . .",
    ". O . X O . X X .",
    ". . . X O . . . .",
    ". . . X O . . . .",
    "X X X X O . . . .",
    ". . . X O . . . .",
    ". . . X O . . . .",
]


async def test_accepts_score_names_the_disagreement_in_gtp_points() -> None:
    """Marking that differs from the bot's own view is refused with one line naming each chain."""
    game = GoGame.from_rows(SPLIT, komi=6.5)
    bot = BuiltinBot()
    own = await bot.dead_stones(game)
    assert own == {(1, 3), (6, 3), (7, 3)}
    assert await bot.accepts_score(game, own) == (True, "")
    ok, message = await bot.accepts_score(game, frozenset({(1, 3)}))
    assert not ok
    assert message == "I think G6 (2 stones) is dead"
    wall = game.group_at((3, 0))
    ok, message = await bot.accepts_score(game, own | wall)
    assert (ok, message) == (False, f"I think B9 ({len(wall)} stones) is alive")
    assert score_disagreement(game, frozenset({(6, 3), (7, 3)}), frozenset({(1, 3)})) == (
        "I think G6 (2 stones) is dead; I think B6 is alive"
    )
    assert score_disagreement(game, own, frozenset()) == "I think B6, G6 (2 stones) are dead"


# -- GNU Go: whole games --------------------------------------------------------------------------


async def test_gnugo_against_the_builtin_bot_to_a_score(
    bots: list[BotPlayer], gnugo_path: str
) -> None:
    """A 9x9 game to two passes and a score; the engine follows move by move, never restarted."""
    engine_bot = gnugo_bot(bots, gnugo_path)
    started = time.perf_counter()
    game = await play_game(GoGame.new(size=9, komi=6.5), engine_bot, BuiltinBot(seed=2))
    pid = engine_bot.engine.pid
    assert game.phase == "scoring" and game.moves[-1].is_pass and game.moves[-2].is_pass
    assert game.finish_by_score().result == game.score().result
    dead = await engine_bot.dead_stones(game)
    assert all(game.stone_at(p) is not None for p in dead)
    await assert_engine_sees(engine_bot, game)
    assert engine_bot.engine.pid == pid and engine_bot.fallbacks == 0
    assert time.perf_counter() - started < 15


async def test_gnugo_against_gnugo_to_a_score(bots: list[BotPlayer], gnugo_path: str) -> None:
    """Two engines, each kept in sync with the other's moves, finish and agree on dead stones."""
    black, white = gnugo_bot(bots, gnugo_path), gnugo_bot(bots, gnugo_path)
    started = time.perf_counter()
    game = await play_game(GoGame.new(size=9, komi=6.5), black, white)
    assert game.phase == "scoring"
    assert game.score().result
    assert await black.dead_stones(game) == await white.dead_stones(game)
    assert black.fallbacks == white.fallbacks == 0
    assert time.perf_counter() - started < 15


# -- GNU Go: keeping in sync ----------------------------------------------------------------------


async def test_engine_killed_mid_game_is_restarted_and_the_game_goes_on(
    bots: list[BotPlayer], gnugo_path: str, caplog: pytest.LogCaptureFixture
) -> None:
    """SIGKILL the engine after 20 moves: the next choose restarts it, replays, and play goes on."""
    engine_bot = gnugo_bot(bots, gnugo_path)
    builtin = BuiltinBot(seed=5)
    game = await play_game(GoGame.new(size=9, komi=6.5), engine_bot, builtin, cap=20)
    pid = engine_bot.engine.pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    with caplog.at_level(logging.WARNING, logger="gameserver.games.go.bots.gtpbot"):
        move = await engine_bot.choose(game, Color.BLACK)
    assert game.is_legal(Color.BLACK, move)
    assert "restarting it and replaying the game" in caplog.text
    assert engine_bot.engine.pid not in (None, pid) and engine_bot.fallbacks == 0
    game = apply(game, Color.BLACK, move)
    await assert_engine_sees(engine_bot, game)
    game = await play_game(game, engine_bot, builtin)
    assert game.phase == "scoring" and engine_bot.fallbacks == 0


async def test_undo_resyncs_the_engine(bots: list[BotPlayer], gnugo_path: str) -> None:
    """After the server takes moves back, the engine's board is rebuilt to match before it moves."""
    engine_bot = gnugo_bot(bots, gnugo_path)
    game = await play_game(GoGame.new(size=9), engine_bot, BuiltinBot(seed=3), cap=16)
    game = game.undo().undo().undo()  # white's reply, black's move, white's reply again
    assert game.to_move is Color.WHITE
    game = apply(game, Color.WHITE, (8, 8) if game.is_legal(Color.WHITE, (8, 8)) else None)
    move = await engine_bot.choose(game, Color.BLACK)
    assert game.is_legal(Color.BLACK, move)
    game = apply(game, Color.BLACK, move)
    await assert_engine_sees(engine_bot, game)
    # and a brand-new game on the same bot starts from an empty board
    fresh = GoGame.new(size=9)
    assert fresh.is_legal(Color.BLACK, await engine_bot.choose(fresh, Color.BLACK))
    assert len(await engine_stones(engine_bot, "white", 9)) == 0


async def test_handicap_stones_are_placed_on_the_engine(
    bots: list[BotPlayer], gnugo_path: str
) -> None:
    """A 4-stone handicap game: GNU Go sees the same black stones, and white moves first."""
    engine_bot = gnugo_bot(bots, gnugo_path)
    game = GoGame.new(size=9, handicap=4, komi=0.5)
    move = await engine_bot.choose(game, Color.WHITE)
    assert move is not None and game.is_legal(Color.WHITE, move)
    game = game.play(Color.WHITE, move)
    assert await engine_stones(engine_bot, "black", 9) == {"C3", "G7", "C7", "G3"}
    await assert_engine_sees(engine_bot, game)
    game = await play_game(game, BuiltinBot(seed=4), engine_bot)
    assert game.phase == "scoring"


async def test_gnugo_places_free_handicap_stones(
    bots: list[BotPlayer], gnugo_path: str
) -> None:
    """GNU Go as Black in a free placement game: place_free_handicap chooses the stones, the
    bot places them one by one, then plays on with the engine seeing our board."""
    engine_bot = gnugo_bot(bots, gnugo_path)
    game = GoGame.new(size=9, handicap=3, komi=0.5, ruleset="chinese", placement="free")
    while game.phase == "placement":
        game = apply(game, Color.BLACK, await engine_bot.choose(game, Color.BLACK))
    assert (game.to_move, len(game.handicap_stones), engine_bot.fallbacks) == (Color.WHITE, 3, 0)
    # the engine's board still holds its own placement: the stones the bot placed
    assert board_stones(game, Color.BLACK) == await engine_stones(engine_bot, "black", 9)
    game = game.play(Color.WHITE, next(p for p in ((4, 4), (3, 3)) if game.is_legal(
        Color.WHITE, p)))
    game = apply(game, Color.BLACK, await engine_bot.choose(game, Color.BLACK))
    await assert_engine_sees(engine_bot, game)


async def test_gnugo_learns_a_humans_free_handicap_stones(
    bots: list[BotPlayer], gnugo_path: str, fake: Fake
) -> None:
    """The engine is told of stones a person placed anywhere with set_free_handicap (so it
    knows the handicap), not with plain black plays."""
    game = GoGame.new(size=9, handicap=3, komi=0.5, ruleset="new_zealand", placement="free")
    for point in ((1, 1), (4, 5), (7, 2)):
        game = game.play(Color.BLACK, point)
    engine_bot = gnugo_bot(bots, gnugo_path)
    move = await engine_bot.choose(game, Color.WHITE)
    assert move is not None and game.is_legal(Color.WHITE, move)
    assert await engine_stones(engine_bot, "black", 9) == {"B8", "E4", "H7"}
    argv, log = fake("ok")
    scripted = GtpBot(argv, timeout=5, name="fake")
    bots.append(scripted)
    await scripted.choose(game, Color.WHITE)
    assert log.read_text().splitlines()[:5] == [
        "boardsize 9", "komi 0.5", "clear_board", "set_free_handicap B8 E4 H7",
        "genmove white"]


async def test_gnugo_dead_stones_and_score_acceptance(
    bots: list[BotPlayer], gnugo_path: str
) -> None:
    """GNU Go finds the stones inside the other side's area dead and accepts only that marking."""
    engine_bot = gnugo_bot(bots, gnugo_path)
    game = GoGame.from_rows(SPLIT, komi=6.5).pass_move(Color.BLACK).pass_move(Color.WHITE)
    assert game.phase == "scoring"
    dead = {(1, 3), (6, 3), (7, 3)}
    assert await engine_bot.dead_stones(game) == dead
    assert await engine_bot.accepts_score(game, frozenset(dead)) == (True, "")
    assert await engine_bot.accepts_score(game, frozenset({(6, 3), (7, 3)})) == (
        False, "I think B6 is dead")


async def test_board_size_the_engine_refuses_falls_back_to_the_builtin_bot(
    bots: list[BotPlayer], gnugo_path: str, caplog: pytest.LogCaptureFixture
) -> None:
    """GNU Go stops at 19x19; on 21x21 the built-in bot answers for it, logged."""
    engine_bot = gnugo_bot(bots, gnugo_path)
    game = GoGame.new(size=21)
    with caplog.at_level(logging.ERROR, logger="gameserver.games.go.bots.gtpbot"):
        move = await engine_bot.choose(game, Color.BLACK)
    assert move is not None and game.is_legal(Color.BLACK, move)
    assert engine_bot.fallbacks == 1
    assert "refused" in caplog.text and "boardsize 21" in caplog.text


# -- a scripted engine: hangs, bad moves, resignation ---------------------------------------------


async def test_engine_hanging_once_is_restarted_and_asked_again(
    bots: list[BotPlayer], fake: Fake
) -> None:
    """genmove hangs past the 0.3 s timeout: the engine is killed, restarted with the game
    replayed (handicap stones first), and answers the second time."""
    argv, log = fake("hang-once")
    bot = GtpBot(argv, timeout=0.3, name="fake")
    bots.append(bot)
    game = GoGame.new(size=9, handicap=2).play(Color.WHITE, (4, 4))
    game = game.play(Color.BLACK, (4, 5)).play(Color.WHITE, (4, 3))
    started = time.perf_counter()
    move = await bot.choose(game, Color.BLACK)
    assert time.perf_counter() - started < 10  # timeouts + a restart, not a hang
    assert move == (0, 0) and bot.fallbacks == 0
    replay = ["boardsize 9", "komi 6.5", "clear_board", "set_free_handicap C3 G7",
              "play white E5", "play black E4", "play white E6", "genmove black"]
    assert log.read_text().splitlines() == replay + replay


async def test_engine_hanging_twice_falls_back_to_the_builtin_bot(
    bots: list[BotPlayer], fake: Fake, caplog: pytest.LogCaptureFixture
) -> None:
    """When the restarted engine hangs too, the built-in bot moves (logged), and the next
    question goes to a fresh engine again."""
    argv, log = fake("hang")
    bot = GtpBot(argv, timeout=0.3, name="fake", fallback_seed=0)
    bots.append(bot)
    game = GoGame.new(size=9)
    started = time.perf_counter()
    with caplog.at_level(logging.WARNING, logger="gameserver.games.go.bots.gtpbot"):
        move = await bot.choose(game, Color.BLACK)
    assert time.perf_counter() - started < 10
    assert move is not None and game.is_legal(Color.BLACK, move)
    assert bot.fallbacks == 1
    assert "fake failed again after a restart" in caplog.text
    assert log.read_text().count("genmove black") == 2


async def test_illegal_engine_move_is_replaced_and_the_engine_resynced(
    bots: list[BotPlayer], fake: Fake
) -> None:
    """An engine answering an occupied point: the built-in bot moves instead, and the next
    question replays the game from scratch (the engine's board holds a move we did not play)."""
    argv, log = fake("occupied")
    bot = GtpBot(argv, timeout=5, name="fake", fallback_seed=0)
    bots.append(bot)
    game = GoGame.new(size=9).play(Color.BLACK, (4, 4))
    move = await bot.choose(game, Color.WHITE)
    assert move is not None and move != (4, 4) and game.is_legal(Color.WHITE, move)
    assert bot.fallbacks == 1
    game = game.play(Color.WHITE, move).play(Color.BLACK, (2, 2))
    await bot.choose(game, Color.WHITE)
    assert log.read_text().count("clear_board") == 2


async def test_resignation_is_raised(bots: list[BotPlayer], fake: Fake) -> None:
    """An engine that resigns: choose raises BotResigns with the bot and colour."""
    argv, _ = fake("resign")
    bot = GtpBot(argv, timeout=5, name="fake")
    bots.append(bot)
    with pytest.raises(BotResigns, match=r"^fake resigns as black$") as caught:
        await bot.choose(GoGame.new(size=9), Color.BLACK)
    assert caught.value.color is Color.BLACK


async def test_gtp_bot_checks_the_turn_before_asking(bots: list[BotPlayer], fake: Fake) -> None:
    """A question out of turn is refused without starting the engine."""
    argv, _ = fake("ok")
    bot = GtpBot(argv, timeout=5)
    bots.append(bot)
    with pytest.raises(NotYourTurnError):
        await bot.choose(GoGame.new(size=9), Color.WHITE)
    assert bot.engine.pid is None


# -- make_bot -------------------------------------------------------------------------------------


async def test_make_bot_picks_gnugo_when_installed(bots: list[BotPlayer], gnugo_path: str) -> None:
    bot = make_bot("gnugo", level=1)
    bots.append(bot)
    assert isinstance(bot, GtpBot) and bot.name == "gnugo level 1"
    assert bot.argv == gnugo_argv(1)


async def test_make_bot_falls_back_when_the_engine_is_missing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A configured engine that does not exist gives the built-in bot, and says so."""
    missing = str(tmp_path / "no-such-gnugo")
    with caplog.at_level(logging.WARNING, logger="gameserver.games.go.bots.factory"):
        bot = make_bot("gnugo", gtp_argv=[missing, "--mode", "gtp"], level=3)
    assert isinstance(bot, BuiltinBot)
    assert f"gnugo is not installed ('{missing}'); using the built-in bot" in caplog.text


def test_make_bot_builtin_and_unknown_kinds() -> None:
    assert isinstance(make_bot("builtin", level=1, seed=3), BuiltinBot)
    with pytest.raises(UnknownBotError, match=r"^unknown bot kind 'leela': expected one of "
                       r"builtin, gnugo, gtp$"):
        make_bot("leela", level=1)
    with pytest.raises(UnknownBotError, match=r"^bot kind 'gtp' needs gtp_argv"):
        make_bot("gtp", level=1)
