"""Running an engine as a service: SIGTERM and SIGINT shut it down cleanly and lose nothing
acknowledged, and SQLite refuses a second engine on a file in use. Real processes; every wait
is for a line on a pipe or an exit, with a bounded timeout."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from flowstate import Engine, FlowRegistry, MemoryDriver, SqliteLockedError, StateCtx, commit, park
from flowstate.sqlite import SqliteSnapshots

ROOT = Path(__file__).resolve().parents[2]


async def start_child(url: str, commits: int) -> asyncio.subprocess.Process:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.flowstate.lifecycle_child", url, str(commits),
        cwd=ROOT, stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.stdout is not None
    async with asyncio.timeout(30):
        assert await proc.stdout.readline() == f"acked {commits}\n".encode()
    return proc


async def stored_ids(path: Path) -> set[str]:
    driver = MemoryDriver(snapshots=SqliteSnapshots(path))
    await driver.open()
    try:
        return {s.id for s in driver.latest_states()}
    finally:
        await driver.close()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
async def test_a_signal_flushes_and_loses_nothing(tmp_path: Path, signum: int) -> None:
    """Commits acknowledged in default mode (not yet on disk) survive SIGTERM / SIGINT."""
    path = tmp_path / "fs.sqlite3"
    # a long flush interval: without the clean shutdown these commits would not be on disk
    proc = await start_child(f"sqlite:///{path}?flush_interval=30", 500)
    proc.send_signal(signum)
    assert proc.stdout is not None
    async with asyncio.timeout(30):
        assert await proc.stdout.readline() == f"stopped {signum}\n".encode()
        assert await proc.wait() == 0
    assert await stored_ids(path) == {f"c{n}" for n in range(500)}


async def test_second_engine_on_a_sqlite_file_fails_naming_file_and_holder(
    tmp_path: Path,
) -> None:
    """Another process holds the file: starting fails at once, naming the file and its pid;
    once the holder is gone (even by SIGKILL) the file opens again."""
    path = tmp_path / "fs.sqlite3"
    proc = await start_child(f"sqlite:///{path}", 1)
    try:
        engine = Engine(MemoryDriver(snapshots=SqliteSnapshots(path)), FlowRegistry())
        with pytest.raises(SqliteLockedError) as caught:
            await engine.start()
        message = str(caught.value)
        assert str(path) in message and f"pid {proc.pid} " in message
        assert "one process per file" in message
        assert caught.value.path == str(path) and caught.value.problem == "in use"
    finally:
        proc.kill()
        await proc.wait()
    # opens again; the kill may have beaten the flush of that one default-mode commit
    assert await stored_ids(path) <= {"c0"}


async def test_second_engine_in_the_same_process_fails_too(tmp_path: Path) -> None:
    """Two engines of one process on one file are refused as well; the first keeps working."""
    path = tmp_path / "fs.sqlite3"
    async with Engine(MemoryDriver(snapshots=SqliteSnapshots(path)), FlowRegistry()) as first:
        second = Engine(MemoryDriver(snapshots=SqliteSnapshots(path)), FlowRegistry())
        with pytest.raises(SqliteLockedError, match=f"pid {os.getpid()} "):
            await second.start()
        await first.do(commit(park(StateCtx.new("still-fine"))))
    assert await stored_ids(path) == {"still-fine"}
