// Game state as the client knows it, for games of any kind. Applies `game` snapshots (replace
// everything) and `update` pushes (replace everything but `moves`, which the game kind's
// `replay(moves, event)` grows or shrinks from the event), detects rev gaps and asks for a
// resync through the `resync(gameId, sinceRev)` callback. No DOM, no socket.
//
// `kinds(name)` returns the client module of a game kind (see registry.js), or null; the store
// uses its optional `replay` and `consistent` hooks. Without them an update's `moves` (if any)
// replace ours and nothing is appended.
//
// Emits "change" events: {detail: {gameId, kind: "game"|"update"|"chat"|"sync", event?, previous?}}

import { toMs } from "./protocol.js";

export class GameStore extends EventTarget {
  constructor({ resync, kinds = () => null }) {
    super();
    this.resync = resync;
    this.kinds = kinds;
    this.entries = new Map();
    this.playerId = null;
  }

  entry(gameId) {
    let e = this.entries.get(gameId);
    if (!e) {
      e = {
        game: null,
        chat: [],
        receivedAt: 0, // local ms when `game` arrived
        serverStamp: null, // server ms the snapshot refers to, when the server says so
        synced: false, // false until the server confirmed our copy after a (re)connect
        resyncing: false,
        accepted: { black: false, white: false },
        lastEvent: null,
      };
      this.entries.set(gameId, e);
    }
    return e;
  }

  get(gameId) {
    return this.entries.get(gameId) ?? null;
  }

  /** Our copy may be stale (socket dropped): nothing is trusted until the server says so. */
  markAllUnsynced() {
    for (const [gameId, e] of this.entries) {
      e.synced = false;
      e.resyncing = false;
      this.emit(gameId, "sync");
    }
  }

  markSynced(gameId) {
    const e = this.entry(gameId);
    e.synced = true;
    e.resyncing = false;
    this.emit(gameId, "sync");
  }

  /** Ask the server for whatever we missed. Deduplicated while one request is in flight. */
  requestResync(gameId) {
    const e = this.entry(gameId);
    if (e.resyncing) return;
    e.resyncing = true;
    const since = e.game ? e.game.rev : undefined;
    Promise.resolve(this.resync(gameId, since)).then(
      () => this.markSynced(gameId),
      () => { e.resyncing = false; },
    );
  }

  stamp(e, msg) {
    e.receivedAt = Date.now();
    const t = msg.server_time ?? msg.now ?? msg.game?.server_time ?? msg.game?.now;
    e.serverStamp = t != null ? toMs(t) : null;
  }

  /** A full snapshot: replaces everything we had for that game. */
  applyGame(msg) {
    const game = msg.game;
    if (!game || game.id == null) return;
    const e = this.entry(game.id);
    const previous = e.game;
    e.game = { ...game, moves: Array.isArray(game.moves) ? [...game.moves] : [] };
    this.stamp(e, msg);
    e.lastEvent = null;
    this.syncAccepted(e, null);
    e.synced = true;
    e.resyncing = false;
    this.emit(game.id, "game", { previous });
  }

  /** An incremental push. Returns "applied", "duplicate" or "gap". */
  applyUpdate(msg) {
    const gameId = msg.game_id ?? msg.game?.id;
    if (gameId == null) return "duplicate";
    const e = this.entry(gameId);
    const rev = Number(msg.rev ?? msg.game?.rev);
    if (!e.game) {
      this.requestResync(gameId);
      return "gap";
    }
    if (rev <= e.game.rev) return "duplicate";
    if (rev > e.game.rev + 1) {
      this.requestResync(gameId);
      return "gap";
    }
    const previous = e.game;
    const event = msg.event ?? {};
    const kind = this.kinds(previous.game ?? msg.game?.game ?? "go");
    let moves;
    if (Array.isArray(msg.game?.moves)) moves = [...msg.game.moves];
    else if (kind?.replay) moves = kind.replay(previous.moves, event);
    else moves = [...previous.moves];
    e.game = { ...previous, ...(msg.game ?? {}), id: gameId, rev, moves };
    this.stamp(e, msg);
    e.lastEvent = event;
    this.syncAccepted(e, event, previous);
    // The kind's sanity check (Go: no more stones than moves): if it fails, our copy has
    // drifted: fetch the truth.
    if (kind?.consistent && !kind.consistent(e.game)) this.requestResync(gameId);
    this.emit(gameId, "update", { event, previous });
    return "applied";
  }

  /** Cells that are not "." on a board given as rows of strings (Go's page asks). */
  stoneCount(board) {
    let n = 0;
    for (const row of board) for (const c of row) if (c !== ".") n += 1;
    return n;
  }

  /** Who accepted the score: from the game when the server says, else from the events. */
  syncAccepted(e, event, previous) {
    const g = e.game;
    const fromGame = g.accepted ?? g.score_accepted ?? g.acceptances;
    if (fromGame && typeof fromGame === "object" && !Array.isArray(fromGame)) {
      e.accepted = { black: !!fromGame.black, white: !!fromGame.white };
      return;
    }
    if (Array.isArray(fromGame)) {
      e.accepted = { black: fromGame.includes("black"), white: fromGame.includes("white") };
      return;
    }
    if (g.phase !== "scoring" || (previous && previous.phase !== "scoring")) {
      e.accepted = { black: false, white: false };
    }
    if (!event) return;
    if (event.kind === "score_accepted") {
      const colour = event.color ?? this.colourOf(g, event.player_id);
      if (colour) e.accepted = { ...e.accepted, [colour]: true };
    } else if (event.kind === "dead_marked") {
      e.accepted = { black: false, white: false };
    }
  }

  /** The seat `playerId` holds in `game` (Go: "black" or "white"), or null. */
  colourOf(game, playerId) {
    if (!game || playerId == null) return null;
    for (const [seat, p] of Object.entries(game.players ?? {})) if (p?.id === playerId) return seat;
    return null;
  }

  seatOf(game, playerId) { return this.colourOf(game, playerId); }

  /** Our seat in a game, or null for a spectator. */
  myColour(gameId) {
    return this.colourOf(this.get(gameId)?.game, this.playerId);
  }

  /** The chat kept with the game, sent after a snapshot: it replaces what we had (the same
   * lines, or more of them after a reload). */
  applyChatHistory(msg) {
    const gameId = msg.game_id;
    if (gameId == null || !Array.isArray(msg.lines)) return;
    const e = this.entry(gameId);
    e.chat = msg.lines.map((m) => ({
      player_id: m.player_id, name: String(m.name ?? "?"), text: String(m.text ?? ""), at: m.at,
    }));
    e.chatEpoch = (e.chatEpoch ?? 0) + 1;
    this.emit(gameId, "chat");
  }

  /** How a rematch offered after a finished game stands (a `rematch` push). */
  applyRematch(msg) {
    if (msg.game_id == null) return;
    this.entry(msg.game_id).rematch = msg.rematch ?? null;
    this.emit(msg.game_id, "rematch");
  }

  applyChat(msg) {
    const gameId = msg.game_id;
    if (gameId == null) return;
    const e = this.entry(gameId);
    e.chat.push({
      player_id: msg.player_id,
      name: String(msg.name ?? "?"),
      text: String(msg.text ?? ""),
      at: msg.at,
    });
    if (e.chat.length > 300) e.chat.splice(0, e.chat.length - 300);
    this.emit(gameId, "chat");
  }

  emit(gameId, kind, extra = {}) {
    this.dispatchEvent(new CustomEvent("change", { detail: { gameId, kind, ...extra } }));
  }
}
