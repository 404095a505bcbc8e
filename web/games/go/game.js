// The game page: wires the board view, clocks, controls, scoring and chat to the store and the
// connection. Rendering of the goban itself lives in board.js; game state in store.js.

import { h, replace, text, show, toast, confirmDialog } from "../../core/dom.js";
import { BoardView } from "./board.js";
import { ChatPanel } from "../../core/chat.js";
import { RematchBox } from "../../core/rematch.js";
import { ReviewPanel } from "./review.js";
import { EstimateBox } from "./estimate.js";
import { clockView, formatMs, clockDetail, urgency, describeTimeControl } from "./clock.js";
import { copyShareLink, shareLink } from "../../core/page.js";
import {
  key, toPoint, pointName, territory, describeResult, resultDetail, illegalReason, colourName, other, at,
  rulesetName, compensationText,
} from "./rules.js";

const CONFIRM_KEY = "gameserver.confirmMoves";
const NUMBERS_KEY = "gameserver.moveNumbers";

function confirmDefault(storage) {
  const saved = storage.getItem(CONFIRM_KEY);
  if (saved !== null) return saved === "on";
  return window.matchMedia?.("(pointer: coarse)").matches ?? false;
}

/** How many handicap stones Black still has to place (free placement), 0 otherwise. */
function handicapLeft(g) {
  return g?.phase === "playing" ? Number(g.handicap_left ?? 0) : 0;
}

export class GameView {
  constructor(root, { conn, store, sound, gameId, storage = window.localStorage }) {
    this.root = root;
    this.conn = conn;
    this.store = store;
    this.sound = sound;
    this.gameId = gameId;
    this.storage = storage;
    this.confirmMoves = confirmDefault(storage);
    this.moveNumbers = storage.getItem(NUMBERS_KEY) === "on";
    this.pending = null; // {x, y} awaiting a second tap in confirm mode
    this.notFound = false;
    this.lastTick = null;
    this.build();
    this.onChange = (e) => { if (e.detail.gameId === this.gameId) this.changed(e.detail); };
    store.addEventListener("change", this.onChange);
    this.timer = setInterval(() => this.renderClocks(), 100);
    this.render();
    if (conn.state === "open") this.online();
  }

  destroy() {
    clearInterval(this.timer);
    this.review.destroy();
    this.store.removeEventListener("change", this.onChange);
    if (!this.myColour()) this.conn.send("unwatch", { game_id: this.gameId });
    document.title = "Tengen · Go";
  }

  get entry() { return this.store.get(this.gameId); }
  get game() { return this.entry?.game ?? null; }
  myColour() { return this.store.myColour(this.gameId); }

  /** (Re)connected: catch up from our last rev, or load the game. */
  online() {
    const e = this.store.entry(this.gameId);
    if (e.resyncing) return;
    e.resyncing = true;
    const payload = { game_id: this.gameId };
    if (e.game) payload.since_rev = e.game.rev;
    const afterDrop = !!e.game && !e.synced; // our copy predates a lost connection
    this.conn.request("watch", payload).then(
      () => {
        this.store.markSynced(this.gameId);
        if (afterDrop) this.verify();
      },
      (err) => {
        e.resyncing = false;
        if (err.code === "not_found") this.loadFinished();
        else if (err.code !== "offline") toast(err.message, "error");
      },
    );
  }

  /** A game the socket cannot watch may be a finished one the server keeps only in storage:
   * it is read over HTTP and shown in review. */
  async loadFinished() {
    try {
      const res = await fetch(`api/games/${encodeURIComponent(this.gameId)}`, { cache: "no-store" });
      const snap = res.ok ? await res.json() : null;
      if (snap && snap.id === this.gameId && snap.phase === "finished") {
        this.store.applyGame({ game: snap });
        return;
      }
    } catch {
      // Offline: the next reconnect tries again.
    }
    this.notFound = true;
    this.render();
  }

