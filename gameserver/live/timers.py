"""Match deadlines as durable flowstate delays.

Each game that has a deadline (`match.deadline`: its flag, the lobby, abandonment or scoring
limit) has a small companion state, `timer.<game id>` labelled `kind=timer`, holding the game id
and the deadline. Whenever a match commit changes the deadline, the same atomic commit parks the
timer state again with `delay_until(timer, <flow>, at)` (commit=True): the firing is rev-checked
against that timer version, so the next commit that moves the deadline cancels the old delay
silently, and a commit that leaves it unchanged (a chat-free presence change in a clocked game)
does not touch the timer at all. The delay snapshot is the timer state (a few hundred bytes), not
the match record.

A deadline further than `NEAR` seconds ahead (a flag, the lobby, a scoring limit) is armed
as a committing delay: its firing commits a transit of the timer state to the flow
`gameserver.deadline` (the
deadline's kind, the game's own or the match's, is in the timer state; delays armed by older
versions name the kind as the flow, and those flows run the same code: `Timers.flow`),
which hands it to `Matches.fire`: under the match lock, the match's deadlines are judged as of
now and what is due is committed like a player command, with its pushes; a commit that moves
such a deadline before it falls due drops its delay at once (the store prunes committing delays
of a state committed again). A deadline due within `NEAR` seconds (a real-time game's tick,
every 50-100 ms) is armed as a plain delay instead: its firing runs the same flow without a
commit of its own (a tick is one commit, not two), and a stale one (the deadline moved) fires
once, soon, and finds the timer re-armed. Delays live in the engine's snapshots, so they
survive a restart; overdue ones fire at once on start, and at load a timer whose firing was
committed but not yet judged, or whose deadline is already due (a plain delay fired just
before the server stopped), is judged at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flowstate import Command, Engine, FlowRegistry, State, StateCtx, delay_until, noop, park
from gameserver.core.match import ABANDONED, LOBBY

if TYPE_CHECKING:
    from gameserver.live.matches import Matches

__all__ = ["FIRED", "KIND", "NEAR", "Timers", "arm", "armed", "game_of", "timer_id"]

KIND = "timer"
GAME = "gameserver.game"
AT = "gameserver.at"
FLOW = "gameserver.flow"
#: `Hub.armed` after a firing: equal to no deadline, so the next commit writes the timer state
FIRED = (-1.0, "fired")
#: the flow every deadline's delay runs (the deadline's kind is in the timer state)
DEADLINE_FLOW = "gameserver.deadline"
#: flows that delays armed before there was one deadline flow may still name
LEGACY_FLOWS = (LOBBY, ABANDONED, "clock.flag", "match.scoring_timeout")


def timer_id(game_id: str) -> str:
    return f"timer.{game_id}"


def game_of(state: State) -> str:
    return state.annotation(GAME, state.id.removeprefix("timer."))


def armed(state: State | None) -> tuple[float, str] | None:
    """The deadline a committed timer version has pending (None once fired or cancelled)."""
    if state is None or state.rev == 0 or state.transition.to:
        return None
    at, flow = state.annotation(AT, ""), state.annotation(FLOW, "")
    return (float(at), flow) if at and flow else None


#: seconds: a deadline due sooner is armed as a plain delay (see the module's documentation)
NEAR = 2.0


def arm(timer: StateCtx, game_id: str, due: tuple[float, str] | None,
        now: float) -> list[Command]:
    """Commands (for the match's commit at `now`) that make `due` the timer's only pending
    deadline."""
    current = timer.current
    current.labels = {"kind": KIND}
    if due is None:
        current.annotations = {GAME: game_id}
        return [park(timer)]
    at, kind = due
    current.annotations = {GAME: game_id, AT: repr(at), FLOW: kind}
    return [park(timer), delay_until(timer, DEADLINE_FLOW, at, commit=at - now > NEAR)]


class Timers:
    """The flows a firing runs; registered before the engine starts, attached to the matches
    once they exist (a firing that comes first waits for `Matches.loaded`)."""

    def __init__(self, registry: FlowRegistry) -> None:
        self._matches: Matches | None = None
        for flow in (DEADLINE_FLOW, *LEGACY_FLOWS):
            registry.set_flow(flow, self.flow)

    def attach(self, matches: Matches) -> None:
        self._matches = matches

    async def flow(self, ctx: StateCtx, engine: Engine) -> Command:
        matches = self._matches
        if matches is not None:
            await matches.fire(game_of(ctx.committed), ctx.committed)
        return noop()
