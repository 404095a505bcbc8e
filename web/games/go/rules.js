// Pure Go helpers for the client: coordinates as players write them, groups and a territory
// estimate for shading during scoring. No DOM, no socket. The server remains the authority on
// legality and on the score; this only decides what to draw.

const LETTERS = "ABCDEFGHJKLMNOPQRSTUVWXYZ"; // GTP letters: no I

/** Column letter for x (0-based from the left). */
export function columnName(x) {
  return LETTERS[x] ?? "?";
}

/** "D4" for x=3, y=size-4 (y is 0-based from the top; rows are numbered from the bottom). */
export function pointName(x, y, size) {
  return `${columnName(x)}${size - y}`;
}

/** Points arrive as {x, y} or [x, y]; returns {x, y} or null. */
export function toPoint(p) {
  if (p === null || p === undefined) return null;
  if (Array.isArray(p) && p.length >= 2) return { x: Number(p[0]), y: Number(p[1]) };
  if (typeof p === "object" && "x" in p && "y" in p) return { x: Number(p.x), y: Number(p.y) };
  return null;
}

export const key = (x, y) => `${x},${y}`;

/** Star points (hoshi) for a board size. */
export function starPoints(size) {
  if (size < 7) return [];
  const edge = size >= 13 ? 3 : 2;
  const far = size - 1 - edge;
  const mid = (size - 1) / 2;
  const pts = [[edge, edge], [far, edge], [edge, far], [far, far]];
  if (size % 2 === 1) {
    pts.push([mid, mid]);
    if (size >= 19) pts.push([mid, edge], [mid, far], [edge, mid], [far, mid]);
  }
  return pts;
}

/** Colour letter at a point of a board given as a list of row strings. */
export function at(board, x, y) {
  return board[y]?.[x] ?? ".";
}

function neighbours(x, y, size) {
  const out = [];
  if (x > 0) out.push([x - 1, y]);
  if (x < size - 1) out.push([x + 1, y]);
  if (y > 0) out.push([x, y - 1]);
  if (y < size - 1) out.push([x, y + 1]);
  return out;
}

/** All points of the same colour connected to (x, y). */
export function groupAt(board, x, y) {
  const size = board.length;
  const colour = at(board, x, y);
  if (colour === ".") return [];
  const seen = new Set([key(x, y)]);
  const stack = [[x, y]];
  const out = [];
  while (stack.length) {
    const [cx, cy] = stack.pop();
    out.push({ x: cx, y: cy });
    for (const [nx, ny] of neighbours(cx, cy, size)) {
      const k = key(nx, ny);
      if (!seen.has(k) && at(board, nx, ny) === colour) {
        seen.add(k);
        stack.push([nx, ny]);
      }
    }
  }
  return out;
}

/**
 * Territory estimate: with dead stones removed, every empty region that touches only one colour
 * belongs to it; dead stones count as territory of the other side. Returns Map key -> "X" | "O".
 */
export function territory(board, deadKeys) {
  const size = board.length;
  const grid = board.map((row, y) =>
    [...row].map((c, x) => (deadKeys.has(key(x, y)) ? "." : c)));
  const owner = new Map();
  const seen = new Set();
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (grid[y][x] !== "." || seen.has(key(x, y))) continue;
      const region = [];
      const borders = new Set();
      const stack = [[x, y]];
      seen.add(key(x, y));
      while (stack.length) {
        const [cx, cy] = stack.pop();
        region.push([cx, cy]);
        for (const [nx, ny] of neighbours(cx, cy, size)) {
          const c = grid[ny][nx];
          if (c === ".") {
            const k = key(nx, ny);
            if (!seen.has(k)) { seen.add(k); stack.push([nx, ny]); }
          } else {
            borders.add(c);
          }
        }
      }
      if (borders.size === 1) {
        const c = [...borders][0];
        for (const [rx, ry] of region) owner.set(key(rx, ry), c);
      }
    }
  }
  return owner;
}

