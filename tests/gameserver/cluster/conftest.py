"""Real server processes on one private PostgreSQL database: a cluster for the tests.

Each test gets its own schema; nodes are `python -m gameserver` processes on free ports with
short heartbeats, started, killed (-9) and restarted by the test.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import socket
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from flowstate.postgres_server import TemporaryPostgres
from gameserver.testing import GameClient

ROOT = Path(__file__).resolve().parents[3]
HEARTBEAT, TIMEOUT = 0.3, 1.5


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Node:
    name: str
    port: int
    proc: asyncio.subprocess.Process
    log: list[bytes] = field(default_factory=list)
    drain: asyncio.Task[None] | None = None

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def client(self, name: str | None = None, token: str | None = None) -> GameClient:
        client = await GameClient.connect(self.ws_url)
        await client.hello(name=name, token=token)
        return client

    def kill(self) -> None:
        """SIGKILL: no shutdown, no heartbeat, no clean leave."""
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGKILL)


@dataclass
class Cluster:
    dsn: str
    nodes: list[Node] = field(default_factory=list)
    extra: tuple[str, ...] = ()

    async def start(self, name: str, port: int | None = None, *args: str) -> Node:
        port = port or free_port()
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "gameserver", "--port", str(port), "--db", self.dsn,
            "--node-id", name, "--node-heartbeat", str(HEARTBEAT),
            "--node-timeout", str(TIMEOUT), "--log-level", "info", *self.extra, *args,
            cwd=ROOT, stderr=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.DEVNULL,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
        node = Node(name, port, proc)
        assert proc.stderr is not None
        async with asyncio.timeout(30):
            while b"Uvicorn running on" not in (line := await proc.stderr.readline()):
                node.log.append(line)
                assert line, b"".join(node.log).decode()
        node.drain = asyncio.create_task(self._drain(node))
        self.nodes.append(node)
        return node

    @staticmethod
    async def _drain(node: Node) -> None:
        assert node.proc.stderr is not None
        while line := await node.proc.stderr.readline():
            node.log.append(line)

    async def wait_dead(self, node: Node) -> None:
        await node.proc.wait()

    async def stop_all(self) -> None:
        for node in self.nodes:
            if node.proc.returncode is None:
                node.proc.terminate()
        for node in self.nodes:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(15):
                    await node.proc.wait()
            if node.proc.returncode is None:
                node.kill()
                await node.proc.wait()
            if node.drain is not None:
                node.drain.cancel()


@pytest.fixture
async def cluster(postgres: TemporaryPostgres) -> AsyncIterator[Cluster]:
    schema = "c" + secrets.token_hex(4)
    separator = "&" if "?" in postgres.dsn else "?"
    running = Cluster(f"{postgres.dsn}{separator}schema={schema}")
    try:
        yield running
    finally:
        await running.stop_all()
