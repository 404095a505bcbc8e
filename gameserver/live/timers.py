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
commit of its own (a tick is one commit, not two). While the timer's committed version was
itself parked with a plain delay, the next near deadline does not park the timer again: its
delay alone goes into the match's commit, with the timer's unchanged version (a real-time
game's tick writes one state version, the match, not two). Such a delay names the deadline it
was armed for, and when it fires it is judged only if that is still the match's deadline (a
node that has not yet seen the match's latest version reloads it first); a stale one (the
deadline moved on, a newer delay decides) ends there. A deadline that is far, none, or
follows a committing delay's firing always parks the timer (so a committing delay of the
old version is dropped, and a fired version in flight is settled). Delays live in the
engine's snapshots, so they
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

__all__ = ["FIRED", "KIND", "NEAR", "Timers", "arm", "armed", "game_of", "pending", "timer_id"]

KIND = "timer"
GAME = "gameserver.game"
AT = "gameserver.at"
FLOW = "gameserver.flow"
#: set on a timer version parked with a plain delay: no committing delay waits on it
PLAIN = "gameserver.plain"
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


def pending(state: State) -> tuple[float, str] | None:
    """The deadline a fired delay's version names: a plain delay's own deadline, or None for
    a committing delay's firing (rev-checked by the engine instead)."""
    if state.transition.to:
        return None
    at, flow = state.annotation(AT, ""), state.annotation(FLOW, "")
    return (float(at), flow) if at and flow else None


def arm(timer: StateCtx, game_id: str, due: tuple[float, str] | None,
        now: float) -> list[Command]:
    """Commands (for the match's commit at `now`) that make `due` the timer's pending
    deadline (see the module's documentation for when the timer is parked again)."""
    current = timer.current
    current.labels = {"kind": KIND}
    if due is None:
        current.annotations = {GAME: game_id}
        return [park(timer)]
    at, kind = due
    if at - now > NEAR:
        current.annotations = {GAME: game_id, AT: repr(at), FLOW: kind}
        return [park(timer), delay_until(timer, DEADLINE_FLOW, at)]
    current.annotations = {GAME: game_id, AT: repr(at), FLOW: kind, PLAIN: "1"}
    committed = timer.committed
    delay = delay_until(timer, DEADLINE_FLOW, at, commit=False)
    if committed.rev and not committed.transition.to and committed.annotation(PLAIN):
        return [delay]  # no committing delay waits on the committed version: leave it be
    return [park(timer), delay]


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
            state = ctx.committed
            await matches.fire(game_of(state), state, pending(state))
        return noop()
