"""A test kit for apps built on gameserver: a real server on a free port, and a small client.

    async with serve(Settings(), clock=FakeClock()) as server:
        alice = await server.client(name="Alice")          # connected, hello done
        ok = await alice.request("create", size=9, komi=6.5, color="black")
        game = await alice.next_push("game")

Pytest fixtures (registered by the package's pytest plugin entry point): `fake_clock`,
`game_server` (a running server on the fake clock) and `make_client`. The async ones need
pytest-asyncio; without it this module still imports and pytest still runs, and asking for
them fails with a message that says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
import pytest
import uvicorn
from starlette.applications import Starlette
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from flowstate import Clock, Driver
from flowstate.testing import FakeClock
from gameserver.core.game import Game
from gameserver.live.app import create_app
from gameserver.live.runtime import Runtime
from gameserver.live.server import uvicorn_config
from gameserver.settings import Settings

__all__ = ["GameClient", "ProtocolError", "RunningServer", "fake_clock", "game_server",
           "make_client", "serve"]

WAIT = 10.0  # seconds: a safety bound on waiting for a frame, not a timing assumption


class ProtocolError(Exception):
    """The server answered a request with an `error` frame."""

    def __init__(self, frame: Mapping[str, Any]) -> None:
        super().__init__(f"{frame.get('code')}: {frame.get('message')}")
        self.frame = dict(frame)
        self.code: str = frame.get("code", "")
        self.message: str = frame.get("message", "")


class GameClient:
    """One websocket speaking the protocol. Replies are matched to requests by id; every
    other frame is a push, queued until a test takes it with `next_push`."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._pushes: list[dict[str, Any]] = []
        self._arrived = asyncio.Event()
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._reader = asyncio.create_task(self._read())
        self.player_id: str | None = None
        self.token: str | None = None

    @classmethod
    async def connect(cls, url: str, **options: Any) -> GameClient:
        options.setdefault("compression", None)
        options.setdefault("max_size", None)
        return cls(await connect(url, **options))

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                frame = orjson.loads(raw)
                rid = frame.get("id")
                future = self._waiting.pop(rid, None) if isinstance(rid, int) else None
                if future is not None and frame.get("type") in ("ok", "error", "welcome",
                                                                "pong"):
                    if not future.done():
                        future.set_result(frame)
                else:
                    self._pushes.append(frame)
                    self._arrived.set()
        except ConnectionClosed:
            pass
        finally:
            if not self.closed.done():
                self.closed.set_result(None)
            self._arrived.set()
            for future in self._waiting.values():
                if not future.done():
                    future.set_exception(ConnectionError("the server closed the connection"))

    async def send_raw(self, frame: str | bytes) -> None:
        await self.ws.send(frame)

    async def request(self, type: str, **fields: Any) -> dict[str, Any]:
        """Send one request with a fresh id; return the reply or raise `ProtocolError`."""
        rid = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[rid] = future
        await self.ws.send(orjson.dumps({"type": type, "id": rid, **fields}).decode())
        async with asyncio.timeout(WAIT):
            reply = await future
        if reply["type"] == "error":
            raise ProtocolError(reply)
        return reply

    async def hello(self, name: str | None = None, token: str | None = None) -> dict[str, Any]:
        fields = {k: v for k, v in (("name", name), ("token", token)) if v is not None}
        welcome = await self.request("hello", **fields)
        self.player_id, self.token = welcome["player_id"], welcome["token"]
        return welcome

    async def next_push(self, type: str | None = None, **match: Any) -> dict[str, Any]:
        """The oldest queued push of that type (and field values); waits for one."""
        async with asyncio.timeout(WAIT):
            while True:
                for i, frame in enumerate(self._pushes):
                    if (type is None or frame.get("type") == type) and all(
                            frame.get(k) == v for k, v in match.items()):
                        return self._pushes.pop(i)
                if self.closed.done():
                    raise ConnectionError(f"closed while waiting for a {type} push")
                self._arrived.clear()
                await self._arrived.wait()

    def pending(self, type: str | None = None) -> list[dict[str, Any]]:
        """Queued pushes (not consumed)."""
        return [f for f in self._pushes if type is None or f.get("type") == type]

    async def close(self) -> None:
        await self.ws.close()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Any:  # the test runner owns the signals
        yield


@dataclass
class RunningServer:
    app: Starlette
    port: int
    clock: Clock
    clients: list[GameClient] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    @property
    def runtime(self) -> Runtime:
        runtime: Runtime = self.app.state.runtime
        return runtime

    async def connect(self, **options: Any) -> GameClient:
        client = await GameClient.connect(self.ws_url, **options)
        self.clients.append(client)
        return client

    async def client(self, name: str | None = None, token: str | None = None) -> GameClient:
        """A connected client that has said hello."""
        client = await self.connect()
        await client.hello(name=name, token=token)
        return client


@contextlib.asynccontextmanager
async def serve(settings: Settings | None = None, *, clock: Clock | None = None,
                games: Mapping[str, Game] | None = None,
                driver: Driver | None = None,
                net_clock: Clock | None = None) -> AsyncIterator[RunningServer]:
    """A real uvicorn server on a free 127.0.0.1 port, in this event loop."""
    settings = settings or Settings(db=":memory:", loop="none")
    clock = clock or FakeClock()
    app = create_app(settings, clock=clock, games=games, driver=driver, net_clock=net_clock)
    # proto=IPPROTO_TCP: asyncio only sets TCP_NODELAY on accepted sockets whose listening
    # socket says TCP; with proto 0, Nagle would hold every second small frame for ~40 ms
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn_config(app, settings, port=port, loop="none", log_level="warning")
    server = _Server(config)
    config.load()
    server.lifespan = config.lifespan_class(config)
    await server.startup(sockets=[sock])
    if server.should_exit:
        raise RuntimeError("the test server failed to start")
    running = RunningServer(app, port, clock)
    try:
        yield running
    finally:
        for client in running.clients:
            with contextlib.suppress(Exception):
                await client.close()
        await server.shutdown(sockets=[sock])
        sock.close()


# -- pytest fixtures ------------------------------------------------------------------------


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock()


try:
    import pytest_asyncio
except ImportError:  # the plugin must not break pytest where pytest-asyncio is missing
    pytest_asyncio = None  # type: ignore[assignment]

if pytest_asyncio is not None:

    @pytest_asyncio.fixture
    async def game_server(fake_clock: FakeClock) -> AsyncIterator[RunningServer]:
        async with serve(clock=fake_clock) as server:
            yield server

    @pytest.fixture
    def make_client(game_server: RunningServer) -> Callable[..., Awaitable[GameClient]]:
        """`await make_client("Alice")`: a connected client that has said hello."""
        return game_server.client

else:

    @pytest.fixture
    def game_server() -> None:
        raise pytest.UsageError("gameserver's game_server fixture runs a server in the test's "
                                "event loop and needs pytest-asyncio: pip install "
                                "pytest-asyncio")

    @pytest.fixture
    def make_client() -> None:
        raise pytest.UsageError("gameserver's make_client fixture needs pytest-asyncio: "
                                "pip install pytest-asyncio")
