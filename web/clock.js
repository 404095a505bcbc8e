// Clocks for every time system, counted down on the client between server pushes.
// `clockView` is pure: a Player.clock as of the push, the game's time_control and the ms elapsed
// since that push give what to show now. The server stays the only authority: every push
// replaces the base, so drift never accumulates.

const num = (...xs) => {
  for (const x of xs) {
    const n = Number(x);
    if (x !== undefined && x !== null && Number.isFinite(n)) return n;
  }
  return undefined;
};

function inOvertime(clock) {
  const flag = clock.in_byoyomi ?? clock.overtime ?? clock.in_overtime ?? clock.byoyomi;
  if (typeof flag === "boolean") return flag;
  if (typeof clock.stage === "string") return clock.stage !== "main";
  if (typeof clock.phase === "string") return clock.phase !== "main";
  if (clock.main_ms !== undefined) return Number(clock.main_ms) <= 0;
  return false;
}

/**
 * What a clock shows `elapsedMs` after the push it came in.
 * Returns {system, ms, stage: "main"|"overtime"|"none", periods, periodMs, stones, flagged}.
 */
export function clockView(clock, tc, elapsedMs) {
  tc = tc || {};
  clock = clock || {};
  const system = tc.system ?? clock.system ?? "absolute";
  if (system === "none") return { system, ms: Infinity, stage: "none", flagged: false };
  const running = !!clock.running;
  const elapsed = running ? Math.max(0, elapsedMs) : 0;
  const periodMs = num(clock.period_ms, tc.period !== undefined ? tc.period * 1000 : undefined) ?? 0;
  let periods = num(clock.periods_left, clock.periods, tc.periods) ?? 0;
  let stones = num(clock.stones_left, clock.stones, tc.stones) ?? 0;
  let overtime = system === "byoyomi" || system === "canadian" ? inOvertime(clock) : false;
  let ms = (num(clock.remaining_ms, clock.remaining) ?? 0) - elapsed;

  if (system === "byoyomi" && periodMs > 0) {
    if (!overtime && ms <= 0) {
      overtime = true;
      ms += periodMs; // main time is over: the first period starts in full
      periods = Math.max(periods, 1);
    }
    while (overtime && ms <= 0 && periods > 1) {
      periods -= 1;
      ms += periodMs;
    }
  } else if (system === "canadian" && periodMs > 0) {
    if (!overtime && ms <= 0) {
      overtime = true;
      ms += periodMs;
      stones = num(tc.stones, stones) ?? stones;
    }
  }
  const flagged = ms <= 0 || clock.flagged === true;
  return {
    system,
    ms: Math.max(0, ms),
    stage: overtime ? "overtime" : "main",
    periods,
    periodMs,
    stones,
    running,
    flagged,
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
  switch (view.system) {
    case "none": return "No time limit";
    case "absolute": return "Sudden death";
    case "fischer": return `+${shortSeconds(tc.increment)} per move`;
    case "byoyomi":
      return view.stage === "overtime"
        ? `Byo-yomi · ${view.periods} period${view.periods === 1 ? "" : "s"} left`
        : `then ${view.periods} × ${shortSeconds(view.periodMs / 1000)}`;
    case "canadian":
      return view.stage === "overtime"
        ? `${view.stones} stone${view.stones === 1 ? "" : "s"} in this period`
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
    case "byoyomi": return `${shortSeconds(tc.main)} + ${tc.periods} × ${shortSeconds(tc.period)}`;
    case "canadian": return `${shortSeconds(tc.main)} + ${tc.stones}/${shortSeconds(tc.period)}`;
    default: return String(tc.system);
  }
}
