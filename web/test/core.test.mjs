// Tests for the shared client core (no browser needed): node --test web/test/
import { test } from "node:test";
import assert from "node:assert/strict";

import { Registry } from "../core/registry.js";
import { GameStore } from "../core/store.js";
import { summarize } from "../core/lobby.js";

const kind = (name, extra = {}) => ({ name, title: name.toUpperCase(), createForm: () => ({}), mount: () => ({}), ...extra });

test("registry: the kinds a server serves, in its order, skipping those without a page", () => {
  const games = new Registry([kind("go"), kind("connect_four")]);
  assert.deepEqual(games.served(["connect_four", "cycles", "go"]).map((k) => k.name), ["connect_four", "go"]);
  assert.deepEqual(games.served(undefined).map((k) => k.name), ["go", "connect_four"]);
  assert.equal(games.fallback.name, "go");
  assert.equal(games.get("chess"), null);
});

test("registry: a kind without a name, title, form or page, or registered twice, is refused", () => {
  assert.throws(() => new Registry([{ name: "x", title: "X", createForm: () => ({}) }]), /needs "mount"/);
  assert.throws(() => new Registry([kind("go"), kind("go")]), /registered twice/);
});

test("lobby: a summary names any game's seats, its kind and the one seat left", () => {
  const s = summarize({
    id: "g1", game: "connect_four", phase: "waiting", settings: { columns: 7, rows: 6 },
    players: { red: { id: "p1", name: "Ann" }, yellow: null }, moves: 0, created_at: 5,
  });
  assert.equal(s.kind, "connect_four");
  assert.deepEqual(s.seats, { red: "Ann", yellow: null });
  assert.equal(s.openSeat, "yellow");
  assert.equal(s.creator, "Ann");
  assert.equal(s.creatorId, "p1");
  assert.equal(summarize({ id: "g2", players: { black: null, white: null } }).kind, "go");
});

test("store: a kind's replay appends from events; without one an update's moves are taken as sent", () => {
  const drops = { name: "drops", replay: (moves, ev) => (ev.kind === "drop" ? [...moves, ev.column] : moves) };
  const store = new GameStore({ resync: () => Promise.resolve(), kinds: (n) => (n === "drops" ? drops : null) });
  store.applyGame({ game: { id: "a", game: "drops", rev: 1, moves: [], players: {} } });
  store.applyUpdate({ game_id: "a", rev: 2, event: { kind: "drop", column: 3 }, game: { id: "a", game: "drops", rev: 2 } });
  assert.deepEqual(store.get("a").game.moves, [3]);
  store.applyGame({ game: { id: "b", game: "other", rev: 1, moves: ["x"], players: {} } });
  store.applyUpdate({ game_id: "b", rev: 2, event: { kind: "tick" }, game: { id: "b", game: "other", rev: 2 } });
  assert.deepEqual(store.get("b").game.moves, ["x"]);
  store.applyUpdate({ game_id: "b", rev: 3, event: { kind: "tick" }, game: { id: "b", game: "other", rev: 3, moves: ["x", "y"] } });
  assert.deepEqual(store.get("b").game.moves, ["x", "y"]);
});

test("store: my seat is whatever the game calls it", () => {
  const store = new GameStore({ resync: () => Promise.resolve() });
  store.playerId = "p2";
  store.applyGame({ game: { id: "a", game: "connect_four", rev: 1, players: { red: { id: "p1" }, yellow: { id: "p2" } } } });
  assert.equal(store.myColour("a"), "yellow");
  store.playerId = "p3";
  assert.equal(store.myColour("a"), null);
});

test("store: a kind's consistency check failing asks for a resync", () => {
  const asked = [];
  const strict = { name: "strict", consistent: (g) => g.ok === true };
  const store = new GameStore({ resync: (id, since) => { asked.push([id, since]); return new Promise(() => {}); }, kinds: () => strict });
  store.applyGame({ game: { id: "a", game: "strict", rev: 1, players: {} } });
  store.applyUpdate({ game_id: "a", rev: 2, event: {}, game: { id: "a", rev: 2, ok: true } });
  assert.deepEqual(asked, []);
  store.applyUpdate({ game_id: "a", rev: 3, event: {}, game: { id: "a", rev: 3, ok: false } });
  assert.deepEqual(asked, [["a", 3]]);
});
