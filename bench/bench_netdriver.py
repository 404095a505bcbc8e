"""NetDriver / server-mode benchmarks (not tests): a `flowstate serve` process and client
processes on this machine, loopback only, bounded in time.

    .venv/bin/python bench/bench_netdriver.py             # everything
    .venv/bin/python bench/bench_netdriver.py commits     # commits | stream

- commits: single-state commits/s through NetDriver from one process (one task awaiting
  each commit, then 64 concurrent tasks) and from 4 processes (64 tasks each), on the
  server's default store (a SQLite file, write-behind) and on `memory:`;
- stream: a client process commits 300 states at ~50/s; the UI in Chromium (Playwright)
  shows each as a row of its live table: latency from the commit call to the row.

Figures go to docs/benchmarks.md.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flowstate import Engine, FlowRegistry, NetDriver, StateCtx, commit, park  # noqa: E402

SECONDS = 4.0


class Server:
    def __init__(self, db: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "flowstate", "serve", "--db", db, "--port", "0",
             "--log-level", "warning"],
            stdout=subprocess.PIPE, text=True, cwd=ROOT,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith("flowstate serving on "):
            raise RuntimeError(f"server did not start: {line!r}")
        self.url = line.split()[3]

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


async def _commits(url: str, tasks: int, seconds: float, prefix: str) -> int:
    async with Engine(NetDriver(url), FlowRegistry()) as engine:
        deadline = time.perf_counter() + seconds
        done = 0

        async def worker(w: int) -> None:
            nonlocal done
            n = 0
            while time.perf_counter() < deadline:
                await engine.do(commit(park(StateCtx.new(f"{prefix}-{w}-{n}"))))
                n += 1
                done += 1

        await asyncio.gather(*(worker(w) for w in range(tasks)))
        return done


def client_main(url: str, tasks: int, seconds: float, prefix: str) -> None:
    done = asyncio.run(_commits(url, tasks, seconds, prefix))
    print(done, flush=True)


def _processes(url: str, count: int, tasks: int) -> float:
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, "_client", url, str(tasks), str(SECONDS), f"p{n}"],
            stdout=subprocess.PIPE, text=True, cwd=ROOT,
        )
        for n in range(count)
    ]
    total = 0
    for proc in procs:
        out, _ = proc.communicate(timeout=120)
        total += int(out.strip())
    return total / SECONDS  # each process commits for SECONDS, the four at once


def bench_commits() -> None:
    for label, db in (("sqlite (default)", "sqlite:///{tmp}/fs.sqlite3"), ("memory", "memory:")):
        with tempfile.TemporaryDirectory() as tmp:
            server = Server(db.format(tmp=tmp))
            try:
                one = asyncio.run(_commits(server.url, 1, SECONDS, "a")) / SECONDS
                many = asyncio.run(_commits(server.url, 64, SECONDS, "b")) / SECONDS
                four = _processes(server.url, 4, 64)
            finally:
                server.stop()
        print(f"commits [{label}]: 1 process x 1 task {one:,.0f}/s, 1 x 64 tasks "
              f"{many:,.0f}/s, 4 processes x 64 tasks {four:,.0f}/s")


def bench_stream() -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        server = Server(f"sqlite:///{tmp}/fs.sqlite3")
        client = subprocess.Popen(
            [sys.executable, str(ROOT / "e2e" / "flowstate_client.py"), server.url],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT,
        )
        assert client.stdin is not None and client.stdout is not None
        try:
            assert client.stdout.readline().strip() == "ready"
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path="/usr/bin/chromium",
                                             args=["--no-sandbox", "--disable-gpu"])
                page = browser.new_page()
                page.goto(server.url)
                page.wait_for_function("document.querySelector('#live').textContent == 'live'")
                page.evaluate(
                    """() => {
                        window.__seen = {};
                        new MutationObserver(() => {
                          const now = performance.timeOrigin + performance.now();
                          for (const tr of document.querySelectorAll('#states tbody tr'))
                            window.__seen[tr.dataset.id] ??= now;
                        }).observe(document.querySelector('#states tbody'), {childList: true});
                    }"""
                )
                started: dict[str, float] = {}
                for n in range(300):
                    client.stdin.write(f"commit s{n} kind=bench\n")
                    client.stdin.flush()
                    started[f"s{n}"] = float(client.stdout.readline().split()[1])
                    time.sleep(0.02)
                page.wait_for_function("Object.keys(window.__seen).length >= 300", timeout=10000)
                seen = page.evaluate("() => window.__seen")
                browser.close()
            lags = sorted((seen[k] / 1000 - t) * 1000 for k, t in started.items())
            p50 = statistics.median(lags)
            p99 = lags[int(len(lags) * 0.99) - 1]
            print(f"stream commit -> UI row (300 commits at ~50/s): p50 {p50:.1f} ms, "
                  f"p99 {p99:.1f} ms, max {lags[-1]:.1f} ms")
        finally:
            client.stdin.write("quit\n")
            client.stdin.flush()
            client.wait(timeout=10)
            server.stop()


def main() -> None:
    if sys.argv[1:2] == ["_client"]:
        url, tasks, seconds, prefix = sys.argv[2:6]
        client_main(url, int(tasks), float(seconds), prefix)
        return
    which = sys.argv[1:] or ["commits", "stream"]
    print(f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    if "commits" in which:
        bench_commits()
    if "stream" in which:
        bench_stream()


if __name__ == "__main__":
    main()
