// Light cycles' pure helpers (no DOM): how an update's event grows the trail list, the cells
// to draw, which key steers where, and the texts people read. The server's snapshot carries
// the grid as rows (`.` empty, a seat's initial its trail); updates leave it out, and the
// store keeps `moves` here as the cells painted since that snapshot, from each tick's `heads`.

export const SEATS = ["red", "blue", "green", "yellow"];
export const COLOURS = { red: "#ff5252", blue: "#40c4ff", green: "#69f0ae", yellow: "#ffd740" };
export const DIRS = ["up", "down", "left", "right"];
const OPPOSITE = { up: "down", down: "up", left: "right", right: "left" };
const LETTER_SEAT = { r: "red", b: "blue", g: "green", y: "yellow" };

/** Arrow keys and WASD to a direction, anything else to null. */
export function keyDirection(key) {
  const k = String(key).toLowerCase();
  return { arrowup: "up", w: "up", arrowdown: "down", s: "down", arrowleft: "left", a: "left",
    arrowright: "right", d: "right" }[k] ?? null;
}

export const seatName = (seat) => (seat ? seat[0].toUpperCase() + seat.slice(1) : "");

/** The trail cells painted since the snapshot, after an update's event (a tick's heads). */
export function replay(moves, event) {
  if (event?.kind !== "tick" || !event.heads) return moves;
  const heads = Object.entries(event.heads);
  if (!heads.length) return moves;
  return [...moves, ...heads.map(([seat, [x, y]]) => ({ seat, x: Number(x), y: Number(y) }))];
}

/** Every trail cell as {seat, x, y}: the snapshot's grid, then the cells painted since. */
export function cells(game) {
  const out = [];
  (game?.grid ?? []).forEach((row, y) => {
    for (let x = 0; x < row.length; x += 1) {
      const seat = LETTER_SEAT[row[x]];
      if (seat) out.push({ seat, x, y });
    }
  });
  for (const m of game?.moves ?? []) out.push(m);
  return out;
}

/** Whether a steer may go: a reversal of the rider's heading is refused by the server. */
export function canSteer(heading, dir) {
  return DIRS.includes(dir) && OPPOSITE[heading] !== dir;
}

/** The player's name for a seat, else its colour. */
export function riderName(game, seat) {
  return game?.players?.[seat]?.name || seatName(seat);
}

/** "Ann wins", "Draw". */
export function describeResult(game) {
  const r = game?.result;
  if (!r) return "";
  if (r === "Draw") return "Draw: nobody is left riding";
  const seat = r.split(" ")[0];
  return `${riderName(game, seat)} wins`;
}

/** The line above the grid: the countdown, the tick, or the result. */
export function describeState(game, mine, nowMs) {
  if (!game) return "";
  if (game.phase === "waiting") return "Waiting for riders to join…";
  if (game.phase === "finished") return describeResult(game);
  if (game.phase === "countdown") {
    const left = Math.max(0, Math.ceil((Number(game.next_tick_at) * 1000 - nowMs) / 1000));
    return `Starts in ${left}…`;
  }
  const rider = mine ? game.riders?.[mine] : null;
  if (rider && !rider.alive) return "You crashed. Watching the others ride.";
  return `Tick ${game.tick}`;
}
