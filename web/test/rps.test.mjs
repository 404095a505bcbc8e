// Rock, paper, scissors' pure client helpers: node --test web/test/
import { test } from "node:test";
import assert from "node:assert/strict";

import { describeRound, describeResult, roundPrompt } from "../games/rps/hands.js";

const game = (extra = {}) => ({ phase: "choosing", players: { one: { name: "Ann" }, two: { name: "Ben" } }, chosen: { one: false, two: false }, mine: null, ...extra });

test("rps: rounds and results name the players", () => {
  assert.equal(describeRound(game(), { one: "rock", two: "scissors" }, 0), "Round 1: Rock against Scissors, Ann wins.");
  assert.equal(describeRound(game(), { one: "paper", two: "paper" }, 1), "Round 2: Paper against Paper, a tie.");
  assert.equal(describeRound(game(), { one: null, two: "rock" }, 2), "Round 3: No choice against Rock, Ben wins.");
  assert.equal(describeResult(game({ result: "two wins" })), "Ben wins");
  assert.equal(describeResult(game({ result: "Void" })), "Game cancelled: nobody joined");
});

test("rps: the prompt says who chose, never what the opponent chose", () => {
  assert.equal(roundPrompt(game({ mine: "rock", chosen: { one: true, two: false } }), "one"), "You chose rock. Waiting for Ben…");
  assert.equal(roundPrompt(game({ chosen: { one: true, two: false } }), "two"), "Ann has chosen. Your choice.");
  assert.equal(roundPrompt(game({ chosen: { one: true, two: false } }), null), "Ann chose.");
  assert.equal(roundPrompt(game({ phase: "waiting" }), "one"), "Waiting for an opponent.");
});
