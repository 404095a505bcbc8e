"""What a user meets outside the test kit: the server's own log lines at `--log-level`, the
pure Go package without the web stack, the pytest plugin without pytest-asyncio."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from pathlib import Path

from gameserver.testing import GameClient
from tests.gameserver.helpers import free_port

ROOT = Path(__file__).resolve().parents[2]


async def test_log_level_info_prints_the_servers_own_lines(tmp_path: Path) -> None:
    """`python -m gameserver --log-level info`: a socket closed for flooding is logged by
    the `gameserver` logger, not only uvicorn's start-up lines."""
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "gameserver", "--port", str(port), "--db", ":memory:",
        "--log-level", "info", cwd=ROOT, stderr=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.DEVNULL)
    assert proc.stderr is not None
    lines: list[bytes] = []
    try:
        async with asyncio.timeout(30):
            while b"Uvicorn running on" not in (line := await proc.stderr.readline()):
                assert line, b"".join(lines).decode()
                lines.append(line)
            client = await GameClient.connect(f"ws://127.0.0.1:{port}/ws")
            for n in range(200):  # far over the burst: refused, then closed for flooding
                await client.send_raw(f'{{"type":"ping","t":{n}}}')
            await client.closed
            while b"flood" not in (line := await proc.stderr.readline()):
                assert line, b"".join(lines).decode()
                lines.append(line)
        assert line.startswith(b"INFO:") and b"gameserver.sockets" in line
    finally:
        proc.terminate()
        await proc.wait()


def test_the_go_package_does_not_load_the_web_stack() -> None:
    """`import gameserver.games.go` (the pure rules) loads no starlette, uvicorn or aiosqlite."""
    code = ("import sys, gameserver.games.go; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & "
            "{'starlette', 'uvicorn', 'aiosqlite', 'websockets'}))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_pytest_plugin_works_without_pytest_asyncio(tmp_path: Path) -> None:
    """Where pytest-asyncio is missing, pytest still runs with the package installed: the
    plain fixtures work and the async ones say what they need."""
    (tmp_path / "test_kit.py").write_text(textwrap.dedent("""
        def test_clock(fake_clock):
            assert fake_clock.now() > 0

        def test_server(game_server):
            pass
    """))
    run = textwrap.dedent("""
        import sys

        class Uninstalled:  # pytest-asyncio, as if it were not installed
            def find_spec(self, name, path=None, target=None):
                if name.partition(".")[0] == "pytest_asyncio":
                    raise ModuleNotFoundError(name)

        sys.meta_path.insert(0, Uninstalled())
        import pytest
        sys.exit(pytest.main(["-q", "--assert=plain", "-p", "no:asyncio", "-p",
                              "no:cacheprovider", sys.argv[1]]))
    """)
    out = subprocess.run([sys.executable, "-c", run, str(tmp_path)], cwd=tmp_path,
                         capture_output=True, text=True)
    assert "1 passed" in out.stdout and "1 error" in out.stdout, out.stdout
    assert "needs pytest-asyncio" in out.stdout
