"""An asyncio client for a GTP (Go Text Protocol, version 2) engine run as a subprocess.

``GtpEngine`` owns one engine process: it starts it, sends one command at a time, parses the
``= ...`` / ``? ...`` responses and awaits the process on close. It survives the engine misbehaving:

- a command that takes longer than its timeout raises ``GtpTimeoutError``;
- an engine that exits (or was killed) raises ``GtpCrashedError``;
- an engine that answers something that is not a GTP response raises ``GtpProtocolError``.

After any of these the process is killed (its output can no longer be trusted to line up with our
commands) and every further command raises ``GtpCrashedError`` until ``restart_and_replay`` starts
a fresh process and replays the game into it.

Vertices are GTP vertices: a column letter (A-Z skipping I) and a row number counted from the
bottom, e.g. ``D4``; ``to_vertex``/``from_vertex`` convert to and from the protocol's 0-based
``(x, y)`` counted from the top-left corner.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import re
import signal
from collections.abc import Iterable, Sequence
from types import TracebackType
from typing import Literal

__all__ = [
    "COLUMNS",
    "GNUGO_PATH",
    "Color",
    "GtpCrashedError",
    "GtpEngine",
    "GtpEngineFailure",
    "GtpError",
    "GtpProtocolError",
    "GtpStartError",
    "GtpTimeoutError",
    "from_vertex",
    "gnugo_argv",
    "to_vertex",
]

Color = Literal["black", "white"]
COLUMNS = "ABCDEFGHJKLMNOPQRSTUVWXYZ"  # GTP column letters: no I
GNUGO_PATH = "/usr/games/gnugo"
MAX_BOARD_SIZE = 25
_MAX_RESPONSE_BYTES = 1 << 20
_STDERR_TAIL_BYTES = 4096
_VERTEX = re.compile(r"^([A-HJ-Z])([1-9][0-9]?)$")


def gnugo_argv(level: int = 10, path: str = GNUGO_PATH) -> list[str]:
    """The command line for GNU Go in GTP mode at ``level`` (1-10)."""
    return [path, "--mode", "gtp", "--level", str(level)]


# -- errors -----------------------------------------------------------------------------------


class GtpError(Exception):
    """The engine answered ``? message`` to ``command`` (and the root of every GTP error)."""

    def __init__(self, command: str, message: str) -> None:
        self.command = command
        self.message = message
        super().__init__(f"GTP command {command!r} failed: {message}")


class GtpEngineFailure(GtpError):
    """The engine itself failed (hung, died, talked nonsense); it must be restarted."""


class GtpTimeoutError(GtpEngineFailure):
    def __init__(self, command: str, timeout: float) -> None:
        self.timeout = timeout
        GtpError.__init__(self, command, f"no response within {timeout:g} s")
        self.args = (f"GTP command {command!r} got no response within {timeout:g} s",)


class GtpCrashedError(GtpEngineFailure):
    """The engine process is not running (exited, killed, or never started)."""

    def __init__(
        self, command: str, reason: str, returncode: int | None = None, stderr: str = ""
    ) -> None:
        self.returncode = returncode
        self.stderr = stderr
        message = reason
        if returncode is not None:
            message += f" (exit status {returncode})"
        if stderr:
            message += f"; stderr: {stderr.strip()[-500:]}"
        GtpError.__init__(self, command, message)
        self.args = (f"GTP engine unusable for {command!r}: {message}",)


class GtpProtocolError(GtpEngineFailure):
    """The engine's output is not a well-formed GTP response."""

    def __init__(self, command: str, response: str, reason: str) -> None:
        self.response = response
        GtpError.__init__(self, command, f"{reason}: {response[:200]!r}")
        self.args = (
            f"GTP command {command!r} got a malformed response ({reason}): {response[:200]!r}",
        )


class GtpStartError(GtpEngineFailure):
    """The engine could not be started at all (missing binary, not executable...)."""

    def __init__(self, argv: Sequence[str], reason: str) -> None:
        self.argv = list(argv)
        GtpError.__init__(self, "(start)", reason)
        self.args = (f"cannot start GTP engine {' '.join(argv)!r}: {reason}",)


