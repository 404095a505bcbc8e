// Tests for the pure modules of the web client (no browser needed):
//   node --test web/test/
import { test } from "node:test";
import assert from "node:assert/strict";

import { clockView, clockDetail, describeTimeControl, formatMs, urgency } from "../games/go/clock.js";
import {
  pointName, describeResult, resultDetail, territory, groupAt, starPoints, rulesetName, compensationText, RULESETS,
} from "../games/go/rules.js";
import { GameStore } from "../core/store.js";
import { replay, consistent } from "../games/go/replay.js";
import { retryDelay, RETRY_CAP_MS } from "../core/protocol.js";
import { replay as positions, setupFromSgf, playOn } from "../games/go/positions.js";
import { describeEstimate } from "../games/go/estimate.js";
import { formatDate } from "../core/history.js";

const GO = { name: "go", replay, consistent };
const kinds = (name) => (name === "go" ? GO : null);

const BYO = { system: "byoyomi", main: 600, periods: 3, period: 30 };

test("points are named as players write them: GTP letters without I, rows from the bottom", () => {
  assert.equal(pointName(0, 0, 9), "A9");
  assert.equal(pointName(3, 5, 9), "D4");
  assert.equal(pointName(15, 3, 19), "Q16");
  assert.equal(pointName(8, 8, 9), "J1");
});

test("star points: 5 on 9x9 and 13x13, 9 on 19x19", () => {
  assert.equal(starPoints(9).length, 5);
  assert.equal(starPoints(13).length, 5);
  assert.equal(starPoints(19).length, 9);
});

test("byo-yomi counts main time, then the current period, then whole periods", () => {
  const clock = { remaining_ms: 5000, running: true, periods: 3, period_ms: 30000 };
  assert.deepEqual([clockView(clock, BYO, 2000).stage, clockView(clock, BYO, 2000).ms], ["main", 3000]);
  const v = clockView(clock, BYO, 40000); // 5 s main + 30 s first period + 5 s of the second
  assert.equal(v.stage, "overtime");
  assert.equal(v.periods, 2);
  assert.equal(v.ms, 25000);
  assert.equal(clockView(clock, BYO, 96000).flagged, true);
});

test("a clock that is not running does not move", () => {
  const v = clockView({ remaining_ms: 50000, running: false }, { system: "absolute", main: 300 }, 99000);
  assert.equal(v.ms, 50000);
});

test("canadian overtime keeps the stones the server reports", () => {
  const tc = { system: "canadian", main: 60, stones: 10, period: 120 };
  const v = clockView({ remaining_ms: 0, running: true, period_ms: 50000, stones: 4 }, tc, 3000);
  assert.deepEqual([v.stage, v.ms, v.stones], ["overtime", 47000, 4]);
});

test("no time limit shows infinity and never warns", () => {
  const v = clockView({ remaining_ms: null, running: true }, { system: "none" }, 1e9);
  assert.equal(formatMs(v.ms), "∞");
  assert.equal(urgency(v), "");
});

test("formatting: tenths under ten seconds, hours when needed", () => {
  assert.equal(formatMs(9400), "0:09.4");
  assert.equal(formatMs(65000), "1:05");
  assert.equal(formatMs(3723000), "1:02:03");
});

test("results read as sentences", () => {
  assert.equal(describeResult("B+3.5"), "Black wins by 3.5 points");
  assert.equal(describeResult("W+R"), "White wins by resignation");
  assert.equal(describeResult("B+T"), "Black wins on time");
  assert.equal(describeResult("W+T"), "White wins on time");
  assert.equal(describeResult("Void"), "Game cancelled: nobody joined");
  assert.equal(describeResult("W+F"), "White wins by forfeit");
  assert.equal(resultDetail("W+T"), "Black ran out of time.");
  assert.equal(resultDetail("B+F"), "White left the game and did not come back.");
  assert.match(resultDetail("Void"), /never started/);
  assert.match(resultDetail("B+2.5", { kind: "finished", reason: "scoring_timeout" }), /counted as marked/);
  assert.equal(resultDetail("B+2.5", { kind: "finished" }), "");
});

