"""The engine installs on its own: it never imports the game server's web stack, and
`python -m gameserver` without that stack says what to install. Run in fresh interpreters
in which those modules cannot be imported (as in an engine-only install)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WEB_STACK = ("starlette", "uvicorn", "websockets", "uvloop", "httptools")
HIDE = f"import sys\nfor name in {WEB_STACK!r}: sys.modules[name] = None\n"


def run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", HIDE + code], cwd=ROOT, capture_output=True, text=True,
        timeout=60, check=False,
    )


def test_the_engine_runs_without_the_web_stack(tmp_path: Path) -> None:
    """flowstate (memory, SQLite, the PostgreSQL driver's module) works with no web stack."""
    result = run(
        "import asyncio, flowstate\n"
        "from flowstate import Engine, FlowRegistry, StateCtx, commit, open_driver, park\n"
        "async def main():\n"
        f"    async with Engine(open_driver('sqlite:///{tmp_path}/fs.db'), FlowRegistry()) as e:\n"
        "        await e.do(commit(park(StateCtx.new('a'))))\n"
        "asyncio.run(main())\n"
        "print('engine ok', flowstate.PostgresDriver.__name__)\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "engine ok PostgresDriver\n"


def test_the_server_without_its_extra_says_what_to_install() -> None:
    result = run("import runpy\nrunpy.run_module('gameserver', run_name='__main__')\n")
    assert result.returncode == 1
    assert "pip install 'flowstate-gameserver[gameserver]'" in result.stderr
    assert "starlette, uvicorn, websockets missing" in result.stderr


def test_flowstate_serve_without_its_extra_says_what_to_install() -> None:
    result = run(
        "import sys, runpy\nsys.argv = ['flowstate', 'serve', '--db', 'memory:']\n"
        "runpy.run_module('flowstate', run_name='__main__')\n"
    )
    assert result.returncode == 1
    assert "flowstate serve needs starlette, uvicorn, websockets" in result.stderr
    assert "pip install 'flowstate-gameserver[server]'" in result.stderr


def test_net_driver_without_websockets_fails_at_open_naming_the_extra() -> None:
    """`import flowstate` and building a NetDriver need nothing of the web stack; opening
    one says what to install."""
    result = run(
        "import asyncio\nfrom flowstate import Engine, FlowRegistry, NetDriver\n"
        "async def main():\n"
        "    async with Engine(NetDriver('http://127.0.0.1:9'), FlowRegistry()):\n"
        "        pass\n"
        "asyncio.run(main())\n"
    )
    assert result.returncode == 1
    assert "NetDriver needs the websockets package" in result.stderr
