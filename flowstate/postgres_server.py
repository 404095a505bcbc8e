"""`TemporaryPostgres`: a private, throwaway PostgreSQL server for tests, examples and benchmarks.

    with TemporaryPostgres() as pg:
        driver = PostgresDriver(pg.dsn)

It runs the server binaries of the installed PostgreSQL (Debian's `postgresql` package puts
them in `/usr/lib/postgresql/<version>/bin`): `initdb` into a new temporary directory, a
server on a free port on 127.0.0.1 (and a unix socket in that directory), stopped and deleted
on exit. PostgreSQL refuses to run as root, so as root the directory is given to the
`postgres` user and the binaries run through `runuser -u postgres --`.

`durable=False` (the default, for tests) turns `fsync` off: much faster, and only a crash of
the machine (not of a client process) could lose data. Benchmarks use `durable=True`.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from types import TracebackType

__all__ = ["PostgresNotInstalledError", "TemporaryPostgres", "find_bindir"]


class PostgresNotInstalledError(RuntimeError):
    def __init__(self) -> None:
        super().__init__(
            "PostgreSQL server binaries (initdb, pg_ctl) not found: install Debian's "
            "`postgresql` package (scripts/install does)"
        )


def find_bindir() -> str:
    """The directory of `initdb` and `pg_ctl` (the newest installed version)."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0,
    )
    if found:
        return os.path.dirname(found[-1])
    initdb = shutil.which("initdb")
    if initdb is None:
        raise PostgresNotInstalledError()
    return os.path.dirname(os.path.realpath(initdb))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class TemporaryPostgres:
    """A PostgreSQL server of its own in a temporary directory; `dsn` connects as `postgres`."""

    def __init__(self, *, durable: bool = False, max_connections: int = 200) -> None:
        self.durable = durable
        self.max_connections = max_connections
        self.bindir = find_bindir()
        self.port = 0
        self.dir = ""
        self._as_postgres: list[str] = []

    @property
    def dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        result = subprocess.run(
            [*self._as_postgres, *args], capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            log = ""
            logfile = os.path.join(self.dir, "server.log")
            if os.path.exists(logfile):
                with open(logfile) as f:
                    log = f.read()[-2000:]
            raise RuntimeError(
                f"{os.path.basename(args[0])} failed ({result.returncode}): "
                f"{result.stderr.strip() or result.stdout.strip()}\n{log}"
            )

    def start(self) -> TemporaryPostgres:
        self.dir = tempfile.mkdtemp(prefix="flowstate-pg-")
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.dir, user.pw_uid, user.pw_gid)
            self._as_postgres = ["runuser", "-u", "postgres", "--"]
        data = os.path.join(self.dir, "data")
        try:
            self._run(
                os.path.join(self.bindir, "initdb"), "-D", data, "-A", "trust", "-U",
                "postgres", "-E", "UTF8", "--locale=C", "--no-sync",
            )
            options = [
                "-c port={port} -c listen_addresses=127.0.0.1",
                f"-c unix_socket_directories={self.dir}",
                f"-c max_connections={self.max_connections} -c shared_buffers=128MB",
            ]
            if not self.durable:
                options.append("-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
            for attempt in range(3):
                self.port = _free_port()
                try:
                    self._run(
                        os.path.join(self.bindir, "pg_ctl"), "-D", data, "-l",
                        os.path.join(self.dir, "server.log"), "-w", "-t", "60",
                        "-o", " ".join(options).replace("{port}", str(self.port)), "start",
                    )
                    break
                except RuntimeError:
                    if attempt == 2:
                        raise
        except BaseException:
            shutil.rmtree(self.dir, ignore_errors=True)
            raise
        return self

    def stop(self) -> None:
        if not self.dir:
            return
        try:
            self._run(
                os.path.join(self.bindir, "pg_ctl"), "-D", os.path.join(self.dir, "data"),
                "-m", "fast", "-w", "-t", "60", "stop",
            )
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = ""

    def __enter__(self) -> TemporaryPostgres:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
