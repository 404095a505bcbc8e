"""NetDriver with real processes: a flowstate server (forked), and application processes
that stop, restart or are killed. Waits are on lines the processes print, bounded."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .servers import ROOT, ServerForks


class App:
    def __init__(self, url: str, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.flowstate.net.app_child", url, *args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT,
        )

    def wait_for(self, prefix: str, timeout: float = 15.0) -> str:
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise AssertionError(f"the app exited before printing {prefix!r}")
            if line.startswith(prefix):
                return line.strip()
        raise AssertionError(f"no {prefix!r} within {timeout} s")

    def close(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None and not stream.closed:
                stream.close()


@pytest.fixture
def server(server_forks: ServerForks, tmp_path: Path) -> Iterator[str]:
    pid, url = server_forks.spawn(f"sqlite:///{tmp_path}/fs.sqlite3")
    try:
        yield url
    finally:
        server_forks.stop(pid)


def test_a_delay_fires_on_time_in_the_restarted_application(server: str) -> None:
    """The application commits a delay and stops; started again, it fires the delay when
    it falls due (not at its start, not later)."""
    first = App(server, "delay", "reminder", "1.5")
    try:
        _, before, after = first.wait_for("delayed").split()
        assert first.proc.wait(timeout=10) == 0
    finally:
        first.close()
    second = App(server, "run")
    try:
        second.wait_for("ready")
        _, state_id, fired_at = second.wait_for("fired").split()
        assert state_id == "reminder"
        # Due 1.5 s after the commit staged it, somewhere between `before` and `after` (the
        # commit's round trip: tens of ms on a loaded machine).
        assert float(before) + 1.5 <= float(fired_at) < float(after) + 1.5 + 0.25
    finally:
        second.close()


def test_work_of_a_killed_application_is_adopted_by_another(server: str) -> None:
    """An application killed mid-flow: once its session's lease ends (0.5 s on the test
    servers), another application running the flow adopts the state and runs it."""
    other = App(server, "run")
    victim = App(server, "hang", "job-1")
    try:
        other.wait_for("ready")
        victim.wait_for("working")
        victim.proc.send_signal(signal.SIGKILL)
        victim.proc.wait(timeout=10)
        assert other.wait_for("worked", timeout=10) == "worked job-1"
    finally:
        victim.close()
        other.close()
