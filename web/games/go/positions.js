// Pure Go replay for the review: the position after every move of a game, from its setup
// stones (handicap) and its move list. No DOM, no socket. The server stays the authority: this
// only redraws positions the server already accepted (captures, suicide where the rules allow
// it), so it checks nothing.

import { groupAt, key } from "./rules.js";

const STONE = { black: "X", white: "O" };

function neighbours(x, y, size) {
  const out = [];
  if (x > 0) out.push([x - 1, y]);
  if (x < size - 1) out.push([x + 1, y]);
  if (y > 0) out.push([x, y - 1]);
  if (y < size - 1) out.push([x, y + 1]);
  return out;
}

function hasLiberty(board, group) {
  const size = board.length;
  return group.some(({ x, y }) => neighbours(x, y, size).some(([nx, ny]) => board[ny][nx] === "."));
}

function removeGroup(rows, group) {
  for (const { x, y } of group) rows[y][x] = ".";
}

/** An empty board of `size` rows. */
export function emptyBoard(size) {
  return Array.from({ length: size }, () => ".".repeat(size));
}

/** `board` (row strings) with `colour` played at (x, y): captures first, then suicide.
 * Returns {board, captured} (captured: how many stones the move took). */
export function playOn(board, colour, x, y) {
  const size = board.length;
  const rows = board.map((row) => [...row]);
  const mine = STONE[colour];
  rows[y][x] = mine;
  const view = () => rows.map((r) => r.join(""));
  let captured = 0;
  for (const [nx, ny] of neighbours(x, y, size)) {
    const c = rows[ny][nx];
    if (c === "." || c === mine) continue;
    const current = view();
    const group = groupAt(current, nx, ny);
    if (!hasLiberty(current, group)) { captured += group.length; removeGroup(rows, group); }
  }
  const after = view();
  const own = groupAt(after, x, y);
  if (!hasLiberty(after, own)) removeGroup(rows, own); // suicide (New Zealand, Ing)
  return { board: view(), captured };
}

/** The handicap stones (AB) of an SGF record, as {x, y} from the top-left. */
export function setupFromSgf(sgf) {
  const found = /AB((?:\s*\[[a-z]{2}\])+)/.exec(String(sgf ?? ""));
  if (!found) return [];
  return [...found[1].matchAll(/\[([a-z])([a-z])\]/g)].map((m) => ({
    x: m[1].charCodeAt(0) - 97, y: m[2].charCodeAt(0) - 97,
  }));
}

/**
 * Every position of a game: positions[0] is the setup, positions[i] the board after move i.
 * Each is {board, last: {x, y} | null, move: the move | null, numbers: Map(key -> move number)
 * for the stones on the board}.
 */
export function replay(size, setup, moves) {
  let board = emptyBoard(size);
  for (const { x, y } of setup) board = playOn(board, "black", x, y).board;
  let numbers = new Map();
  const positions = [{ board, last: null, move: null, numbers }];
  moves.forEach((move, i) => {
    if (!move.pass && Number.isInteger(move.x) && Number.isInteger(move.y)) {
      board = playOn(board, move.color, move.x, move.y).board;
      numbers = new Map(numbers);
      numbers.set(key(move.x, move.y), i + 1);
      for (const [k] of numbers) {
        const [nx, ny] = k.split(",").map(Number);
        if (board[ny][nx] === ".") numbers.delete(k);
      }
    }
    positions.push({ board, last: move.pass ? null : { x: move.x, y: move.y }, move, numbers });
  });
  return positions;
}