  /**
   * After catching up with `since_rev`, check our copy against the server's snapshot once: a
   * server restored from storage may be *behind* what we saw (write-behind durability), and then
   * no update would ever correct us. A snapshot that is behind or differs at the same rev wins.
   */
  async verify() {
    try {
      const res = await fetch(`api/games/${encodeURIComponent(this.gameId)}`, { cache: "no-store" });
      if (!res.ok) return;
      const snap = await res.json();
      const mine = this.game;
      if (!mine || !snap || snap.id !== this.gameId || !Array.isArray(snap.board)) return;
      const differs = snap.rev === mine.rev &&
        (snap.board.join("/") !== mine.board.join("/") || (snap.moves?.length ?? 0) !== mine.moves.length);
      if (snap.rev < mine.rev || differs) this.store.applyGame({ game: snap });
    } catch {
      // Offline again: the next reconnect verifies again.
    }
  }

  // ---------------------------------------------------------------- building

  build() {
    this.boardHost = h("div", { class: "board-host" });
    this.board = new BoardView(this.boardHost);
    this.board.addEventListener("activate", (e) => this.activate(e.detail));
    this.overlay = h("div", { class: "board-overlay", hidden: true },
      h("span", { class: "spinner", "aria-hidden": "true" }), h("span", { class: "overlay-text" }),
      h("a", { class: "btn btn-small overlay-link", href: "#/" }, "Back to lobby"));
    this.announce = h("p", { class: "announce", "aria-live": "polite", id: "announce" });
    this.hint = h("p", { class: "hint-line" });

    this.cards = { black: this.buildCard("black"), white: this.buildCard("white") };

    this.meta = h("p", { class: "game-meta" });
    this.banner = h("div", { class: "result-banner", role: "status", hidden: true });
    this.waiting = h("div", { class: "waiting-box card-inner", hidden: true });

    this.passBtn = h("button", { class: "btn", type: "button", onclick: () => this.pass() }, "Pass");
    this.undoBtn = h("button", { class: "btn", type: "button", onclick: () => this.requestUndo() }, "Undo");
    this.resignBtn = h("button", { class: "btn btn-danger-outline", type: "button", onclick: () => this.resign() }, "Resign");
    this.controls = h("div", { class: "controls", role: "group", "aria-label": "Game actions" }, this.passBtn, this.undoBtn, this.resignBtn);

    this.undoText = h("p", {});
    this.undoBox = h("div", { class: "undo-box card-inner", role: "group", "aria-label": "Undo request", hidden: true },
      this.undoText,
      h("div", { class: "row" },
        h("button", { class: "btn btn-primary", type: "button", onclick: () => this.replyUndo(true) }, "Accept undo"),
        h("button", { class: "btn", type: "button", onclick: () => this.replyUndo(false) }, "Decline undo")));
    this.undoWaiting = h("p", { class: "note", hidden: true }, "Undo requested. Waiting for your opponent…");

    this.scoreBlack = h("span", { class: "score-num" });
    this.scoreWhite = h("span", { class: "score-num" });
    this.scoreLead = h("p", { class: "score-lead" });
    this.scoreCompensation = h("p", { class: "note score-compensation" });
    this.scoreHelp = h("p", { class: "note" });
    this.acceptBtn = h("button", { class: "btn btn-primary", type: "button", onclick: () => this.acceptScore() }, "Accept score");
    this.resumeBtn = h("button", { class: "btn", type: "button", onclick: () => this.resumePlay() }, "Resume play");
    this.scoring = h("section", { class: "scoring-box card-inner", "aria-labelledby": "scoring-h", hidden: true },
      h("h2", { id: "scoring-h" }, "Scoring"),
      this.scoreHelp,
      h("div", { class: "score-row" },
        h("div", { class: "score-side" }, h("span", { class: "stone-icon black", "aria-hidden": "true" }), "Black ", this.scoreBlack),
        h("div", { class: "score-side" }, h("span", { class: "stone-icon white", "aria-hidden": "true" }), "White ", this.scoreWhite)),
      this.scoreCompensation,
      this.scoreLead,
      h("div", { class: "row" }, this.acceptBtn, this.resumeBtn));

    this.chat = new ChatPanel({ onSend: (t) => this.sendChat(t) });
    this.review = new ReviewPanel({ gameId: this.gameId, onChange: () => this.render() });
    this.estimate = new EstimateBox({ conn: this.conn, gameId: this.gameId, onChange: () => this.render() });
    this.rematch = new RematchBox({ conn: this.conn, gameId: this.gameId,
      onOpenGame: (id) => { location.hash = `#/game/${encodeURIComponent(id)}`; },
      phaseOf: (id) => this.store.get(id)?.game?.phase ?? null });
    const numbersBox = h("input", { type: "checkbox", id: "opt-numbers", checked: this.moveNumbers, onchange: (e) => {
      this.moveNumbers = e.target.checked;
      this.storage.setItem(NUMBERS_KEY, this.moveNumbers ? "on" : "off");
      this.render();
    } });

    const confirmBox = h("input", { type: "checkbox", id: "opt-confirm", checked: this.confirmMoves, onchange: (e) => {
      this.confirmMoves = e.target.checked;
      this.storage.setItem(CONFIRM_KEY, this.confirmMoves ? "on" : "off");
      this.pending = null;
      this.render();
    } });
    const soundBox = h("input", { type: "checkbox", id: "opt-sound", checked: this.sound.enabled, onchange: (e) => {
      this.sound.setEnabled(e.target.checked);
      if (e.target.checked) { this.sound.context(); this.sound.stone(); }
    } });
    this.sgf = h("a", { class: "btn btn-small", href: `api/games/${encodeURIComponent(this.gameId)}/sgf`, download: `game-${this.gameId}.sgf` }, "Download SGF");
    const copy = this.copyBtn = h("button", { class: "btn btn-small", type: "button", onclick: () => copyShareLink() }, "Copy link");
    this.badge = h("span", { class: "badge", hidden: true }, "Spectating");
    this.confirmOption = h("label", { class: "check" }, confirmBox, "Confirm moves");
    const options = h("div", { class: "options" },
      this.confirmOption,
      h("label", { class: "check" }, numbersBox, "Move numbers"),
      h("label", { class: "check" }, soundBox, "Sound"),
      h("div", { class: "row" }, this.sgf, copy));

    replace(this.root,
      h("div", { class: "game" },
        h("div", { class: "players" }, this.cards.black.el, this.cards.white.el),
        h("div", { class: "board-col" },
          h("div", { class: "board-wrap" }, this.boardHost, this.overlay),
          h("div", { class: "status-bar" }, this.announce, this.hint)),
        h("aside", { class: "panel" },
          this.banner, this.rematch.el, this.waiting, this.undoBox, this.scoring,
          this.controls, this.undoWaiting, this.estimate.el, this.review.el,
          h("div", { class: "panel-head" }, this.meta, this.badge),
          this.chat.el, options)));
  }

