// Go's part of the store (pure, no DOM): how an `update` event changes the move list (the
// server leaves `moves` out of updates), and a sanity check on the copy we hold.

/** The move list after `event`: a move or a pass is appended, an accepted undo drops moves. */
export function replay(moves, event) {
  const next = [...moves];
  switch (event?.kind) {
    case "move":
      next.push({ color: event.color, x: Number(event.x), y: Number(event.y) });
      break;
    case "pass":
      next.push({ color: event.color, pass: true });
      break;
    case "undo_accepted": {
      const n = Number(event.count ?? event.moves ?? 1) || 1;
      next.splice(Math.max(0, next.length - n), n);
      break;
    }
    default:
      break;
  }
  return next;
}

/** The stones on the board can never outnumber the moves that placed them plus handicap stones. */
export function consistent(game) {
  if (!Array.isArray(game.board)) return true;
  let stones = 0;
  for (const row of game.board) for (const c of row) if (c !== ".") stones += 1;
  return stones <= game.moves.filter((m) => !m.pass).length + 9;
}
