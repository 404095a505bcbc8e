"""The flowstate UI (`python -m flowstate serve`) in Chromium, with the states committed by
another process (`flowstate_client.py`, an application on NetDriver): the label filter,
latest only, a commit appearing live, a state's history, diff and data, and a pending delay
that disappears when it fires."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, Route, expect

from .conftest import screenshot

HERE = Path(__file__).resolve().parent


class Proc:
    """A child process speaking lines: `send` a command, `expect` a line prefix back."""

    def __init__(self, args: list[str], log: Path) -> None:
        self.log = log
        with log.open("ab") as err:
            self.proc = subprocess.Popen(
                args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err,
                text=True, cwd=HERE.parent,
            )

    def expect(self, prefix: str, timeout: float = 20.0) -> str:
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError(f"process ended: {self.log.read_text()[-2000:]}")
            if line.startswith(prefix):
                return line.strip()
        raise TimeoutError(f"no {prefix!r} line within {timeout} s")

    def send(self, line: str) -> str:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        return self.expect("ok ")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                stream.close()


@pytest.fixture
def flowstate_server(tmp_path: Path) -> Iterator[str]:
    server = Proc(
        [sys.executable, "-m", "flowstate", "serve", "--db", f"sqlite:///{tmp_path}/fs.sqlite3",
         "--port", "0", "--log-level", "warning"],
        tmp_path / "server.log",
    )
    try:
        line = server.expect("flowstate serving on ")
        yield line.split()[3]
    finally:
        server.stop()


@pytest.fixture
def app(flowstate_server: str, tmp_path: Path) -> Iterator[Proc]:
    """The application process committing through NetDriver."""
    client = Proc([sys.executable, str(HERE / "flowstate_client.py"), flowstate_server],
                  tmp_path / "client.log")
    try:
        client.expect("ready")
        yield client
    finally:
        if client.proc.poll() is None and client.proc.stdin is not None:
            client.proc.stdin.write("quit\n")
            client.proc.stdin.flush()
            try:
                client.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        client.stop()


def rows(page: Page) -> list[str]:
    return page.get_by_role("table", name="States", exact=True).locator("tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.id + '@' + r.dataset.rev)"
    )


def test_label_filter_and_latest_only(app: Proc, flowstate_server: str, new_page: object) -> None:
    """key=value terms AND, groups OR; "Latest only" keeps one row per state."""
    app.send("commit order-1 kind=order,status=open")
    app.send("commit order-2 kind=order,status=done")
    app.send("commit job-1 kind=job")
    app.send("commit order-1 kind=order,status=done")
    page = new_page()  # type: ignore[operator]
    page.goto(flowstate_server)
    table = page.get_by_role("table", name="States", exact=True)
    expect(table.locator("tbody tr")).to_have_count(4)

    page.get_by_role("searchbox", name="Label filter").fill("kind=order status=done")
    page.keyboard.press("Enter")
    expect(table.locator("tbody tr")).to_have_count(2)
    assert rows(page) == ["order-1@4", "order-2@2"]

    page.get_by_role("searchbox", name="Label filter").fill("kind=job | status=open")
    page.keyboard.press("Enter")
    expect(table.locator("tbody tr")).to_have_count(2)
    assert rows(page) == ["job-1@3", "order-1@1"]

    page.get_by_role("searchbox", name="Label filter").fill("kind=order")
    page.keyboard.press("Enter")
    expect(table.locator("tbody tr")).to_have_count(3)
    page.get_by_role("checkbox", name="Latest only").check()
    expect(table.locator("tbody tr")).to_have_count(2)
    assert rows(page) == ["order-1@4", "order-2@2"]

    page.get_by_role("searchbox", name="Label filter").fill("kind")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_have_text('"kind" is not a key=value term')
    screenshot(page, "flowstate-ui-filter")


def test_commit_by_another_process_appears_within_100_ms(
    app: Proc, flowstate_server: str, new_page: object
) -> None:
    """The table is pushed: a commit in the application process shows up without a reload,
    within 100 ms of the commit call (times of one machine's clock)."""
    page = new_page()  # type: ignore[operator]
    page.goto(flowstate_server)
    expect(page.get_by_role("status", name="Stream")).to_have_text("live")
    page.evaluate(
        """() => {
            window.__seen = {};
            new MutationObserver(() => {
                for (const tr of document.querySelectorAll('table[aria-label=States] tbody tr')) {
                    window.__seen[tr.dataset.id] ??= performance.timeOrigin + performance.now();
                }
            }).observe(document.querySelector('table[aria-label=States] tbody'),
                       {childList: true});
        }"""
    )
    lags = []
    for n in range(5):
        _, before, _ = app.send(f"commit live-{n} kind=live").split()
        page.wait_for_function(f"() => window.__seen['live-{n}'] !== undefined", timeout=2000)
        seen = page.evaluate(f"() => window.__seen['live-{n}']") / 1000
        lags.append(seen - float(before))
    assert max(lags) < 0.1, f"commit -> row lags {lags}"
    assert page.evaluate("() => performance.getEntriesByType('navigation').length") == 1


def test_history_diff_and_data_blobs(app: Proc, flowstate_server: str, new_page: object) -> None:
    """A state's detail lists its versions; a version shows what changed and its data,
    JSON pretty-printed or, for binary data, a hex dump."""
    doc = json.dumps({"item": "tea", "qty": 2}, separators=(",", ":"))
    app.send(f"commit order-9 kind=order data=doc:{doc}")
    app.send("commit order-9 status=paid data=raw:hex:00ff10")
    page = new_page()  # type: ignore[operator]
    page.goto(flowstate_server)
    page.get_by_role("table", name="States", exact=True).locator("tr[data-rev='2']").click()
    detail = page.get_by_role("region", name="State detail")
    expect(detail.get_by_role("heading", name="State order-9")).to_be_visible()
    history = detail.get_by_role("table", name="History")
    expect(history.locator("tbody tr")).to_have_count(2)
    expect(detail.get_by_role("table", name="Diff")).to_contain_text("labels.status")
    detail.get_by_role("button", name="doc (data rev").click()
    blob = detail.locator("pre.blob")
    expect(blob).to_have_text(json.dumps({"item": "tea", "qty": 2}, indent=2))
    detail.get_by_role("button", name="raw (data rev").click()
    expect(blob).to_have_text("00000000  00 ff 10" + " " * 40 + "  ...")
    history.locator("tr[data-rev='1']").click()
    expect(detail.get_by_role("table", name="Diff")).to_contain_text("labels.kind")
    expect(detail.get_by_role("button", name="raw (data rev")).to_have_count(0)
    screenshot(page, "flowstate-ui-detail")


def test_pending_delay_is_listed_then_gone_when_it_fires(
    app: Proc, flowstate_server: str, new_page: object
) -> None:
    """A delay committed by the application is listed with its due time, and leaves the
    list when it fires (in the application, which then commits the fired version)."""
    page = new_page()  # type: ignore[operator]
    page.goto(flowstate_server)
    expect(page.get_by_role("status", name="Stream")).to_have_text("live")
    delays = page.get_by_role("table", name="Delayed states")
    app.send("delay reminder-1 1.5")
    row = delays.locator("tr[data-id='reminder-1']")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("fire")
    expect(row).to_contain_text("in 1.")
    screenshot(page, "flowstate-ui-delays")
    expect(row).to_have_count(0, timeout=5000)
    states = page.get_by_role("table", name="States", exact=True)
    expect(states.locator("tr[data-id='reminder-1'][data-rev='3']")).to_contain_text("fired=yes")


def test_a_delay_committed_while_the_list_loads_is_still_listed(
    app: Proc, flowstate_server: str, new_page: object
) -> None:
    """The page's first load of the delays list is held in the network while a delay is
    committed and its events reach the page, then answered with the list as it was before
    the commit: the page must load the list once more, not drop the event."""
    held: list[Route] = []

    def hold_first(route: Route) -> None:
        if held:
            route.continue_()
        else:
            held.append(route)  # answered below

    page = new_page()  # type: ignore[operator]
    page.route("**/api/v1/delays*", hold_first)
    with page.expect_request("**/api/v1/stats*"):  # the stream is open, the list load held
        page.goto(flowstate_server)
    assert len(held) == 1
    stale = held[0].fetch()  # the list before the delay
    # the page refreshes its stats on the commit's events: they have reached it
    with page.expect_request("**/api/v1/stats*"):
        app.send("delay reminder-2 8")
    held[0].fulfill(response=stale)
    delays = page.get_by_role("table", name="Delayed states")
    expect(delays.locator("tr[data-id='reminder-2']")).to_have_count(1)