  buildCard(colour) {
    const name = h("span", { class: "pname" });
    const you = h("span", { class: "tag", hidden: true }, "You");
    const bot = h("span", { class: "tag tag-bot", hidden: true }, "Bot");
    const dot = h("span", { class: "conn-dot", role: "img" });
    const digits = h("span", { class: "digits" });
    const detail = h("span", { class: "clock-detail" });
    const captures = h("span", { class: "captures" });
    const accepted = h("span", { class: "accepted", hidden: true }, "✓ Accepted");
    const turn = h("span", { class: "turn-flag", hidden: true }, "to play");
    const away = h("span", { class: "away", hidden: true }, "disconnected");
    const el = h("section", { class: `player player-${colour}`, "aria-label": `${colourName(colour)} player` },
      h("div", { class: "player-top" },
        h("span", { class: `stone-icon ${colour}`, "aria-hidden": "true" }),
        name, dot),
      h("div", { class: "clock", role: "timer", "aria-label": `${colourName(colour)} clock` }, digits, detail),
      h("div", { class: "player-sub" }, you, bot, captures, turn, accepted, away));
    return { el, name, you, bot, dot, digits, detail, captures, accepted, turn, away, clockEl: el.querySelector(".clock") };
  }

  // ---------------------------------------------------------------- state changes