# -- vertices ---------------------------------------------------------------------------------


def to_vertex(x: int, y: int, size: int) -> str:
    """Protocol point (0-based column ``x``, row ``y`` from the top) to a GTP vertex."""
    if not 1 <= size <= MAX_BOARD_SIZE:
        raise ValueError(f"board size {size} is outside 1-{MAX_BOARD_SIZE}")
    if not (0 <= x < size and 0 <= y < size):
        raise ValueError(f"point ({x}, {y}) is off a {size}x{size} board")
    return f"{COLUMNS[x]}{size - y}"


def from_vertex(vertex: str, size: int) -> tuple[int, int] | None:
    """GTP vertex to a protocol point ``(x, y)``; None for ``pass``."""
    v = vertex.strip().upper()
    if v == "PASS":
        return None
    m = _VERTEX.match(v)
    if m is None:
        raise ValueError(f"{vertex!r} is not a GTP vertex")
    x, row = COLUMNS.index(m.group(1)), int(m.group(2))
    if not (x < size and 1 <= row <= size):
        raise ValueError(f"vertex {vertex!r} is off a {size}x{size} board")
    return x, size - row


def _check_color(color: str) -> Color:
    if color == "black":
        return "black"
    if color == "white":
        return "white"
    raise ValueError(f"unknown color {color!r}: expected 'black' or 'white'")


# -- the engine -------------------------------------------------------------------------------