/** "B+3.5" -> "Black wins by 3.5 points", "W+R" -> "White wins by resignation", ... */
export function describeResult(result) {
  if (!result) return "";
  const r = String(result).trim();
  if (/^(0|draw|jigo|B\+0|W\+0)$/i.test(r)) return "Draw (jigo)";
  if (/^void$/i.test(r)) return "Game cancelled: nobody joined";
  const m = /^([BW])\+(.*)$/i.exec(r);
  if (!m) return r;
  const who = m[1].toUpperCase() === "B" ? "Black" : "White";
  const how = m[2].toUpperCase();
  if (how === "R" || how === "RESIGN") return `${who} wins by resignation`;
  if (how === "T" || how === "TIME") return `${who} wins on time`;
  if (how === "F" || how === "FORFEIT") return `${who} wins by forfeit`;
  if (how === "") return `${who} wins`;
  const n = Number(how);
  return Number.isFinite(n) ? `${who} wins by ${n} point${n === 1 ? "" : "s"}` : `${who} wins (${m[2]})`;
}

/**
 * The sentence under the result: why the game ended that way. `event` is the event that ended
 * it when we saw it live (it tells a scoring timeout apart), else null.
 */
export function resultDetail(result, event = null) {
  const r = String(result ?? "").trim();
  if (/^void$/i.test(r)) return "Nobody took the free seat in time, so the game never started.";
  const m = /^([BW])\+(.*)$/i.exec(r);
  if (!m) return "";
  const loser = m[1].toUpperCase() === "B" ? "White" : "Black";
  const how = m[2].toUpperCase();
  if (how === "T" || how === "TIME") return `${loser} ran out of time.`;
  if (how === "F" || how === "FORFEIT") return `${loser} left the game and did not come back.`;
  if (how === "R" || how === "RESIGN") return `${loser} resigned.`;
  if (event?.kind === "finished" && event.reason === "scoring_timeout") {
    return "Scoring was not finished in time: the stones were counted as marked.";
  }
  return "";
}

/** Text for the reason of an illegal_move error. */
export function illegalReason(reason, name) {
  const at = name ? ` at ${name}` : "";
  switch (reason) {
    case "occupied": return `There is already a stone${at}.`;
    case "suicide": return `Playing${at} would be suicide: the stone would have no liberties.`;
    case "ko": return `Ko: you cannot retake${at} immediately. Play elsewhere first.`;
    case "superko": return `Superko: playing${at} would repeat an earlier position.`;
    case "off_board": return `That point is off the board.`;
    default: return `That move is not allowed${at}.`;
  }
}

/**
 * The rulesets the server offers (`create {ruleset}`), with what the create form needs: the
 * label, the default komi (even game, handicap game), and whether handicap stones may be
 * placed freely and are by default. The server applies the same defaults when a client omits
 * komi or handicap_placement.
 */
export const RULESETS = [
  { id: "japanese", label: "Japanese (territory)", title: "Japanese", komi: 6.5, handicapKomi: 0.5, free: false, freeByDefault: false },
  { id: "korean", label: "Korean (territory)", title: "Korean", komi: 6.5, handicapKomi: 0.5, free: false, freeByDefault: false },
  { id: "chinese", label: "Chinese (area)", title: "Chinese", komi: 7.5, handicapKomi: 0.5, free: true, freeByDefault: true },
  { id: "aga", label: "AGA (area)", title: "AGA", komi: 7.5, handicapKomi: 0.5, free: true, freeByDefault: false },
  { id: "new_zealand", label: "New Zealand (area)", title: "New Zealand", komi: 7, handicapKomi: 0, free: true, freeByDefault: true },
  { id: "ing", label: "Ing (area)", title: "Ing", komi: 7.5, handicapKomi: 0.5, free: true, freeByDefault: true },
];

/** "Chinese rules", "New Zealand rules", ...; "" when unknown. */
export function rulesetName(id) {
  const r = RULESETS.find((x) => x.id === id);
  return r ? `${r.title} rules` : id ? `${id} rules` : "";
}

/** The line the scoring panel shows for White's handicap compensation, or "". */
export function compensationText(score) {
  const n = Number(score?.handicap_compensation ?? 0);
  return n > 0 ? `White +${n} for the handicap` : "";
}

export const COLOURS = { black: "X", white: "O" };
export const other = (colour) => (colour === "black" ? "white" : "black");
export const colourName = (colour) => (colour === "black" ? "Black" : colour === "white" ? "White" : "");