  changed({ kind, event, previous }) {
    const g = this.game;
    if (kind === "game") this.notFound = false;
    if (kind === "update" && event && g) {
      this.pending = null;
      const mine = this.myColour();
      if (event.kind === "move" || event.kind === "handicap_stone") this.sound.stone();
      if (event.kind === "handicap_stone" && event.left === 0 && mine === "white") {
        toast("Black has placed the handicap stones. Your move!", "ok");
        this.sound.yourTurn();
      }
      if ((event.kind === "move" || event.kind === "pass") && mine && g.phase === "playing" &&
          g.turn === mine && event.color !== mine) this.sound.yourTurn();
      if (g.phase === "scoring" && previous?.phase !== "scoring") toast("Both players passed: mark the dead stones, then accept the score.", "info", 6000);
      else if (event.kind === "pass" && event.color !== mine) toast(`${colourName(event.color)} passed.`);
      if (event.kind === "player_joined") {
        toast(`${event.name ?? colourName(event.color)} joined the game${g.turn === mine ? ". Your move!" : "."}`, "ok");
        if (mine && g.turn === mine) this.sound.yourTurn();
      }
      if (event.kind === "player_disconnected" && event.color !== mine) toast(`${colourName(event.color)} lost the connection.`);
      if (event.kind === "player_connected" && event.color !== mine && previous?.players?.[event.color]?.connected === false) toast(`${colourName(event.color)} is back.`);
      if (event.kind === "resign") toast(`${event.color === mine ? "You" : colourName(event.color)} resigned.`);
      if (event.kind === "timeout") toast(`${event.color === mine ? "You" : colourName(event.color)} ran out of time.`, "error");
      if (event.kind === "undo_requested" && mine && event.color !== mine) toast("Your opponent asks to undo their last move.");
      if (event.kind === "undo_accepted") toast("Undo accepted: the last move was taken back.");
      if (event.kind === "undo_rejected") toast("The undo request was declined.");
      if (event.kind === "resume" || (previous?.phase === "scoring" && g.phase === "playing")) toast("Play resumed.");
      if (g.phase === "finished" && previous?.phase !== "finished") this.sound.finished();
      this.notices(event, mine, g, previous);
    }
    if (kind === "chat") {
      this.chat.render(this.entry.chat, this.store.playerId, this.entry.chatEpoch ?? 0);
      return;
    }
    this.render(kind === "update" ? event : null);
  }

  /** What an event undid without asking: a lapsed undo request, withdrawn acceptances, a
   * rename. These used to pass silently. */
  notices(event, mine, g, previous) {
    const lapsed = event.undo_lapsed;
    if (lapsed) {
      const mover = colourName(event.color);
      if (lapsed === mine) toast(`${mover} played instead of answering: your undo request lapsed.`, "info", 6000);
      else if (event.color === mine) toast(`You played, so ${colourName(lapsed)}'s undo request lapsed.`, "info", 6000);
      else toast(`${colourName(lapsed)}'s undo request lapsed: ${mover} played instead.`);
    }
    const withdrawn = Array.isArray(event.withdrawn) ? event.withdrawn : [];
    if (mine && withdrawn.includes(mine)) {
      const who = event.color === mine ? "You" : colourName(event.color);
      const why = event.kind === "play_resumed" ? `${who} resumed play` : `${who} changed the dead stones`;
      toast(`${why}: your acceptance was withdrawn.`, "info", 6000);
      this.withdrawnNote = event.kind === "dead_marked" ? `${why}, so your acceptance was withdrawn: check the score and accept again.` : null;
    } else if (withdrawn.length && !mine) {
      toast(`${withdrawn.map(colourName).join(" and ")}'s acceptance was withdrawn.`);
    }
    if (event.kind === "player_renamed" && event.color !== mine) {
      const before = previous?.players?.[event.color]?.name;
      if (before && before !== event.name) toast(`${before} is now called ${event.name}.`);
    }
    if (g.phase !== "scoring" || (mine && this.entry?.accepted?.[mine])) this.withdrawnNote = null;
  }

  // ---------------------------------------------------------------- actions

  canAct() {
    if (this.conn.state !== "open") { toast("Not connected. Reconnecting…", "error"); return false; }
    if (!this.entry?.synced) { toast("Catching up with the server…"); return false; }
    return true;
  }

