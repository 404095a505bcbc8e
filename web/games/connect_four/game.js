// Connect four's game page: the grid (one button per column: click, or Enter/Space on the
// focused column, drops a disc; arrow keys move between columns), the two player cards, resign,
// join and share for a waiting game, the result, and the shared chat panel.

import { h, replace, text, show, toast, confirmDialog } from "../../core/dom.js";
import { ChatPanel } from "../../core/chat.js";
import { GamePage, copyShareLink, shareLink } from "../../core/page.js";
import {
  SEATS, seatName, otherSeat, columnName, columnFull, columnDescription, describeResult, resultDetail,
  describeState, winKeys,
} from "./grid.js";

export class ConnectFourView extends GamePage {
  constructor(root, ctx) {
    super(root, ctx);
    this.focusColumn = null;
    this.build();
    this.start();
  }

  // ---------------------------------------------------------------- building

  build() {
    this.gridEl = h("div", { class: "c4-grid", role: "group" });
    this.gridEl.addEventListener("keydown", (e) => this.onKey(e));
    this.overlay = h("p", { class: "c4-overlay", hidden: true });
    this.announce = h("p", { class: "announce", "aria-live": "polite", id: "announce" });
    this.cards = Object.fromEntries(SEATS.map((seat) => [seat, this.buildCard(seat)]));
    this.banner = h("div", { class: "result-banner", role: "status", hidden: true });
    this.waiting = h("div", { class: "waiting-box card-inner", hidden: true });
    this.resignBtn = h("button", { class: "btn btn-danger-outline", type: "button", onclick: () => this.resign() }, "Resign");
    this.controls = h("div", { class: "controls", role: "group", "aria-label": "Game actions" }, this.resignBtn);
    this.meta = h("p", { class: "game-meta" });
    this.badge = h("span", { class: "badge", hidden: true }, "Spectating");
    this.chat = new ChatPanel({ onSend: (t) => this.sendChat(t) });
    this.copyBtn = h("button", { class: "btn btn-small", type: "button", onclick: () => copyShareLink() }, "Copy link");
    replace(this.root,
      h("div", { class: "game c4-game" },
        h("div", { class: "players" }, this.cards.red.el, this.cards.yellow.el),
        h("div", { class: "board-col" },
          h("div", { class: "c4-wrap" }, this.gridEl, this.overlay),
          h("div", { class: "status-bar" }, this.announce)),
        h("aside", { class: "panel" },
          this.banner, this.waiting, this.controls,
          h("div", { class: "panel-head" }, this.meta, this.badge),
          this.chat.el,
          h("div", { class: "options" }, h("div", { class: "row" }, this.copyBtn)))));
  }

  buildCard(seat) {
    const name = h("span", { class: "pname" });
    const you = h("span", { class: "tag", hidden: true }, "You");
    const bot = h("span", { class: "tag tag-bot", hidden: true }, "Bot");
    const dot = h("span", { class: "conn-dot", role: "img" });
    const turn = h("span", { class: "turn-flag", hidden: true }, "to play");
    const away = h("span", { class: "away", hidden: true }, "disconnected");
    const el = h("section", { class: `player c4-player-${seat}`, "aria-label": `${seatName(seat)} player` },
      h("div", { class: "player-top" }, h("span", { class: `c4-disc-icon ${seat}`, "aria-hidden": "true" }), name, dot),
      h("div", { class: "player-sub" }, you, bot, turn, away));
    return { el, name, you, bot, dot, turn, away };
  }

  // ---------------------------------------------------------------- state changes

