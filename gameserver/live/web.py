"""What the HTTP side shows a browser: only the client's own files, with security headers.

`ClientFiles` serves `web/` but only what the client is made of: files with a client type
(HTML, JavaScript modules, CSS, images, fonts, a manifest), none hidden, none in a `test`
folder, no `*.test.*` files, no READMEs or other documents. Anything else is a 404, as if it
were not there.

`SecurityHeaders` adds to every HTTP response what a browser needs to keep the client safe:
a Content-Security-Policy (scripts, styles and frames from this origin only, no framing by
other sites), `X-Content-Type-Options: nosniff`, `Referrer-Policy`, `X-Frame-Options`.
The websocket path never reaches it (it skips ASGI: `gameserver.live.sockets`).
"""

from __future__ import annotations

from pathlib import PurePosixPath

from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gameserver.settings import DEFAULT_CSP

#: the file types the web client is made of
CLIENT_TYPES = frozenset({".html", ".js", ".mjs", ".css", ".svg", ".png", ".jpg", ".jpeg",
                          ".webp", ".gif", ".ico", ".woff", ".woff2", ".webmanifest",
                          ".json", ".map"})

def client_file(path: str) -> bool:
    """Whether `path` (relative to `web/`) is part of the client."""
    parts = PurePosixPath(path).parts
    if not parts:
        return True  # the folder itself: its index.html
    name = parts[-1]
    if any(part.startswith(".") or part in ("test", "tests") for part in parts):
        return False
    if ".test." in name or name.lower().startswith("readme"):
        return False
    return PurePosixPath(name).suffix.lower() in CLIENT_TYPES


class ClientFiles(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        if not client_file(path):
            raise HTTPException(status_code=404)
        return await super().get_response(path, scope)


class SecurityHeaders:
    """ASGI middleware: the headers above on every HTTP response (set, not overridden)."""

    def __init__(self, app: ASGIApp, csp: str = DEFAULT_CSP) -> None:
        self.app = app
        self.headers = {
            "content-security-policy": csp,
            "x-content-type-options": "nosniff",
            "referrer-policy": "no-referrer",
            "x-frame-options": "DENY",
            "cross-origin-opener-policy": "same-origin",
        }
        if not csp:
            del self.headers["content-security-policy"]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
