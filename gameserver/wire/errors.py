"""Protocol errors: one root, one leaf per wire `code`, each carrying the values involved.

A leaf builds its sentence from its data; `to_wire(request_id)` gives the `error` frame body.
"""

from __future__ import annotations

from typing import Any, ClassVar

RequestId = str | int | None


class ProtocolError(Exception):
    """The root: a request that failed and changed nothing."""

    code: ClassVar[str] = "internal"

    def __init__(self, message: str, **data: Any) -> None:
        super().__init__(message)
        self.message = message
        self.data = data
        self.request_id: RequestId = None

    def with_id(self, request_id: RequestId) -> ProtocolError:
        self.request_id = request_id
        return self

    def to_wire(self) -> dict[str, Any]:
        frame: dict[str, Any] = {"type": "error", "id": self.request_id, "code": self.code,
                                 "message": self.message}
        frame.update(self.data)
        return frame

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r}, {self.data!r})"


class BadRequest(ProtocolError):
    code = "bad_request"


class UnknownType(ProtocolError):
    code = "unknown_type"

    def __init__(self, type_name: str) -> None:
        super().__init__(f"unknown message type {type_name!r}")
        self.type_name = type_name


class Unauthorized(ProtocolError):
    code = "unauthorized"


class NotFound(ProtocolError):
    code = "not_found"

    def __init__(self, game_id: str) -> None:
        super().__init__(f"no game {game_id!r}")
        self.game_id = game_id


class Forbidden(ProtocolError):
    code = "forbidden"


class WrongPhase(ProtocolError):
    code = "wrong_phase"

    def __init__(self, command: str, phase: str, message: str | None = None) -> None:
        super().__init__(message or f"{command} is not allowed while the game is {phase}",
                         phase=phase)
        self.command = command
        self.phase = phase


class NotYourTurn(ProtocolError):
    code = "not_your_turn"

    def __init__(self, color: str, message: str | None = None) -> None:
        super().__init__(message or f"it is not {color}'s turn")
        self.color = color


class IllegalMove(ProtocolError):
    code = "illegal_move"
    REASONS: ClassVar[frozenset[str]] = frozenset(
        {"occupied", "suicide", "ko", "superko", "off_board", "column_full"}
    )

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message, reason=reason)
        self.reason = reason


class StaleRev(ProtocolError):
    code = "stale_rev"

    def __init__(self, sent: int, current: int) -> None:
        super().__init__(f"rev {sent} is stale: the game is at rev {current}", rev=current)
        self.sent = sent
        self.current = current


class RateLimited(ProtocolError):
    code = "rate_limited"


class TooMany(ProtocolError):
    """A server-wide or per-address cap (identities made, games waiting) is reached: the
    request is refused until some of what counts against the cap is gone."""

    code = "too_many"

    def __init__(self, limit: str, maximum: int, message: str) -> None:
        super().__init__(message, limit=limit, max=maximum)
        self.limit = limit
        self.maximum = maximum


class Unavailable(ProtocolError):
    """The store cannot write: a change is refused rather than acknowledged and lost."""

    code = "unavailable"


class Internal(ProtocolError):
    code = "internal"


ERROR_CODES: tuple[str, ...] = (
    "bad_request", "unknown_type", "unauthorized", "not_found", "forbidden", "wrong_phase",
    "not_your_turn", "illegal_move", "stale_rev", "rate_limited", "too_many", "unavailable",
    "internal",
)