  activate({ x, y, via }) {
    const g = this.game;
    if (!g) return;
    const mine = this.myColour();
    const name = pointName(x, y, g.settings.size);
    if (this.review.reviewing && g.phase !== "finished") {
      // A click on an earlier position never plays: it brings the game back first.
      this.review.go(null);
      toast("Back to the current position.");
      return;
    }
    if (!mine) {
      toast(g.phase === "waiting" ? "Join the game to play." : "You are watching this game.");
      return;
    }
    if (g.phase === "finished") { toast("The game is over."); return; }
    if (g.phase === "waiting") { toast("Waiting for an opponent to join."); return; }
    if (g.phase === "scoring") {
      if (at(g.board, x, y) === ".") { toast("Click a stone to mark its group dead or alive."); return; }
      if (!this.canAct()) return;
      const dead = this.deadSet().has(key(x, y));
      this.conn.request("mark_dead", { game_id: this.gameId, x, y, dead: !dead }).catch((err) => this.fail(err, name));
      return;
    }
    if (via === "pointer" && this.confirmMoves && !(this.pending && this.pending.x === x && this.pending.y === y)) {
      if (at(g.board, x, y) !== ".") { toast(illegalReason("occupied", name), "error"); return; }
      this.pending = { x, y };
      this.render();
      return;
    }
    this.play(x, y, name);
  }

  play(x, y, name) {
    this.pending = null;
    if (!this.canAct()) { this.render(); return; }
    this.conn.request("move", { game_id: this.gameId, rev: this.game.rev, x, y })
      .catch((err) => this.fail(err, name))
      .finally(() => this.render());
  }

  pass() {
    if (!this.canAct()) return;
    this.conn.request("pass", { game_id: this.gameId, rev: this.game.rev }).catch((err) => this.fail(err));
  }

  async resign() {
    const ok = await confirmDialog({
      title: "Resign this game?",
      body: "Your opponent wins. This cannot be undone.",
      confirm: "Yes, resign",
      cancel: "Keep playing",
      danger: true,
    });
    if (!ok || !this.canAct()) return;
    this.conn.request("resign", { game_id: this.gameId }).catch((err) => this.fail(err));
  }

  requestUndo() {
    if (!this.canAct()) return;
    this.conn.request("undo_request", { game_id: this.gameId, rev: this.game.rev })
      .then(() => toast("Undo requested."))
      .catch((err) => this.fail(err));
  }

  replyUndo(accept) {
    if (!this.canAct()) return;
    this.conn.request("undo_reply", { game_id: this.gameId, accept }).catch((err) => this.fail(err));
  }

  acceptScore() {
    if (!this.canAct()) return;
    this.conn.request("accept_score", { game_id: this.gameId, rev: this.game.rev }).catch((err) => this.fail(err));
  }

  resumePlay() {
    if (!this.canAct()) return;
    this.conn.request("resume_play", { game_id: this.gameId }).catch((err) => this.fail(err));
  }

  async join() {
    if (!this.canAct()) return;
    try {
      await this.conn.request("join", { game_id: this.gameId });
    } catch (err) {
      this.fail(err);
    }
  }

  sendChat(textValue) {
    return this.conn.request("chat", { game_id: this.gameId, text: textValue }).catch((err) => {
      this.fail(err);
      throw err;
    });
  }

  /** Every error is explained: nothing is silently dropped. */
  fail(err, pointLabel) {
    switch (err.code) {
      case "illegal_move": toast(illegalReason(err.reason, pointLabel), "error"); break;
      case "stale_rev":
        this.store.requestResync(this.gameId);
        toast("The board had changed. It is up to date now; please try again.", "error");
        break;
      case "not_your_turn": toast(`It is ${colourName(this.game?.turn) || "not your"}${this.game?.turn ? "’s" : ""} turn.`, "error"); break;
      case "wrong_phase": toast("That is not possible at this stage of the game.", "error"); break;
      case "forbidden": toast("Only the players of this game can do that.", "error"); break;
      case "rate_limited": toast("Slow down a little.", "error"); break;
      default: toast(err.message || "Something went wrong.", "error");
    }
  }

  // ---------------------------------------------------------------- rendering

  deadSet() {
    return new Set((this.game?.dead ?? []).map(toPoint).filter(Boolean).map((p) => key(p.x, p.y)));
  }

  lastMove() {
    const moves = this.game?.moves ?? [];
    return moves.length ? moves[moves.length - 1] : null;
  }