test("territory: regions bordered by one colour, dead stones removed", () => {
  const board = [
    ".X.O.",
    ".X.O.",
    ".XOO.",
    "XXO..",
    "..O.X",
  ];
  const owner = territory(board, new Set(["4,4"]));
  assert.equal(owner.get("0,0"), "X");
  assert.equal(owner.get("4,0"), "O");
  assert.equal(owner.get("4,4"), "O"); // the dead black stone is white's
  assert.equal(owner.get("2,0"), undefined); // between the walls: dame
  assert.equal(groupAt(board, 1, 0).length, 5);
});

function snapshot(rev, extra = {}) {
  return { id: "g1", rev, phase: "playing", board: ["...", "...", "..."], moves: [], players: {}, ...extra };
}

test("store: updates append moves, duplicates are ignored, a gap asks for a resync", () => {
  const asked = [];
  const store = new GameStore({ resync: (id, since) => { asked.push([id, since]); return new Promise(() => {}); }, kinds });
  store.applyGame({ game: snapshot(5) });
  const g = (rev, board) => ({ id: "g1", rev, phase: "playing", board, players: {} });
  assert.equal(store.applyUpdate({ game_id: "g1", rev: 6, event: { kind: "move", color: "black", x: 1, y: 1 }, game: g(6, ["...", ".X.", "..."]) }), "applied");
  assert.equal(store.applyUpdate({ game_id: "g1", rev: 6, event: { kind: "move", color: "black", x: 1, y: 1 }, game: g(6, ["...", ".X.", "..."]) }), "duplicate");
  assert.equal(store.applyUpdate({ game_id: "g1", rev: 7, event: { kind: "pass", color: "white" }, game: g(7, ["...", ".X.", "..."]) }), "applied");
  assert.deepEqual(store.get("g1").game.moves, [{ color: "black", x: 1, y: 1 }, { color: "white", pass: true }]);
  assert.equal(store.applyUpdate({ game_id: "g1", rev: 9, event: { kind: "pass", color: "black" }, game: g(9, ["...", ".X.", "..."]) }), "gap");
  assert.deepEqual(asked, [["g1", 7]]);
  assert.equal(store.get("g1").game.rev, 7);
});

test("store: an accepted undo drops the last move; a game push replaces everything", () => {
  const store = new GameStore({ resync: () => Promise.resolve(), kinds });
  store.applyGame({ game: snapshot(1, { moves: [{ color: "black", x: 0, y: 0 }] }) });
  store.applyUpdate({ game_id: "g1", rev: 2, event: { kind: "undo_accepted", color: "black", moves: 1 }, game: snapshot(2) });
  assert.deepEqual(store.get("g1").game.moves, []);
  store.applyGame({ game: snapshot(1, { moves: [{ color: "black", pass: true }] }) });
  assert.equal(store.get("g1").game.rev, 1);
  assert.equal(store.get("g1").game.moves.length, 1);
});

test("store: score acceptance follows the server's list", () => {
  const store = new GameStore({ resync: () => Promise.resolve(), kinds });
  store.applyGame({ game: snapshot(1, { phase: "scoring", accepted: ["white"] }) });
  assert.deepEqual(store.get("g1").accepted, { black: false, white: true });
});

test("a clock at zero says so; time controls without main time leave it out", () => {
  const tc = { system: "byoyomi", main: 0, periods: 2, period: 3 };
  const clock = { remaining_ms: 0, running: true, periods: 1, period_ms: 1000 };
  assert.equal(clockDetail(clockView(clock, tc, 500), tc), "Last period");
  assert.equal(clockDetail(clockView(clock, tc, 1000), tc), "Out of time");
  assert.equal(describeTimeControl(tc), "2 × 3s byo-yomi");
  assert.equal(describeTimeControl(BYO), "10 min + 3 × 30s byo-yomi");
  assert.equal(describeTimeControl({ system: "canadian", main: 0, stones: 5, period: 60 }), "5 stones / 1 min");
  assert.equal(describeTimeControl({ system: "absolute", main: 6 }), "6s sudden death");
});

