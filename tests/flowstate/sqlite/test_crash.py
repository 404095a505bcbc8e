"""A real crash: a child process committing a numbered sequence is killed with SIGKILL at
random moments; after every kill the file is intact and holds what was promised.

- every commit acknowledged in strict mode is in the file;
- in default mode, every commit of a flush the child saw complete is in the file, and only
  commits acknowledged after the last completed flush took its rows may be missing: the
  window is the time since that flush started, at most `flush_interval` plus the flush in
  progress (plus the one before, when the writer falls behind); a sanity bound in seconds
  (`WINDOW_BOUND`) catches a writer that stopped flushing;
- in both modes the file holds a prefix of the sequence (no holes) and passes
  `PRAGMA integrity_check`.

Timing is real here (the kill moments are random by design); the assertions only depend on
the documented window. `bench/bench_sqlite.py --crash-cycles N` runs more cycles.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sqlite3
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from flowstate import MemoryDriver
from flowstate.sqlite import SqliteSnapshots

ROOT = Path(__file__).resolve().parents[3]
FLUSH_INTERVAL = 0.05
# A sanity bound in seconds on the exact window below. The window is flush_interval plus the
# flush in progress at the kill (plus the one before when the writer is behind); the child
# saturates its loop, which slows the writer's thread (GIL), and the machine is shared, so
# flushes of 100-400 ms happen: the bound only catches a writer that stopped flushing.
WINDOW_BOUND = 2.0
CYCLES_PER_MODE = 10


@dataclass
class Cycle:
    start: int = -1
    acks: list[tuple[int, float]] = field(default_factory=list)
    flushes: list[tuple[int, float, float]] = field(default_factory=list)  # (n, start, end)
    killed_at: float = 0.0

    def window(self) -> float:
        """Seconds before the kill that the last flush completed by then started."""
        done = [started for _, started, end in self.flushes if end <= self.killed_at]
        return self.killed_at - max(done, default=0.0)

    def longest_flush(self) -> float:
        return max((end - started for _, started, end in self.flushes), default=0.0)


async def crash_once(path: Path, mode: str, run_for: float) -> Cycle:
    """Start a child, let it commit for `run_for` seconds after it is ready, SIGKILL it."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.flowstate.sqlite.crash_child",
        str(path),
        mode,
        str(FLUSH_INTERVAL),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.stdout is not None
    cycle = Cycle()
    try:
        async with asyncio.timeout(20):
            first = (await proc.stdout.readline()).decode().split()
            assert first[0] == "ready", first
            cycle.start = int(first[1])

            async def read() -> None:
                assert proc.stdout is not None
                async for line in proc.stdout:
                    fields = line.split()
                    if fields[0] == b"F":
                        n, started, end = fields[1:]
                        cycle.flushes.append((int(n), float(started), float(end)))
                    else:
                        cycle.acks.append((int(fields[0]), float(fields[1])))

            reader = asyncio.ensure_future(read())
            await asyncio.sleep(run_for)
            cycle.killed_at = time.monotonic()
            proc.send_signal(signal.SIGKILL)
            await proc.wait()
            await reader
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == -signal.SIGKILL
    return cycle


async def check_file(path: Path, mode: str, cycle: Cycle) -> int:
    """Assert the promises; returns how many commits the file holds."""
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    conn.close()
    driver = MemoryDriver(snapshots=SqliteSnapshots(path))
    await driver.open()
    try:
        present = {int(s.id[1:]) for s in driver.latest_states()}
    finally:
        await driver.close()
    count = len(present)
    assert present == set(range(count)), "the file must hold a prefix of the sequence"
    assert count >= cycle.start, "a restart never loses what an earlier run wrote"
    if mode == "strict":
        lost = [n for n, _ in cycle.acks if n not in present]
        assert lost == [], f"acknowledged strict commits lost: {lost[:10]}"
    else:
        on_disk = max((n for n, _, end in cycle.flushes if end <= cycle.killed_at), default=-1)
        assert count > on_disk, f"commits up to {on_disk} were flushed, the file has {count}"
        window = cycle.window()
        bound = WINDOW_BOUND
        ages = [(n, cycle.killed_at - t) for n, t in cycle.acks if n >= count]
        too_old = [(n, round(age, 6)) for n, age in ages if age > window or age > bound]
        assert too_old == [], (
            f"lost commits acknowledged before the last completed flush started "
            f"({window:.3f} s before the kill) or more than {bound:.3f} s before: {too_old[:5]}"
        )
    return count


@pytest.mark.parametrize("mode", ["strict", "default"])
async def test_sigkill_keeps_the_documented_promises(tmp_path: Path, mode: str) -> None:
    """CYCLES_PER_MODE kills at random moments; the sequence keeps growing across them."""
    path = tmp_path / "crash.sqlite3"
    rng = random.Random(f"crash-{mode}")
    counts = []
    for _ in range(CYCLES_PER_MODE):
        cycle = await crash_once(path, mode, rng.uniform(0.02, 0.4))
        assert cycle.acks, "the child acknowledged nothing before the kill"
        counts.append(await check_file(path, mode, cycle))
    assert counts == sorted(counts) and counts[-1] > 0