  render(event = null) {
    const e = this.entry;
    const g = this.game;
    const connected = this.conn.state === "open";
    if (!g) {
      this.board.render({ size: 19, board: [], ghost: null });
      show(this.overlay, true);
      text(this.overlay.querySelector(".overlay-text"), this.notFound ? "This game does not exist." : connected ? "Loading game…" : "Connecting…");
      this.overlay.classList.toggle("error", this.notFound);
      for (const el of [this.controls, this.scoring, this.undoBox, this.waiting]) show(el, false);
      return;
    }
    const size = g.settings?.size ?? g.board.length;
    const mine = this.myColour();
    const phase = g.phase;
    const live = connected && e.synced;
    const dead = this.deadSet();
    const last = this.lastMove();
    const lastPoint = last && !last.pass ? { x: last.x, y: last.y } : null;
    const ko = toPoint(g.ko);
    const myTurn = phase === "playing" && mine && g.turn === mine;
    const placing = handicapLeft(g) > 0;

    this.review.update(g);
    this.estimate.update(g);
    const past = this.review.shown(); // an earlier position, shown on this page only
    const numbers = this.moveNumbers ? this.review.numbers() : null;
    if (past) {
      this.board.render({ size, board: past.board, last: past.last, ko: null, dead: new Set(), territory: null,
        ghost: null, pending: null, numbers });
    } else {
      const guess = phase === "playing" ? this.estimate.shownDead() : null; // an estimate on show
      this.board.render({
        size,
        board: g.board,
        last: lastPoint,
        ko: phase === "playing" ? ko : null,
        dead: guess ?? dead,
        territory: guess ? territory(g.board, guess)
          : phase === "scoring" || (phase === "finished" && dead.size) ? territory(g.board, dead) : null,
        ghost: live && myTurn ? mine : null,
        pending: this.pending,
        numbers,
      });
    }
    this.boardHost.classList.toggle("reviewing", !!past);
    this.boardHost.classList.toggle("stale", !live);
    this.boardHost.classList.toggle("my-turn", !!myTurn);
    show(this.overlay, !live || this.notFound);
    this.overlay.classList.toggle("error", this.notFound);
    text(this.overlay.querySelector(".overlay-text"),
      this.notFound ? "This game is no longer on the server." : connected ? "Catching up…" : "Reconnecting…");

    // Players.
    for (const colour of ["black", "white"]) {
      const c = this.cards[colour];
      const p = g.players?.[colour];
      text(c.name, p ? p.name : phase === "waiting" ? "Open seat" : "—");
      c.name.title = p ? p.name : "";
      show(c.you, !!p && mine === colour);
      // A bot has no socket (`connected: false`) but never leaves: no dot, no "disconnected".
      const isBot = !!p && String(p.id ?? "").startsWith("bot:");
      show(c.bot, isBot);
      show(c.dot, !isBot);
      const online = !!p && (p.connected !== false || isBot);
      c.dot.className = `conn-dot ${p ? (online ? "on" : "off") : "none"}`;
      c.dot.setAttribute("aria-label", p ? (online ? "connected" : "disconnected") : "seat open");
      c.dot.title = p ? (online ? "Connected" : "Disconnected") : "Seat open";
      show(c.away, !!p && !online && phase !== "finished");
      text(c.captures, `${p?.captures ?? 0} capture${(p?.captures ?? 0) === 1 ? "" : "s"}`);
      c.el.classList.toggle("to-move", phase === "playing" && g.turn === colour);
      c.el.classList.toggle("is-me", mine === colour);
      show(c.turn, phase === "playing" && g.turn === colour);
      show(c.accepted, phase === "scoring" && !!e.accepted[colour]);
    }
    this.renderClocks();

    // Meta line.
    const s = g.settings ?? {};
    text(this.meta, [`${size}×${size}`, rulesetName(s.ruleset), s.komi !== undefined ? `komi ${s.komi}` : null,
      s.handicap ? `handicap ${s.handicap}` : null, describeTimeControl(s.time_control)].filter(Boolean).join(" · "));
    show(this.badge, !mine);
    show(this.confirmOption, !!mine && phase !== "finished");

    // Announcements: last move and ko (aria-live).
    text(this.announce, this.describeState(g, last, ko, mine));
    text(this.hint, this.hintText(g, mine, myTurn));

    // Result.
    show(this.banner, phase === "finished");
    const bannerKey = phase === "finished" ? `${g.result}|${g.score?.black}|${g.score?.white}` : null;
    if (bannerKey !== this.bannerKey) {
      this.bannerKey = bannerKey;
      const res = describeResult(g.result) || "Game over";
      const why = resultDetail(g.result, e.lastEvent);
      const score = g.score ? ` Final score: Black ${g.score.black}, White ${g.score.white}.` : "";
      if (bannerKey) replace(this.banner, h("strong", {}, res), why ? h("span", {}, why) : null,
        score ? h("span", {}, score) : null,
        h("a", { href: "#/", class: "btn btn-small" }, "Back to lobby"));
    }

    this.renderWaiting(g, mine);
    this.rematch.update(g, e.rematch ?? null, this.store.playerId, mine);

    // Controls.
    show(this.controls, !!mine && (phase === "playing" || phase === "scoring"));
    this.passBtn.disabled = !(myTurn && live) || placing;
    const undo = g.undo;
    const undoBy = undo ? (["black", "white"].includes(undo.color) ? undo.color : ["black", "white"].includes(undo.by) ? undo.by : this.store.colourOf(g, undo.player_id ?? undo.by ?? undo.requested_by)) : null;
    // Before White's first move the last thing Black did may be a freely placed handicap stone.
    const placedLast = !last && mine === "black" && s.handicap_placement === "free" &&
      this.store.stoneCount(g.board) > 0;
    const lastIsMine = last ? last.color === mine : placedLast;
    this.undoBtn.disabled = !(live && phase === "playing" && lastIsMine);
    this.resignBtn.disabled = !live;
    show(this.undoWaiting, !!undo && undoBy === mine);
    show(this.undoBox, !!undo && !!mine && undoBy !== mine && phase === "playing");
    if (undo) text(this.undoText, `${colourName(undoBy) || "Your opponent"} asks to undo their last move.`);

    // Scoring.
    show(this.scoring, phase === "scoring");
    show(this.passBtn, phase === "playing");
    show(this.undoBtn, phase === "playing" && !undo);
    if (phase === "scoring") {
      const sc = g.score;
      text(this.scoreBlack, sc ? String(sc.black) : "…");
      text(this.scoreWhite, sc ? String(sc.white) : "…");
      text(this.scoreCompensation, compensationText(sc));
      show(this.scoreCompensation, !!compensationText(sc));
      if (sc) {
        const diff = Number(sc.black) - Number(sc.white);
        text(this.scoreLead, diff === 0 ? "Even score (jigo)" : `${diff > 0 ? "Black" : "White"} leads by ${Math.abs(diff)}`);
      } else text(this.scoreLead, "");
      const iAccepted = mine && e.accepted[mine];
      text(this.scoreHelp, mine
        ? iAccepted ? "You accepted. Waiting for your opponent…"
          : this.withdrawnNote ?? "Click a group to mark it dead or alive. When the score is right, accept it."
        : "The players are marking dead stones.");
      show(this.acceptBtn, !!mine);
      show(this.resumeBtn, !!mine);
      this.acceptBtn.disabled = !live || !!iAccepted;
      this.resumeBtn.disabled = !live;
    }

    this.chat.render(e.chat, this.store.playerId, e.chatEpoch ?? 0);
    const names = `${g.players?.black?.name ?? "?"} vs ${g.players?.white?.name ?? "?"}`;
    document.title = `${myTurn ? "● Your move · " : ""}${names} · Tengen`;
  }

