// Connect four's pure helpers (no DOM): how an update's event grows the move list, what the
// board rows say about a column, and the texts people read. Columns are 0-based on the wire
// and 1-based for people ("Column 1" is the leftmost).

export const SEATS = ["red", "yellow"];
export const DISC = { red: "R", yellow: "Y" };

export const seatName = (seat) => (seat === "red" ? "Red" : seat === "yellow" ? "Yellow" : "");
export const otherSeat = (seat) => (seat === "red" ? "yellow" : "red");
export const columnName = (column) => `Column ${column + 1}`;

/** The move list after an update's event: a drop is appended (updates leave `moves` out). */
export function replay(moves, event) {
  if (event?.kind !== "drop") return moves;
  return [...moves, { seat: event.seat, column: Number(event.column), row: Number(event.row) }];
}

/** The grid must hold exactly the discs the moves dropped. */
export function consistent(game) {
  if (!Array.isArray(game.board) || !Array.isArray(game.moves)) return true;
  let discs = 0;
  for (const row of game.board) for (const c of row) if (c !== ".") discs += 1;
  return discs === game.moves.length;
}

/** The seats of the discs in `column`, from the bottom up. */
export function columnDiscs(board, column) {
  const out = [];
  for (let r = board.length - 1; r >= 0; r -= 1) {
    const c = board[r][column];
    if (c === "R") out.push("red");
    else if (c === "Y") out.push("yellow");
  }
  return out;
}

export function columnFull(board, column) {
  return board.length > 0 && board[0][column] !== ".";
}

/** What a screen reader says about a column besides its name. */
export function columnDescription(board, column) {
  const discs = columnDiscs(board, column);
  if (!discs.length) return "empty";
  const free = board.length - discs.length;
  return `${discs.join(", ")} from the bottom; ${free ? `${free} free` : "full"}`;
}

/** The result as a headline: "Red wins", "Draw", "Game cancelled: nobody joined". */
export function describeResult(result) {
  if (!result) return "";
  if (result === "draw") return "Draw";
  if (result === "Void") return "Game cancelled: nobody joined";
  const m = /^(red|yellow) wins$/.exec(result);
  return m ? `${seatName(m[1])} wins` : String(result);
}

/** Why the game ended, from `game.end` ("four", "full", "resign", "forfeit"). */
export function resultDetail(game) {
  const winner = /^(red|yellow) wins$/.exec(game.result ?? "")?.[1] ?? null;
  switch (game.end) {
    case "four": return "Four in a row.";
    case "full": return "The grid is full.";
    case "resign": return winner ? `${seatName(otherSeat(winner))} resigned.` : "";
    case "forfeit": return winner ? `${seatName(otherSeat(winner))} left the game and did not come back.` : "";
    default: return "";
  }
}

/** The live announcement after a change: "Move 5: Red in column 4. Your turn." */
export function describeState(game, mine) {
  const parts = [];
  const last = game.last;
  const n = game.moves?.length ?? 0;
  if (last) parts.push(`Move ${n}: ${seatName(last.seat)} in ${columnName(last.column).toLowerCase()}.`);
  if (game.phase === "waiting") parts.push("Waiting for an opponent.");
  else if (game.phase === "playing" && game.turn) parts.push(game.turn === mine ? "Your turn." : `${seatName(game.turn)} to play.`);
  else if (game.phase === "finished") parts.push(`${describeResult(game.result) || "Game over"}.`);
  return parts.join(" ");
}

/** The cells of the winning line(s), as "column,row" keys. */
export function winKeys(game) {
  return new Set((game.win?.cells ?? []).map((c) => `${c.column},${c.row}`));
}
