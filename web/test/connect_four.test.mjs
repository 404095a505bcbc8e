// Connect four's pure client helpers: node --test web/test/
import { test } from "node:test";
import assert from "node:assert/strict";

import {
  replay, consistent, columnDescription, columnFull, describeResult, resultDetail, describeState, winKeys,
} from "../games/connect_four/grid.js";

test("connect four: a drop event appends a move, anything else leaves the list alone", () => {
  const moves = replay([], { kind: "drop", seat: "red", column: 3, row: 5 });
  assert.deepEqual(moves, [{ seat: "red", column: 3, row: 5 }]);
  assert.equal(replay(moves, { kind: "player_connected", seat: "red" }), moves);
});

test("connect four: the grid must hold as many discs as moves", () => {
  const board = ["....", "....", "....", "R..Y"];
  assert.equal(consistent({ board, moves: [{}, {}] }), true);
  assert.equal(consistent({ board, moves: [{}] }), false);
});

test("connect four: a column reads bottom up, and says when it is full", () => {
  const board = ["Y...", "R...", "Y...", "R..."];
  assert.equal(columnDescription(board, 0), "red, yellow, red, yellow from the bottom; full");
  assert.equal(columnDescription(board, 1), "empty");
  assert.equal(columnFull(board, 0), true);
  assert.equal(columnFull(board, 1), false);
});

test("connect four: results read as sentences", () => {
  assert.equal(describeResult("yellow wins"), "Yellow wins");
  assert.equal(describeResult("draw"), "Draw");
  assert.equal(describeResult("Void"), "Game cancelled: nobody joined");
  assert.equal(resultDetail({ result: "red wins", end: "resign" }), "Yellow resigned.");
  assert.equal(resultDetail({ result: "red wins", end: "forfeit" }), "Yellow left the game and did not come back.");
  assert.equal(resultDetail({ result: "draw", end: "full" }), "The grid is full.");
  assert.equal(resultDetail({ result: "red wins", end: "four" }), "Four in a row.");
});

test("connect four: the announcement names the last drop and whose turn it is", () => {
  const g = { phase: "playing", turn: "yellow", last: { seat: "red", column: 3, row: 5 }, moves: [{}] };
  assert.equal(describeState(g, "yellow"), "Move 1: Red in column 4. Your turn.");
  assert.equal(describeState(g, null), "Move 1: Red in column 4. Yellow to play.");
  assert.deepEqual([...winKeys({ win: { cells: [{ column: 0, row: 5 }, { column: 1, row: 5 }] } })], ["0,5", "1,5"]);
});