test("rulesets read as their names; the compensation line appears only when White gets points", () => {
  assert.deepEqual(RULESETS.map((r) => r.id), ["japanese", "korean", "chinese", "aga", "new_zealand", "ing"]);
  assert.equal(rulesetName("new_zealand"), "New Zealand rules");
  assert.equal(rulesetName("aga"), "AGA rules");
  assert.equal(rulesetName("martian"), "martian rules");
  assert.equal(rulesetName(undefined), "");
  assert.equal(compensationText({ black: 40, white: 43.5, handicap_compensation: 3 }), "White +3 for the handicap");
  assert.equal(compensationText({ black: 40, white: 43.5, handicap_compensation: 0 }), "");
  assert.equal(compensationText(null), "");
});

test("reconnect backoff: the first retry is fast, later ones are capped at a few seconds, with jitter", () => {
  assert.ok(retryDelay(1, () => 1) <= 200);
  assert.equal(retryDelay(2, () => 0.5), 500);
  for (let attempt = 1; attempt < 50; attempt++) assert.ok(retryDelay(attempt, () => 1) <= RETRY_CAP_MS * 1.2);
  assert.notEqual(retryDelay(6, () => 0), retryDelay(6, () => 1));
});

test("replay: a capture empties the captured point, and the numbers follow the stones on the board", () => {
  // Black surrounds the white stone at B2 (x=1, y=1 from the top) on 5x5.
  const moves = [
    { color: "black", x: 1, y: 0 }, { color: "white", x: 1, y: 1 },
    { color: "black", x: 0, y: 1 }, { color: "white", pass: true },
    { color: "black", x: 2, y: 1 }, { color: "white", x: 4, y: 4 },
    { color: "black", x: 1, y: 2 },
  ];
  const all = positions(5, [], moves);
  assert.equal(all.length, 8);
  assert.deepEqual(all[0].board, [".....", ".....", ".....", ".....", "....."]);
  assert.deepEqual(all[6].board, [".X...", "XOX..", ".....", ".....", "....O"]);
  assert.deepEqual(all[7].board, [".X...", "X.X..", ".X...", ".....", "....O"]);
  assert.equal(all[7].numbers.get("1,1"), undefined);
  assert.equal(all[7].numbers.get("1,2"), 7);
  assert.equal(all[4].last, null); // a pass
});

test("replay: suicide (where the rules allow it) removes the player's own group", () => {
  const board = [".X...", "X....", ".....", ".....", "....."];
  assert.deepEqual(playOn(board, "white", 0, 0).board, board);
});

test("replay: handicap stones come from the SGF record's AB", () => {
  const sgf = "(;GM[1]FF[4]SZ[9]HA[2]AB[cg][gc]KM[0.5];W[ee])";
  assert.deepEqual(setupFromSgf(sgf), [{ x: 2, y: 6 }, { x: 6, y: 2 }]);
  const [start] = positions(9, setupFromSgf(sgf), []);
  assert.equal(start.board[6][2], "X");
  assert.deepEqual(setupFromSgf("(;GM[1]SZ[9])"), []);
});

test("an estimate says who leads and how many stones it took for dead", () => {
  assert.equal(describeEstimate({ black: 41, white: 47.5, dead: [{ x: 1, y: 1 }] }),
    "Black 41, White 47.5: White leads by 6.5 (1 stone counted as dead)");
  assert.equal(describeEstimate({ black: 3, white: 3, dead: [] }), "Black 3, White 3: even");
});

test("finished games are dated YYYY-MM-DD HH:MM in local time, from seconds or ms", () => {
  const t = new Date(2026, 11, 2, 4, 5).getTime();
  assert.equal(formatDate(t / 1000), "2026-12-02 04:05");
  assert.equal(formatDate(t), "2026-12-02 04:05");
  assert.equal(formatDate(null), "");
});
