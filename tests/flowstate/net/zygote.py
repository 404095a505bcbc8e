"""A process that forks flowstate servers on request: the conformance suite runs each test
against a server process of its own, and forking one from a process that has already
imported everything takes milliseconds instead of an interpreter start.

Protocol (lines on stdin/stdout): `spawn <driver URL>` -> `<pid> <port>` once the server
listens; `stop <pid>` (SIGTERM, then wait) -> `<pid> <exit status>`. End of stdin stops every
server left and exits. Only this process forks: it runs no event loop and no thread.
"""

from __future__ import annotations

import os
import signal
import socket
import sys

import uvicorn

from flowstate.server import ServerSettings, create_app, listening_socket


def _serve(sock: socket.socket, db: str, ready_fd: int) -> None:
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)

    def ready() -> None:
        os.write(ready_fd, b"1")
        os.close(ready_fd)

    config = uvicorn.Config(
        create_app(ServerSettings(db=db, lease=0.5), ready=ready),
        log_level="warning", loop="uvloop", ws="websockets-sansio", lifespan="on",
        timeout_graceful_shutdown=5,
    )
    uvicorn.Server(config).run(sockets=[sock])


def main() -> None:
    children: set[int] = set()
    for line in sys.stdin:
        command, _, arg = line.strip().partition(" ")
        if command == "spawn":
            sock = listening_socket("127.0.0.1", 0)
            port = sock.getsockname()[1]
            read_fd, write_fd = os.pipe()
            pid = os.fork()
            if pid == 0:
                os.close(read_fd)
                try:
                    _serve(sock, arg, write_fd)
                finally:
                    os._exit(0)
            os.close(write_fd)
            sock.close()
            ok = os.read(read_fd, 1)
            os.close(read_fd)
            if ok != b"1":
                _, status = os.waitpid(pid, 0)
                print(f"error server exited with status {status}", flush=True)
                continue
            children.add(pid)
            print(f"{pid} {port}", flush=True)
        elif command == "stop":
            pid = int(arg)
            if pid in children:
                children.discard(pid)
                os.kill(pid, signal.SIGTERM)
                _, status = os.waitpid(pid, 0)
                print(f"{pid} {status}", flush=True)
            else:
                print(f"{pid} unknown", flush=True)
    for pid in children:
        os.kill(pid, signal.SIGTERM)
    for pid in children:
        os.waitpid(pid, 0)


if __name__ == "__main__":
    main()
