"""Tick phases: where in its period each fixed-rate game ticks, spread so ticks do not clump.

A real-time game that ticks every `period_ms` (light cycles at 20 ticks a second: 50 ms) may
tick at any phase of that period: the instants `t` (unix ms) with `t % period_ms == phase`.
Left to chance (games start when their players arrive), phases clump like any random arrivals:
some milliseconds hold several games' ticks, queued behind one another, while others hold
none. The server picks each new game's phase instead: the least-loaded millisecond of the
period among the games it holds, ties broken along a golden-ratio sequence (so the first few
games land far apart). Near saturation that is the difference between queueing and none:
200 races at 20 ticks a second, 4 per millisecond, on one process (`docs/benchmarks.md`).

Pure bookkeeping; `gameserver.live.matches` holds one per server: a game's phase is picked when
it is made (into its settings, so a replay of its record ticks on the same instants), held
while it is live and released when it ends. Periods are tracked separately (a 50 ms and a
100 ms game do not see each other's load); in a cluster each node spreads the games it made.
"""

from __future__ import annotations

__all__ = ["TickPhases", "on_grid"]

_GOLDEN = 0.6180339887498949


def on_grid(t_ms: int, period_ms: int, phase_ms: int | None) -> int:
    """The first instant at or after `t_ms` whose offset in the period is `phase_ms` (`t_ms`
    itself without a phase)."""
    if phase_ms is None:
        return t_ms
    return t_ms + (phase_ms - t_ms) % period_ms


def _order(period_ms: int) -> list[int]:
    """Every offset of the period once, in golden-ratio order (equidistributed prefixes)."""
    seen: set[int] = set()
    order: list[int] = []
    k = 0
    while len(order) < period_ms and k < 20 * period_ms:
        slot = int((k * _GOLDEN) % 1.0 * period_ms)
        if slot not in seen:
            seen.add(slot)
            order.append(slot)
        k += 1
    order.extend(slot for slot in range(period_ms) if slot not in seen)
    return order


class TickPhases:
    """The phases of the live games of each period, and the least-loaded one for a new game."""

    def __init__(self) -> None:
        self._load: dict[int, list[int]] = {}  # period -> games per millisecond of it
        self._orders: dict[int, list[int]] = {}
        self._held: dict[str, tuple[int, int]] = {}  # key -> (period, phase)

    def pick(self, period_ms: int) -> int:
        """The phase for a new game of `period_ms` (not held until `hold`)."""
        if period_ms < 1:
            raise ValueError(f"a tick period is at least 1 ms, got {period_ms}")
        load = self._load.get(period_ms)
        if load is None:
            return 0
        order = self._orders[period_ms]
        return min(order, key=load.__getitem__)  # the first least-loaded one in that order

    def hold(self, key: str, period_ms: int, phase_ms: int) -> None:
        """Count `key`'s ticks at `phase_ms` (again: no change)."""
        if key in self._held or period_ms < 1:
            return
        load = self._load.get(period_ms)
        if load is None:
            load = self._load[period_ms] = [0] * period_ms
            self._orders[period_ms] = _order(period_ms)
        phase = phase_ms % period_ms
        load[phase] += 1
        self._held[key] = (period_ms, phase)

    def release(self, key: str) -> None:
        """`key` ticks no more (not held: no change)."""
        held = self._held.pop(key, None)
        if held is not None:
            period, phase = held
            self._load[period][phase] -= 1

    def held(self, period_ms: int) -> list[int]:
        """Games per millisecond of `period_ms` (a copy)."""
        return list(self._load.get(period_ms, [0] * period_ms))

    def __len__(self) -> int:
        return len(self._held)