  describeState(g, last, ko, mine) {
    const size = g.settings?.size ?? g.board.length;
    const parts = [];
    const n = g.moves?.length ?? 0;
    if (last) {
      parts.push(last.pass ? `Move ${n}: ${colourName(last.color)} passed.` : `Move ${n}: ${colourName(last.color)} ${pointName(last.x, last.y, size)}.`);
    }
    if (g.phase === "playing" && ko) parts.push(`Ko at ${pointName(ko.x, ko.y, size)}.`);
    const left = handicapLeft(g);
    if (left > 0) {
      const stones = `${left} handicap stone${left === 1 ? "" : "s"}`;
      parts.push(mine === "black" ? `Place ${stones} anywhere.` : `Black places ${stones}.`);
    } else if (g.phase === "playing" && g.turn) parts.push(mine === g.turn ? "Your move." : `${colourName(g.turn)} to play.`);
    if (g.phase === "scoring") parts.push("Scoring: mark dead stones.");
    if (g.phase === "finished") parts.push(g.result ? `${describeResult(g.result)}.` : "Game over.");
    if (g.phase === "waiting") parts.push("Waiting for an opponent.");
    return parts.join(" ");
  }

  hintText(g, mine, myTurn) {
    if (!mine || g.phase !== "playing") return "";
    if (this.pending) return `Tap ${pointName(this.pending.x, this.pending.y, g.settings.size)} again to play there.`;
    if (myTurn && this.confirmMoves) return "Tap a point, then tap it again to confirm.";
    return "";
  }