class GtpEngine:
    """One GTP engine subprocess. Use ``async with GtpEngine(argv) as engine`` or start/close."""

    def __init__(
        self, argv: Sequence[str], *, timeout: float = 30.0, close_timeout: float = 2.0
    ) -> None:
        if not argv:
            raise ValueError("argv must name the engine program")
        self.argv = list(argv)
        self.timeout = timeout
        self.close_timeout = close_timeout
        self._proc: asyncio.subprocess.Process | None = None
        self._stderr_task: asyncio.Task[None] | None = None
        self._stderr_tail = bytearray()
        self._lock = asyncio.Lock()
        self._broken: str | None = None  # why the process was given up, if it was
        self._size: int | None = None

    # -- lifecycle --

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.returncode is None and self._broken is None

    async def __aenter__(self) -> GtpEngine:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def start(self) -> None:
        """Start the engine process (a no-op if it is already running)."""
        if self._proc is not None:
            if self.running:
                return
            await self._shutdown(graceful=False)
        try:
            proc = await asyncio.create_subprocess_exec(
                *self.argv,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
        except OSError as e:
            raise GtpStartError(self.argv, e.strerror or str(e)) from e
        self._proc = proc
        self._broken = None
        self._size = None
        self._stderr_tail.clear()
        assert proc.stderr is not None
        self._stderr_task = asyncio.create_task(self._drain_stderr(proc.stderr))

    async def close(self) -> None:
        """Ask the engine to exit (EOF on stdin), kill it if it does not, and await it.

        A command still waiting for its answer is aborted with ``GtpCrashedError``.
        """
        if self._lock.locked() and self._proc is not None:
            self._give_up(self._proc, "the engine was closed during the command")
        async with self._lock:
            await self._shutdown(graceful=True)

    async def restart_and_replay(
        self, size: int, komi: float, moves: Iterable[tuple[Color, str]],
        handicap: Sequence[str] = (),
    ) -> None:
        """Kill the engine, start a fresh one and replay the game: boardsize, komi, the
        handicap stones (``set_free_handicap``, when there are any), moves."""
        async with self._lock:
            await self._shutdown(graceful=False)
        await self.start()
        await self.boardsize(size)
        await self.komi(komi)
        await self.clear_board()
        if handicap:
            await self.set_free_handicap(handicap)
        for color, vertex in moves:
            await self.play(color, vertex)

    async def _shutdown(self, *, graceful: bool) -> None:
        proc, self._proc = self._proc, None
        task, self._stderr_task = self._stderr_task, None
        if proc is None:
            return
        try:
            if proc.stdin is not None and not proc.stdin.is_closing():
                proc.stdin.close()
            if graceful and proc.returncode is None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(proc.wait(), self.close_timeout)
        finally:
            _kill(proc)
            await proc.wait()
            if task is not None:
                # Ends at EOF on stderr; a grandchild holding stderr open must not hang us.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(task, self.close_timeout)

    async def _drain_stderr(self, stream: asyncio.StreamReader) -> None:
        while chunk := await stream.read(4096):
            self._stderr_tail += chunk
            del self._stderr_tail[:-_STDERR_TAIL_BYTES]

    def _stderr_text(self) -> str:
        return self._stderr_tail.decode("utf-8", "replace")

    # -- commands --

    async def command(self, command: str) -> str:
        """Send one GTP command; return the text after ``=`` (stripped, lines joined by \\n).

        Raises ``GtpError`` for a ``?`` answer, ``GtpTimeoutError`` after ``self.timeout``
        seconds, ``GtpCrashedError`` if the engine is not running or dies, and
        ``GtpProtocolError`` for output that is not a GTP response.
        """
        command = command.strip()
        if not command or any(c in command for c in "\r\n\x00"):
            raise ValueError(f"not a single GTP command line: {command!r}")
        limit = self.timeout
        async with self._lock:
            proc = self._proc
            if proc is None or self._broken is not None or proc.returncode is not None:
                raise GtpCrashedError(
                    command,
                    self._broken or "the engine is not running",
                    None if proc is None else proc.returncode,
                    self._stderr_text(),
                )
            done = False
            try:
                async with asyncio.timeout(limit):
                    result = await self._exchange(proc, command)
                done = True
            except TimeoutError:
                self._give_up(proc, f"killed after {command!r} timed out")
                raise GtpTimeoutError(command, limit) from None
            except _EngineGone:
                await self._reap(proc)  # let it finish exiting before any kill
                reason = self._broken or "the engine exited"
                self._give_up(proc, reason)
                raise GtpCrashedError(
                    command, reason, proc.returncode, self._stderr_text()
                ) from None
            except GtpProtocolError:
                self._give_up(proc, f"killed after a malformed response to {command!r}")
                raise
            finally:
                if not done and self._broken is None:  # cancelled mid-exchange: out of sync
                    self._give_up(proc, f"killed after {command!r} was cancelled")
        ok, message = result
        if not ok:
            raise GtpError(command, message)
        return message

    def _give_up(self, proc: asyncio.subprocess.Process, reason: str) -> None:
        self._broken = reason
        _kill(proc)

    async def _reap(self, proc: asyncio.subprocess.Process) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(proc.wait(), self.close_timeout)

    async def _exchange(self, proc: asyncio.subprocess.Process, command: str) -> tuple[bool, str]:
        assert proc.stdin is not None and proc.stdout is not None
        try:
            proc.stdin.write(command.encode() + b"\n")
            await proc.stdin.drain()
        except (BrokenPipeError, ConnectionResetError):
            raise _EngineGone from None
        lines: list[str] = []
        size = 0
        while True:
            try:
                raw = await proc.stdout.readline()
            except ValueError:  # a line longer than the stream's limit
                raise GtpProtocolError(command, "", "response line too long") from None
            if not raw:
                raise _EngineGone
            size += len(raw)
            if size > _MAX_RESPONSE_BYTES:
                raise GtpProtocolError(command, "\n".join(lines), "response too long")
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise GtpProtocolError(command, repr(raw), "response is not UTF-8") from None
            line = line.rstrip("\r\n").replace("\t", " ").replace("\r", "")
            if not lines and not line.strip():
                continue  # blank lines before a response carry nothing
            if lines and not line.strip():
                break  # the empty line that ends a response
            lines.append(line)
        return _parse_response(command, lines)

    # -- typed helpers --

    async def boardsize(self, size: int) -> None:
        if not 1 <= size <= MAX_BOARD_SIZE:
            raise ValueError(f"board size {size} is outside 1-{MAX_BOARD_SIZE}")
        await self.command(f"boardsize {size}")
        self._size = size

    async def komi(self, komi: float) -> None:
        if not math.isfinite(komi):
            raise ValueError(f"komi must be a finite number, not {komi!r}")
        await self.command(f"komi {komi:g}")

    async def clear_board(self) -> None:
        await self.command("clear_board")

    async def play(self, color: Color, vertex: str) -> None:
        """Play ``vertex`` (e.g. ``"D4"`` or ``"pass"``) for ``color``."""
        color = _check_color(color)
        await self.command(f"play {color} {self._vertex_arg(vertex)}")

    async def genmove(self, color: Color) -> str:
        """Ask the engine for ``color``'s move: a vertex like ``"D4"``, ``"pass"``, ``"resign"``."""
        color = _check_color(color)
        command = f"genmove {color}"
        answer = await self.command(command)
        word = answer.strip()
        if word.lower() in ("pass", "resign"):
            return word.lower()
        return self._engine_vertex(command, word)

    async def place_free_handicap(self, stones: int) -> list[str]:
        """Let the engine choose where Black's ``stones`` handicap stones go (on an empty
        board); it places them and returns their vertices (possibly fewer, GTP allows it)."""
        command = f"place_free_handicap {stones}"
        answer = await self.command(command)
        return [self._engine_vertex(command, v) for v in answer.split()]

    async def set_free_handicap(self, vertices: Sequence[str]) -> None:
        """Tell the engine where Black's handicap stones are (an empty board, 2 or more)."""
        await self.command("set_free_handicap " + " ".join(self._vertex_arg(v) for v in vertices))

    async def final_score(self) -> str:
        """The engine's count of the position, e.g. ``B+3.5``, ``W+12``, ``0``."""
        return await self.command("final_score")

    async def final_status_list(self, status: str = "dead") -> list[str]:
        """The vertices with ``status`` (``dead``, ``alive``, ``seki``), upper-case."""
        if status not in ("dead", "alive", "seki"):
            raise ValueError(f"unknown status {status!r}: expected dead, alive or seki")
        command = f"final_status_list {status}"
        answer = await self.command(command)
        return [self._engine_vertex(command, v) for v in answer.split()]

    def _vertex_arg(self, vertex: str) -> str:
        v = vertex.strip().upper()
        if v == "PASS":
            return "pass"
        if _VERTEX.match(v) is None:
            raise ValueError(f"{vertex!r} is not a GTP vertex")
        if self._size is not None:
            from_vertex(v, self._size)  # raises if off the board
        return v

    def _engine_vertex(self, command: str, word: str) -> str:
        v = word.upper()
        try:
            if _VERTEX.match(v) is None:
                raise ValueError(word)
            if self._size is not None:
                from_vertex(v, self._size)
        except ValueError:
            if self._proc is not None:
                self._give_up(self._proc, f"killed after a malformed response to {command!r}")
            raise GtpProtocolError(command, word, "not a vertex on the board") from None
        return v


def _kill(proc: asyncio.subprocess.Process) -> None:
    """SIGKILL the process unless it is known to have exited.

    Not ``proc.kill()``: on 3.11 that polls (and so reaps) a child that has just died, racing
    asyncio's child watcher, which then reports exit status 255 instead of the real one.
    """
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGKILL)


class _EngineGone(Exception):
    """Internal: EOF on stdout or a broken stdin pipe."""


_RESPONSE = re.compile(r"^([=?])(\d*)(?:\s|$)(.*)$", re.DOTALL)


def _parse_response(command: str, lines: list[str]) -> tuple[bool, str]:
    text = "\n".join(lines)
    m = _RESPONSE.match(text)
    if m is None:
        raise GtpProtocolError(command, text, "expected '=' or '?' to start the response")
    return m.group(1) == "=", m.group(3).strip()
