"""End-to-end fixtures: the real server in a subprocess, Debian's Chromium through Playwright.

The server runs as `python -m gameserver` on a free port with its SQLite file in a temporary
directory; `server.restart()` kills and restarts it on the same port and file. Browsers are
Debian's `/usr/bin/chromium` (Playwright cannot download its own here). Screenshots go to
`artifacts/e2e/` (kept by CI as test artifacts).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts" / "e2e"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerProcess:
    """`python -m gameserver` on 127.0.0.1, restartable on the same port and database."""

    def __init__(self, db: Path | str, extra_args: list[str] | None = None,
                 log: Path | None = None) -> None:
        """`db` is an SQLite file or a database URL (then `log` says where the output goes)."""
        self.db = db
        self.port = free_port()
        self.extra_args = extra_args or []
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = log or Path(db).with_suffix(".log")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        args = [sys.executable, "-m", "gameserver", "--port", str(self.port), "--db", str(self.db)]
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen([*args, *self.extra_args], stdout=log, stderr=log)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"server did not answer /healthz: {self.log.read_text()[-2000:]}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def restart(self, sig: int = signal.SIGTERM) -> None:
        self.stop(sig)
        self.start()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "server_args(*args): extra command-line options for the test's server"
    )


@pytest.fixture
def server(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[ServerProcess]:
    """The server for one test; `@pytest.mark.server_args("--lobby-timeout", "2")` adds
    command-line options."""
    marker = request.node.get_closest_marker("server_args")
    proc = ServerProcess(tmp_path / "e2e.sqlite3", list(marker.args) if marker else None)
    proc.start()
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/install (it installs Debian's chromium)")
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
    )
    yield browser
    browser.close()


@pytest.fixture
def new_page(browser: Browser) -> Iterator[object]:
    """`new_page(width=..., height=..., **context_options)` opens a page in a fresh context (a
    separate player); options go to `browser.new_context` (e.g. `has_touch=True`)."""
    contexts: list[BrowserContext] = []
    errors: list[str] = []

    def make(width: int = 1280, height: int = 900, **options: object) -> Page:
        context = browser.new_context(viewport={"width": width, "height": height}, **options)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        return page

    yield make
    for context in contexts:
        context.close()
    assert not errors, f"uncaught page errors: {errors}"


def screenshot(page: Page, name: str, full_page: bool = True, clean: bool = False) -> Path:
    """Save `artifacts/e2e/<name>.png`; `full_page=False` keeps it to the viewport's size and
    `clean=True` (pictures for the docs) hides toasts and finishes animations."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    if clean:
        page.screenshot(path=str(path), full_page=full_page, animations="disabled",
                        style="#toasts { visibility: hidden; }")
    else:
        page.screenshot(path=str(path), full_page=full_page)
    return path
