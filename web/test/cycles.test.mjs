// Light cycles' pure client helpers: node --test web/test/
import { test } from "node:test";
import assert from "node:assert/strict";

import { replay, cells, keyDirection, canSteer, describeResult, describeState } from "../games/cycles/arena.js";

test("cycles: a tick's heads are appended, anything else leaves the trail list alone", () => {
  const moves = replay([], { kind: "tick", tick: 1, heads: { red: [3, 4], blue: [8, 7] }, crashed: [] });
  assert.deepEqual(moves, [{ seat: "red", x: 3, y: 4 }, { seat: "blue", x: 8, y: 7 }]);
  assert.equal(replay(moves, { kind: "steer", seat: "red" }), moves);
  assert.equal(replay(moves, { kind: "tick", tick: 2, heads: {}, crashed: ["red", "blue"] }), moves);
});

test("cycles: the cells are the snapshot's grid plus what was painted since", () => {
  const game = { grid: ["r..", "...", "..b"], moves: [{ seat: "red", x: 1, y: 0 }] };
  assert.deepEqual(cells(game), [{ seat: "red", x: 0, y: 0 }, { seat: "blue", x: 2, y: 2 },
    { seat: "red", x: 1, y: 0 }]);
});

test("cycles: arrows and WASD steer; a reversal is not offered", () => {
  assert.equal(keyDirection("ArrowUp"), "up");
  assert.equal(keyDirection("a"), "left");
  assert.equal(keyDirection("D"), "right");
  assert.equal(keyDirection("x"), null);
  assert.equal(canSteer("right", "left"), false);
  assert.equal(canSteer("right", "down"), true);
});

test("cycles: the state line counts down, then says the tick or the result", () => {
  const players = { red: { name: "Ann" }, blue: { name: "Ben" } };
  assert.equal(describeState({ phase: "countdown", next_tick_at: 10 }, "red", 8200), "Starts in 2…");
  assert.equal(describeState({ phase: "riding", tick: 7, riders: { red: { alive: true } } }, "red", 0), "Tick 7");
  assert.equal(describeResult({ result: "red wins", players }), "Ann wins");
  assert.equal(describeResult({ result: "Draw", players }), "Draw: nobody is left riding");
});