  changed({ kind, event }) {
    const g = this.game;
    if (kind === "game") this.notFound = false;
    if (kind === "update" && event && g) {
      const mine = this.mine();
      if (event.kind === "drop") {
        this.sound.stone();
        if (mine && g.turn === mine && g.phase === "playing") this.sound.yourTurn();
      }
      if (event.kind === "player_joined") toast(`${event.name ?? seatName(event.seat)} joined the game${g.turn === mine ? ". Your turn!" : "."}`, "ok");
      if (event.kind === "resign") toast(`${event.seat === mine ? "You" : seatName(event.seat)} resigned.`);
      if (event.kind === "player_disconnected" && event.seat !== mine) toast(`${seatName(event.seat)} lost the connection.`);
      if (g.phase === "finished") this.sound.finished();
    }
    if (kind === "chat") { this.chat.render(this.entry.chat, this.store.playerId); return; }
    this.render();
  }

  // ---------------------------------------------------------------- actions

  canAct() {
    if (this.conn.state !== "open") { toast("Not connected. Reconnecting…", "error"); return false; }
    if (!this.entry?.synced) { toast("Catching up with the server…"); return false; }
    return true;
  }

  drop(column) {
    const g = this.game;
    if (!g) return;
    const mine = this.mine();
    if (!mine) { toast(g.phase === "waiting" ? "Join the game to play." : "You are watching this game."); return; }
    if (g.phase === "waiting") { toast("Waiting for an opponent to join."); return; }
    if (g.phase !== "playing") { toast("The game is over."); return; }
    if (g.turn !== mine) { toast(`It is ${seatName(g.turn)}'s turn.`); return; }
    if (columnFull(g.board, column)) { toast(`${columnName(column)} is full.`, "error"); return; }
    if (!this.canAct()) return;
    this.conn.request("act", { game_id: this.gameId, rev: g.rev, action: { type: "drop", column } })
      .catch((err) => this.fail(err));
  }

  async resign() {
    const ok = await confirmDialog({
      title: "Resign this game?", body: "Your opponent wins. This cannot be undone.",
      confirm: "Yes, resign", cancel: "Keep playing", danger: true,
    });
    if (!ok || !this.canAct()) return;
    this.conn.request("act", { game_id: this.gameId, action: { type: "resign" } }).catch((err) => this.fail(err));
  }

  async join() {
    if (!this.canAct()) return;
    try { await this.conn.request("join", { game_id: this.gameId }); } catch (err) { this.fail(err); }
  }

  sendChat(value) {
    return this.conn.request("chat", { game_id: this.gameId, text: value }).catch((err) => { this.fail(err); throw err; });
  }

  fail(err) {
    if (err.code === "stale_rev") { toast("The game moved on: look again, then drop."); this.store.requestResync(this.gameId); return; }
    toast(err.message || `Error: ${err.code}`, "error");
  }

  onKey(e) {
    const g = this.game;
    const target = e.target.closest?.("[data-column]");
    if (!g || !target) return;
    const columns = g.settings?.columns ?? g.board[0].length;
    let c = Number(target.dataset.column);
    if (e.key === "ArrowLeft") c = Math.max(0, c - 1);
    else if (e.key === "ArrowRight") c = Math.min(columns - 1, c + 1);
    else if (e.key === "Home") c = 0;
    else if (e.key === "End") c = columns - 1;
    else return;
    e.preventDefault();
    this.focusColumn = c;
    this.gridEl.querySelector(`[data-column="${c}"]`)?.focus();
  }

  // ---------------------------------------------------------------- rendering

