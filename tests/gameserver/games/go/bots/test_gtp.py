"""The GTP client against real GNU Go and against a fake engine that hangs, crashes or babbles."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gameserver.games.go.bots import (
    GNUGO_PATH,
    GtpCrashedError,
    GtpEngine,
    GtpEngineFailure,
    GtpError,
    GtpProtocolError,
    GtpStartError,
    GtpTimeoutError,
    from_vertex,
    gnugo_argv,
    to_vertex,
)

FAKE = str(Path(__file__).with_name("fake_gtp.py"))


def fake(mode: str) -> list[str]:
    return [sys.executable, FAKE, mode]


@pytest.fixture
def gnugo_path() -> str:
    if not os.access(GNUGO_PATH, os.X_OK):
        pytest.fail(
            f"GNU Go is not installed at {GNUGO_PATH}: the bot needs it. "
            "Run scripts/install (it installs the Debian package 'gnugo')."
        )
    return GNUGO_PATH


@pytest.fixture
async def gnugo(gnugo_path: str) -> AsyncIterator[GtpEngine]:
    async with GtpEngine(gnugo_argv(level=1, path=gnugo_path), timeout=20) as engine:
        await engine.boardsize(9)
        await engine.komi(6.5)
        await engine.clear_board()
        yield engine


def no_other_tasks() -> bool:
    return asyncio.all_tasks() == {asyncio.current_task()}


# -- vertices ---------------------------------------------------------------------------------


def test_vertices_skip_i_and_count_rows_from_the_bottom() -> None:
    """(0, 0) is the top-left A9 on 9x9; the ninth column is J, not I."""
    assert to_vertex(0, 0, 9) == "A9"
    assert to_vertex(8, 8, 9) == "J1"
    assert to_vertex(7, 4, 9) == "H5"
    assert to_vertex(18, 0, 19) == "T19"
    assert from_vertex("j1", 9) == (8, 8)
    assert from_vertex("PASS", 9) is None
    with pytest.raises(ValueError, match="'I5' is not a GTP vertex"):
        from_vertex("I5", 9)
    with pytest.raises(ValueError, match="vertex 'K1' is off a 9x9 board"):
        from_vertex("K1", 9)
    with pytest.raises(ValueError, match=r"point \(9, 0\) is off a 9x9 board"):
        to_vertex(9, 0, 9)


@given(
    st.integers(1, 25).flatmap(
        lambda n: st.tuples(st.just(n), st.integers(0, n - 1), st.integers(0, n - 1))
    )
)
def test_vertex_round_trip(point: tuple[int, int, int]) -> None:
    """Every point on every board size survives to_vertex/from_vertex."""
    size, x, y = point
    assert from_vertex(to_vertex(x, y, size), size) == (x, y)


# -- real GNU Go ------------------------------------------------------------------------------


async def test_gnugo_genmove_on_9x9(gnugo: GtpEngine) -> None:
    """GNU Go answers genmove with a vertex on the 9x9 board."""
    await gnugo.play("black", "E5")
    move = await gnugo.genmove("white")
    assert move != "resign"
    if move != "pass":
        assert from_vertex(move, 9) not in (None, (4, 4))
    assert await gnugo.command("name") == "GNU Go"


async def test_gnugo_refuses_an_occupied_point(gnugo: GtpEngine) -> None:
    """A '?' answer raises GtpError carrying the command and the engine's message."""
    await gnugo.play("black", "C3")
    with pytest.raises(GtpError) as info:
        await gnugo.play("white", "c3")
    assert type(info.value) is GtpError
    assert (info.value.command, info.value.message) == ("play white C3", "illegal move")
    assert str(info.value) == "GTP command 'play white C3' failed: illegal move"
    await gnugo.play("white", "D3")  # still usable


async def test_gnugo_unknown_command_is_a_gtp_error(gnugo: GtpEngine) -> None:
    """Unknown commands are the engine's '?', not a failure of the engine."""
    with pytest.raises(GtpError, match="failed: unknown command"):
        await gnugo.command("fly_to_the_moon")
    assert gnugo.running


async def test_gnugo_final_status_list_dead(gnugo: GtpEngine) -> None:
    """final_status_list parses a multi-line answer into vertices."""
    for row in range(1, 10):
        await gnugo.play("black", f"D{row}")
        await gnugo.play("white", f"F{row}")
    await gnugo.play("white", "B5")  # alone in black's area
    await gnugo.play("black", "H5")  # alone in white's area
    assert sorted(await gnugo.final_status_list("dead")) == ["B5", "H5"]
    alive = await gnugo.final_status_list("alive")
    assert len(alive) == 18 and "D1" in alive and "F9" in alive


async def test_gnugo_crash_then_restart_and_replay(gnugo: GtpEngine) -> None:
    """After the engine is killed, commands raise GtpCrashedError; a restart replays the game."""
    moves = [("black", "E5"), ("white", "C3"), ("black", "pass"), ("white", "G7")]
    for color, vertex in moves:
        await gnugo.play(color, vertex)  # type: ignore[arg-type]
    pid = gnugo.pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    with pytest.raises(GtpCrashedError) as info:
        await gnugo.genmove("black")
    assert info.value.returncode == -signal.SIGKILL
    assert "engine exited (exit status -9)" in str(info.value)
    with pytest.raises(GtpCrashedError, match="the engine exited"):
        await gnugo.command("name")

    await gnugo.restart_and_replay(9, 6.5, moves)  # type: ignore[arg-type]
    assert gnugo.pid != pid and gnugo.running
    for color, vertex in moves:
        if vertex != "pass":  # the replayed stones are on the new engine's board
            with pytest.raises(GtpError, match="illegal move"):
                await gnugo.play(color, vertex)  # type: ignore[arg-type]
    move = await gnugo.genmove("black")
    assert move == "pass" or move == "resign" or from_vertex(move, 9) is not None


