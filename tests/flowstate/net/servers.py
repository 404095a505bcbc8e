"""`ServerForks`: flowstate server processes for tests, forked by `zygote.py`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


class ServerForks:
    """Starts the zygote on first use; `spawn(db)` returns (pid, url) of a new server."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen[str] | None = None

    def _zygote(self) -> subprocess.Popen[str]:
        if self._proc is None:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "tests.flowstate.net.zygote"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT,
            )
        return self._proc

    def _ask(self, line: str) -> str:
        proc = self._zygote()
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(line + "\n")
        proc.stdin.flush()
        answer = proc.stdout.readline().strip()
        if not answer or answer.startswith("error"):
            raise RuntimeError(f"server zygote: {line!r} -> {answer!r}")
        return answer

    def spawn(self, db: str = "memory:") -> tuple[int, str]:
        pid, port = self._ask(f"spawn {db}").split()
        return int(pid), f"http://127.0.0.1:{port}"

    def stop(self, pid: int) -> None:
        self._ask(f"stop {pid}")

    def close(self) -> None:
        if self._proc is not None:
            assert self._proc.stdin is not None
            self._proc.stdin.close()
            self._proc.wait(timeout=30)
            if self._proc.stdout is not None:
                self._proc.stdout.close()
            self._proc = None
