// Clocks for every time system, counted down on the client between server pushes.
// `clockView` is pure: a Player.clock as of the push, the game's time_control and the ms elapsed
// since that push give what to show now. The server stays the only authority: every push
// replaces the base, so drift never accumulates.

const num = (...xs) => {
  // first argument that is a finite number
  for (const x of xs) {
    const n = Number(x);
    if (x !== undefined && x !== null && Number.isFinite(n)) return n;
  }
  return undefined;
};

/**
 * What a clock shows `elapsedMs` after the push it came in.
 * The server's view (`Player.clock`): `remaining_ms` is main time left (0 once in overtime,
 * null for no limit), `running`, and for byo-yomi `periods` (left, counting the current one) and
 * `period_ms` (left in the current period); for Canadian `stones` (owed in the current period)
 * and `period_ms`. Returns {system, ms, stage: "main"|"overtime"|"none", periods, periodMs,
 * stones, running, flagged}.
 */
export function clockView(clock, tc, elapsedMs) {
  tc = tc || {};
  clock = clock || {};
  const system = tc.system ?? clock.system ?? "absolute";
  const main0 = num(clock.remaining_ms, clock.remaining);
  if (system === "none" || main0 === undefined) {
    return { system: "none", ms: Infinity, stage: "none", flagged: false, running: !!clock.running };
  }
  const running = !!clock.running;
  let t = running ? Math.max(0, elapsedMs) : 0;
  const fullPeriod = tc.period !== undefined ? tc.period * 1000 : 0;
  let periods = num(clock.periods, clock.periods_left, tc.periods) ?? 0;
  const stones = num(clock.stones, clock.stones_left, tc.stones) ?? 0;
  const periodLeft = num(clock.period_ms, fullPeriod) ?? 0;
  const hasOvertime = (system === "byoyomi" || system === "canadian") && (periodLeft > 0 || fullPeriod > 0);

  let ms = main0 - t;
  let overtime = false;
  if (hasOvertime && ms <= 0) {
    overtime = true;
    t -= Math.max(0, main0);
    ms = periodLeft - t;
    if (system === "byoyomi") {
      // A period that runs out is consumed and the next starts at once, in full.
      while (ms <= 0 && periods > 1 && fullPeriod > 0) {
        periods -= 1;
        ms += fullPeriod;
      }
    }
  }
  return {
    system,
    ms: Math.max(0, ms),
    stage: overtime ? "overtime" : "main",
    periods,
    periodMs: fullPeriod || periodLeft,
    stones,
    running,
    flagged: ms <= 0 || clock.flagged === true,
  };
}

/** "1:05:00", "4:59", "0:09.4" (tenths only under ten seconds). */
export function formatMs(ms) {
  if (ms === Infinity) return "∞";
  const total = Math.max(0, ms);
  if (total < 10000) {
    const tenths = Math.floor(total / 100);
    return `0:0${Math.floor(tenths / 10)}.${tenths % 10}`;
  }
  const s = Math.ceil(total / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}

function shortSeconds(s) {
  s = Number(s) || 0;
  if (s >= 60 && s % 60 === 0) return `${s / 60} min`;
  if (s >= 60) return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  return `${s}s`;
}

/** The line under the digits: what comes after the main time, or where in overtime we are. */
export function clockDetail(view, tc) {
  tc = tc || {};
  if (view.flagged && view.system !== "none") return "Out of time";
  switch (view.system) {
    case "none": return "No time limit";
    case "absolute": return "Sudden death";
    case "fischer": return `+${shortSeconds(tc.increment)} per move`;
    case "byoyomi":
      if (view.stage !== "overtime") return `then ${view.periods} × ${shortSeconds(view.periodMs / 1000)}`;
      return view.periods <= 1 ? "Last period" : `${view.periods} periods left`;
    case "canadian":
      return view.stage === "overtime"
        ? `${view.stones} stone${view.stones === 1 ? "" : "s"} to play`
        : `then ${tc.stones ?? view.stones} stones / ${shortSeconds(view.periodMs / 1000)}`;
    default: return "";
  }
}

/** "low" under ten seconds of real danger, "warn" under thirty, else "". */
export function urgency(view) {
  if (view.system === "none" || !Number.isFinite(view.ms)) return "";
  const lastStretch =
    view.system === "absolute" || view.system === "fischer" ||
    (view.system === "byoyomi" && view.stage === "overtime" && view.periods <= 1) ||
    (view.system === "canadian" && view.stage === "overtime");
  if (!lastStretch) return view.stage === "overtime" && view.ms < 10000 ? "warn" : "";
  if (view.ms < 10000) return "low";
  if (view.ms < 30000) return "warn";
  return "";
}

/** Human summary of a time_control, for the lobby: "10 min + 5 × 30s". */
export function describeTimeControl(tc) {
  if (!tc || !tc.system) return "—";
  switch (tc.system) {
    case "none": return "No limit";
    case "absolute": return `${shortSeconds(tc.main)} sudden death`;
    case "fischer": return `${shortSeconds(tc.main)} + ${shortSeconds(tc.increment)}/move`;
    case "byoyomi":
      return `${Number(tc.main) > 0 ? `${shortSeconds(tc.main)} + ` : ""}${tc.periods} × ${shortSeconds(tc.period)} byo-yomi`;
    case "canadian":
      return `${Number(tc.main) > 0 ? `${shortSeconds(tc.main)} + ` : ""}${tc.stones} stones / ${shortSeconds(tc.period)}`;
    default: return String(tc.system);
  }
}