async def test_close_awaits_the_engine_and_leaves_no_tasks(gnugo_path: str) -> None:
    """close() ends the process, reaps it and cancels nothing it did not own."""
    engine = GtpEngine(gnugo_argv(level=1, path=gnugo_path))
    await engine.start()
    proc = engine._proc
    assert proc is not None
    await engine.close()
    assert proc.returncode == 0  # GNU Go exits by itself on EOF
    assert engine.pid is None and not engine.running
    assert no_other_tasks()
    await engine.close()  # idempotent
    with pytest.raises(GtpCrashedError, match="the engine is not running"):
        await engine.command("name")


# -- misbehaving engines ----------------------------------------------------------------------


async def test_hanging_engine_times_out_and_is_killed() -> None:
    """A genmove that never answers raises GtpTimeoutError once the timeout has passed (not
    before; the upper bound only tells a timeout from a hang: a loaded machine took over 1 s)."""
    engine = GtpEngine(fake("hang"), timeout=0.2)
    async with engine:
        await engine.boardsize(9)
        proc = engine._proc
        assert proc is not None
        began = time.monotonic()
        with pytest.raises(GtpTimeoutError) as info:
            await engine.genmove("black")
        assert 0.19 <= time.monotonic() - began < 10.0
        assert str(info.value) == "GTP command 'genmove black' got no response within 0.2 s"
        assert isinstance(info.value, GtpEngineFailure)
        with pytest.raises(GtpCrashedError, match="killed after 'genmove black' timed out"):
            await engine.command("name")
    assert proc.returncode == -signal.SIGKILL
    assert no_other_tasks()


async def test_malformed_response_is_a_protocol_error() -> None:
    """Output that is not '=' or '?' raises GtpProtocolError and the engine is given up."""
    async with GtpEngine(fake("malformed"), timeout=5) as engine:
        with pytest.raises(GtpProtocolError) as info:
            await engine.genmove("black")
        assert "expected '=' or '?' to start the response" in str(info.value)
        assert "thinking very hard about black" in info.value.response
        with pytest.raises(GtpCrashedError, match="malformed response"):
            await engine.command("name")


async def test_crashing_engine_reports_status_and_stderr() -> None:
    """An engine that exits mid-command raises GtpCrashedError with its status and stderr."""
    async with GtpEngine(fake("crash"), timeout=5) as engine:
        with pytest.raises(GtpCrashedError) as info:
            await engine.genmove("white")
        assert info.value.returncode == 3
        assert info.value.command == "genmove white"
        assert "fake_gtp: segmentation fault" in str(info.value)
        await engine.restart_and_replay(9, 7.5, [("black", "D4")])
        assert await engine.command("name") == ""


async def test_response_ids_and_multiline_answers_are_parsed() -> None:
    """'=7 a1 B2\\n  c3' is the answer 'a1 B2\\nc3'; vertices come back upper-case."""
    async with GtpEngine(fake("ok"), timeout=5) as engine:
        assert await engine.final_status_list("dead") == ["A1", "B2", "C3"]
        assert await engine.genmove("black") == "C3"
        with pytest.raises(GtpError, match="this engine refuses"):
            await engine.command("fail")


async def test_cancelled_command_gives_the_engine_up() -> None:
    """A command cancelled by the caller leaves the stream out of sync, so the engine is killed."""
    async with GtpEngine(fake("hang"), timeout=30) as engine:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.1):
                await engine.genmove("black")
        with pytest.raises(GtpCrashedError, match="was cancelled"):
            await engine.command("name")
    assert no_other_tasks()


async def test_missing_binary_is_a_start_error(tmp_path: Path) -> None:
    """An engine that cannot be executed raises GtpStartError naming the command line."""
    engine = GtpEngine([str(tmp_path / "no-such-engine"), "--mode", "gtp"])
    with pytest.raises(GtpStartError, match=r"cannot start GTP engine .*no-such-engine"):
        await engine.start()


async def test_bad_arguments_are_refused_before_sending() -> None:
    """Newlines, unknown colours and non-vertices never reach the engine."""
    async with GtpEngine(fake("ok"), timeout=5) as engine:
        with pytest.raises(ValueError, match="not a single GTP command line"):
            await engine.command("play black D4\ngenmove white")
        with pytest.raises(ValueError, match="unknown color 'red'"):
            await engine.play("red", "D4")  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="'D4; quit' is not a GTP vertex"):
            await engine.play("black", "D4; quit")
        await engine.boardsize(9)
        with pytest.raises(ValueError, match="off a 9x9 board"):
            await engine.play("black", "K4")
        assert engine.running


async def test_close_aborts_a_command_in_flight() -> None:
    """Closing while genmove waits kills the engine at once; the waiting command gets
    GtpCrashedError instead of waiting for its timeout."""
    engine = GtpEngine(fake("hang"), timeout=30)
    await engine.start()

    async def think() -> None:
        with pytest.raises(GtpCrashedError, match="closed during the command"):
            await engine.genmove("black")

    began = time.monotonic()
    async with asyncio.TaskGroup() as tg:
        tg.create_task(think())
        await asyncio.sleep(0)  # one step: the command is sent and waits for its answer
        assert engine._lock.locked()
        await engine.close()
    assert time.monotonic() - began < 10.0  # closed at once, not after the 30 s timeout
    assert engine.pid is None