  renderWaiting(g, mine) {
    const seatOpen = !g.players?.black || !g.players?.white;
    const visible = g.phase === "waiting" && seatOpen;
    show(this.waiting, visible);
    show(this.copyBtn, !(visible && mine)); // the waiting box has its own "Copy link"
    if (!visible) { this.waitingKey = null; return; }
    const hostSeat = !g.players?.black ? "white" : "black";
    const hostAway = g.players?.[hostSeat]?.connected === false;
    const keyNow = `${mine}|${this.conn.state}|${hostAway}`;
    if (this.waitingKey === keyNow) return;
    this.waitingKey = keyNow;
    if (mine) {
      replace(this.waiting,
        h("h2", {}, "Waiting for an opponent"),
        h("p", {}, "Send this link to a friend. They can join from it, or from the lobby."),
        ...shareLink());
    } else {
      const open = !g.players?.black ? "black" : "white";
      const host = g.players?.[other(open)]?.name ?? "Someone";
      // The server does not let anyone join while the creator is away (nobody would move).
      replace(this.waiting,
        h("h2", {}, "Open game"),
        h("p", {}, hostAway
          ? `${host} is away right now: you can join when they are back. You would play ${open}.`
          : `${host} is waiting for an opponent. You would play ${open}.`),
        h("button", { class: "btn btn-primary", type: "button", disabled: hostAway, onclick: () => this.join() }, "Join"));
    }
  }

  renderClocks() {
    const e = this.entry;
    const g = e?.game;
    if (!g) return;
    const tc = g.settings?.time_control;
    const mine = this.myColour();
    for (const colour of ["black", "white"]) {
      const c = this.cards[colour];
      const clock = g.players?.[colour]?.clock;
      if (!clock) {
        // No clock yet (e.g. the game has not started): show the time control at rest.
        const atRest = tc && tc.system !== "none" && tc.main !== undefined
          ? { remaining_ms: tc.main * 1000, running: false, periods: tc.periods, stones: tc.stones }
          : tc?.system === "none" ? { remaining_ms: null } : null;
        if (!atRest) { text(c.digits, "—"); text(c.detail, ""); continue; }
        const v = clockView(atRest, tc, 0);
        text(c.digits, formatMs(v.ms));
        text(c.detail, clockDetail(v, tc));
        continue;
      }
      const stamp = clock.as_of ?? clock.at ?? clock.updated_at;
      let elapsed;
      // Until the first pong the offset to the server's clock is unknown (0): a computer clock
      // that is off would show a wrong time, so count from when the push arrived instead.
      if (stamp != null && !this.conn.samples?.length) elapsed = Date.now() - e.receivedAt;
      else if (stamp != null) elapsed = this.conn.serverNow() - (Number(stamp) < 1e11 ? Number(stamp) * 1000 : Number(stamp));
      else if (e.serverStamp != null) elapsed = this.conn.serverNow() - e.serverStamp;
      // The push left the server about half a round trip before it reached us.
      else elapsed = Date.now() - e.receivedAt + (this.conn.rttMs ?? 0) / 2;
      // Time keeps passing while we are offline: the server's clock does not stop for us.
      const running = clock.running && g.phase === "playing";
      const view = clockView({ ...clock, running }, tc, elapsed);
      text(c.digits, formatMs(view.ms));
      text(c.detail, clockDetail(view, tc));
      const u = running ? urgency(view) : "";
      c.clockEl.classList.toggle("low", u === "low");
      c.clockEl.classList.toggle("warn", u === "warn");
      c.clockEl.classList.toggle("running", running);
      if (u === "low" && colour === mine) {
        const sec = Math.ceil(view.ms / 1000);
        if (sec !== this.lastTick) { this.lastTick = sec; this.sound.tick(); }
      }
    }
  }
}
