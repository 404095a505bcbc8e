"""Counters, gauges and histograms rendered in the Prometheus text format. Pure bookkeeping."""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gameserver.core.plan import Plan
    from gameserver.live.matches import Hub

MOVE_EVENTS = frozenset({"move", "pass"})

LATENCY_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                   1.0)


@dataclass(slots=True)
class Histogram:
    buckets: tuple[float, ...] = LATENCY_BUCKETS
    counts: list[int] = field(default_factory=list)
    total: float = 0.0
    count: int = 0

    def __post_init__(self) -> None:
        self.counts = [0] * (len(self.buckets) + 1)

    def observe(self, value: float) -> None:
        self.counts[bisect.bisect_left(self.buckets, value)] += 1
        self.total += value
        self.count += 1

    def lines(self, name: str) -> Iterable[str]:
        running = 0
        for bound, n in zip(self.buckets, self.counts, strict=False):
            running += n
            yield f'{name}_bucket{{le="{bound}"}} {running}'
        yield f'{name}_bucket{{le="+Inf"}} {self.count}'
        yield f"{name}_sum {self.total}"
        yield f"{name}_count {self.count}"


@dataclass(slots=True)
class Metrics:
    """Everything /metrics reports; the server's parts bump these fields directly."""

    connections: int = 0
    connections_total: int = 0
    messages_in: int = 0
    errors_out: int = 0
    moves: int = 0
    commits: int = 0
    commit_conflicts: int = 0
    adopted: int = 0
    pushes: int = 0
    push_frames: int = 0
    slow_consumers_cut: int = 0
    abuse_closes: int = 0
    push_latency: Histogram = field(default_factory=Histogram)

    def observe(self, hub: Hub, outcome: Plan, t0: float) -> None:
        """A committed change was published (a `Matches` observer)."""
        self.commits += 1
        self.pushes += 1
        self.push_frames += len(hub.watchers)
        if outcome.event.get("kind") in MOVE_EVENTS:
            self.moves += 1
        self.push_latency.observe(time.perf_counter() - t0)

    def render(self, games_by_phase: dict[str, int],
               extra: Iterable[tuple[str, str, float]] = ()) -> str:
        out: list[str] = []

        def metric(name: str, kind: str, help_text: str, value: float | None = None) -> None:
            out.append(f"# HELP {name} {help_text}")
            out.append(f"# TYPE {name} {kind}")
            if value is not None:
                out.append(f"{name} {value}")

        metric("gameserver_connections", "gauge", "Open websocket connections.", self.connections)
        metric("gameserver_connections_total", "counter", "Websocket connections accepted.",
               self.connections_total)
        metric("gameserver_messages_total", "counter", "Client frames received.",
               self.messages_in)
        metric("gameserver_errors_total", "counter", "Error replies sent.", self.errors_out)
        metric("gameserver_moves_total", "counter", "Moves and passes accepted.", self.moves)
        metric("gameserver_commits_total", "counter", "Match commits.", self.commits)
        metric("gameserver_commit_conflicts_total", "counter",
               "Match commits that hit a rev mismatch and were retried.", self.commit_conflicts)
        metric("gameserver_adopted_versions_total", "counter",
               "Game versions written elsewhere (another process, a timer) and adopted.",
               self.adopted)
        metric("gameserver_pushes_total", "counter", "Updates broadcast (encoded once each).",
               self.pushes)
        metric("gameserver_push_frames_total", "counter", "Frames queued to sockets.",
               self.push_frames)
        metric("gameserver_slow_consumers_total", "counter",
               "Connections cut off because they stopped reading.", self.slow_consumers_cut)
        metric("gameserver_abuse_closes_total", "counter",
               "Connections closed for floods or oversize frames.", self.abuse_closes)
        metric("gameserver_games", "gauge", "Games in memory by phase.")
        for phase, n in sorted(games_by_phase.items()):
            out.append(f'gameserver_games{{phase="{phase}"}} {n}')
        metric("gameserver_push_latency_seconds", "histogram",
               "From receiving a command to writing its update to every watcher's socket "
               "(the commit included).")
        out.extend(self.push_latency.lines("gameserver_push_latency_seconds"))
        for name, help_text, value in extra:
            metric(name, "gauge", help_text, value)
        return "\n".join(out) + "\n"


Timer = Callable[[], float]