  render() {
    const e = this.entry;
    const g = e?.game;
    if (!g || !Array.isArray(g.board)) {
      show(this.overlay, true);
      text(this.overlay, this.notFound ? "No such game." : "Loading the game…");
      return;
    }
    show(this.overlay, false);
    const mine = this.mine();
    const columns = g.board[0]?.length ?? 0;
    const rows = g.board.length;
    this.gridEl.setAttribute("aria-label", `Connect four grid, ${columns} columns by ${rows} rows`);
    this.gridEl.style.setProperty("--c4-columns", columns);
    this.gridEl.style.setProperty("--c4-rows", rows);
    this.renderGrid(g, mine);

    for (const seat of SEATS) {
      const c = this.cards[seat];
      const p = g.players?.[seat];
      text(c.name, p?.name ?? "Waiting for a player…");
      const isBot = String(p?.id ?? "").startsWith("bot:");
      show(c.you, !!p && p.id === this.store.playerId);
      show(c.bot, isBot);
      show(c.turn, g.phase === "playing" && g.turn === seat);
      show(c.dot, !!p && !isBot);
      c.dot.className = `conn-dot ${p?.connected ? "on" : "off"}`;
      c.dot.setAttribute("aria-label", p?.connected ? "connected" : "disconnected");
      show(c.away, !!p && !isBot && p.connected === false && g.phase !== "finished");
    }

    text(this.meta, `Connect four · ${columns} × ${rows}`);
    show(this.badge, !mine);
    text(this.announce, describeState(g, mine));

    show(this.banner, g.phase === "finished");
    const bannerKey = g.phase === "finished" ? `${g.result}|${g.end}` : null;
    if (bannerKey !== this.bannerKey) {
      this.bannerKey = bannerKey;
      const why = resultDetail(g);
      if (bannerKey) replace(this.banner, h("strong", {}, describeResult(g.result) || "Game over"),
        why ? h("span", {}, why) : null, h("a", { href: "#/", class: "btn btn-small" }, "Back to lobby"));
    }
    this.renderWaiting(g, mine);
    show(this.controls, !!mine && g.phase === "playing");
    this.resignBtn.disabled = this.conn.state !== "open";
    this.chat.render(e.chat, this.store.playerId);
    const names = SEATS.map((s) => g.players?.[s]?.name ?? "?").join(" vs ");
    document.title = `${g.phase === "playing" && mine && g.turn === mine ? "● Your turn · " : ""}${names} · Connect four · Tengen`;
  }

  renderGrid(g, mine) {
    const columns = g.board[0]?.length ?? 0;
    const wins = winKeys(g);
    const myTurn = g.phase === "playing" && !!mine && g.turn === mine;
    const focused = document.activeElement?.dataset?.column;
    const buttons = [];
    for (let c = 0; c < columns; c += 1) {
      const cells = [];
      for (let r = 0; r < g.board.length; r += 1) {
        const v = g.board[r][c];
        const seat = v === "R" ? "red" : v === "Y" ? "yellow" : null;
        const last = g.last && g.last.column === c && g.last.row === r;
        cells.push(h("span", {
          class: `c4-cell${seat ? ` ${seat}` : ""}${wins.has(`${c},${r}`) ? " win" : ""}${last ? " last" : ""}`,
          "data-cell": `${c},${r}`,
        }));
      }
      const full = columnFull(g.board, c);
      buttons.push(h("button", {
        class: `c4-column${myTurn && !full ? " playable" : ""}`,
        type: "button",
        "data-column": c,
        "aria-label": columnName(c),
        "aria-description": columnDescription(g.board, c),
        onclick: () => this.drop(c),
      }, cells));
    }
    replace(this.gridEl, buttons);
    if (focused != null) this.gridEl.querySelector(`[data-column="${focused}"]`)?.focus();
  }

  renderWaiting(g, mine) {
    const open = SEATS.find((s) => !g.players?.[s]);
    const visible = g.phase === "waiting" && !!open;
    show(this.waiting, visible);
    show(this.copyBtn, !(visible && mine));
    if (!visible) { this.waitingKey = null; return; }
    const keyNow = `${mine}|${open}`;
    if (this.waitingKey === keyNow) return;
    this.waitingKey = keyNow;
    if (mine) {
      replace(this.waiting,
        h("h2", {}, "Waiting for an opponent"),
        h("p", {}, "Send this link to a friend. They can join from it, or from the lobby."),
        ...shareLink());
    } else {
      const host = g.players?.[otherSeat(open)]?.name ?? "Someone";
      replace(this.waiting,
        h("h2", {}, "Open game"),
        h("p", {}, `${host} is waiting for an opponent. You would play ${open}.`),
        h("button", { class: "btn btn-primary", type: "button", onclick: () => this.join() }, "Join"));
    }
  }
}
