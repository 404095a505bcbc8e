// The page of light cycles: the arena on a canvas (trails, riders' heads, crashes), the
// countdown, arrow keys / WASD and touch buttons to steer, the riders, join/share, resign,
// the result and the chat. Updates carry no grid: the store grows `moves` from each tick's
// heads (see arena.js), so a frame is the snapshot's grid plus those cells.

import { h, replace, text, show, toast, confirmDialog } from "../../core/dom.js";
import { ChatPanel } from "../../core/chat.js";
import { GamePage, shareLink } from "../../core/page.js";
import { COLOURS, DIRS, SEATS, canSteer, cells, describeResult, describeState, keyDirection, riderName, seatName } from "./arena.js";

const ARROWS = { up: "↑", down: "↓", left: "←", right: "→" };

function ensureStyles() {
  if (document.getElementById("cycles-css")) return;
  document.head.append(h("link", { id: "cycles-css", rel: "stylesheet", href: "games/cycles/cycles.css" }));
}

export class CyclesView extends GamePage {
  constructor(root, ctx) {
    super(root, ctx);
    ensureStyles();
    this.build();
    this.onKey = (ev) => this.key(ev);
    document.addEventListener("keydown", this.onKey);
    this.timer = setInterval(() => this.renderState(), 200);
    this.start();
  }

  destroy() {
    clearInterval(this.timer);
    document.removeEventListener("keydown", this.onKey);
    super.destroy();
  }

  build() {
    this.stateLine = h("p", { class: "announce cycles-state", "aria-live": "polite", id: "announce" });
    this.canvas = h("canvas", { class: "cycles-canvas", role: "img", "aria-label": "Arena" });
    this.overlay = h("p", { class: "cycles-overlay", hidden: true });
    this.riders = h("ul", { class: "cycles-riders", "aria-label": "Riders" });
    this.steerButtons = DIRS.map((dir) => h("button", {
      class: `btn cycles-steer cycles-${dir}`, type: "button", "aria-label": `Steer ${dir}`,
      onclick: () => this.steer(dir),
    }, ARROWS[dir]));
    this.pad = h("div", { class: "cycles-pad", role: "group", "aria-label": "Steer" }, this.steerButtons);
    this.hint = h("p", { class: "hint cycles-hint" }, "Steer with the arrow keys or W A S D.");
    this.banner = h("div", { class: "result-banner", role: "status", hidden: true });
    this.waiting = h("div", { class: "waiting-box card-inner", hidden: true });
    this.resignBtn = h("button", { class: "btn btn-danger-outline", type: "button", onclick: () => this.resign() }, "Resign");
    this.controls = h("div", { class: "controls", role: "group", "aria-label": "Game actions" }, this.resignBtn);
    this.chat = new ChatPanel({ onSend: (t) => this.conn.request("chat", { game_id: this.gameId, text: t }).catch((err) => { this.fail(err); throw err; }) });
    replace(this.root,
      h("div", { class: "game cycles-game" },
        h("div", { class: "board-col" },
          h("section", { class: "card cycles-table", "aria-label": "Light cycles" },
            this.stateLine, h("div", { class: "cycles-wrap" }, this.canvas, this.overlay), this.pad, this.hint)),
        h("aside", { class: "panel" }, this.banner, this.waiting, this.riders, this.controls, this.chat.el)));
  }

  changed({ kind, event }) {
    if (kind === "game") this.notFound = false;
    if (kind === "chat") { this.chat.render(this.entry.chat, this.store.playerId); return; }
    if (kind === "update" && event?.kind === "tick" && event.crashed?.length) this.sound.stone();
    if (kind === "update" && event?.kind === "player_joined") toast(`${event.name ?? "Someone"} joined the race.`, "ok");
    this.render();
  }

  riding() {
    const g = this.game;
    return !!g && (g.phase === "countdown" || g.phase === "riding");
  }

  key(ev) {
    const target = ev.target;
    if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.isContentEditable)) return;
    if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
    const dir = keyDirection(ev.key);
    if (!dir || !this.mine() || !this.riding()) return;
    ev.preventDefault();
    if (ev.repeat) return; // a held key repeats ~30 times a second: one steer is enough
    this.steer(dir);
  }

  steer(dir) {
    const g = this.game;
    const mine = this.mine();
    if (!g || !mine) { toast("You are watching this race."); return; }
    if (!this.riding()) return;
    const rider = g.riders?.[mine];
    if (!rider?.alive || !canSteer(rider.heading, dir)) return;
    // At most one turn per tick counts (the latest): nothing new to say, nothing sent, so
    // the socket stays far below the server's message rate.
    const last = this.sent;
    if (last && last.tick === g.tick ? last.dir === dir : dir === rider.heading) return;
    this.sent = { tick: g.tick, dir };
    if (this.conn.state !== "open") { toast("Not connected. Reconnecting…", "error"); return; }
    this.conn.request("act", { game_id: this.gameId, action: { type: "steer", dir } }).catch((err) => {
      if (err.code !== "wrong_phase") this.fail(err);
    });
  }

  async resign() {
    const ok = await confirmDialog({ title: "Leave this race?", body: "Your cycle stops where it is.", confirm: "Yes, resign", cancel: "Keep riding", danger: true });
    if (!ok) return;
    this.conn.request("act", { game_id: this.gameId, action: { type: "resign" } }).catch((err) => this.fail(err));
  }

  async join() {
    try { await this.conn.request("join", { game_id: this.gameId }); } catch (err) { this.fail(err); }
  }

  fail(err) { toast(err.message || `Error: ${err.code}`, "error"); }

  render() {
    const e = this.entry;
    const g = e?.game;
    show(this.overlay, !g);
    if (!g) { text(this.overlay, this.notFound ? "No such game." : "Loading the race…"); return; }
    const mine = this.mine();
    this.draw(g);
    this.renderState();
    replace(this.riders, this.seats(g).map((seat) => {
      const r = g.riders?.[seat];
      const status = !g.players?.[seat] ? "open seat" : r?.alive ? "riding" : "crashed";
      return h("li", { class: `cycles-rider ${r?.alive ? "" : "crashed"}` },
        h("span", { class: "cycles-swatch", style: `background:${COLOURS[seat]}`, "aria-hidden": "true" }),
        `${riderName(g, seat)} (${seat}${seat === mine ? ", you" : ""}): ${status}`);
    }));
    const playing = !!mine && this.riding();
    show(this.pad, playing);
    show(this.hint, playing);
    show(this.controls, playing && !!g.riders?.[mine]?.alive);
    show(this.banner, g.phase === "finished");
    if (g.phase === "finished") {
      replace(this.banner, h("strong", {}, describeResult(g) || "Race over"),
        h("a", { href: "#/", class: "btn btn-small" }, "Back to lobby"));
    }
    this.renderWaiting(g, mine);
    this.chat.render(e.chat, this.store.playerId);
    document.title = `${this.seats(g).map((s) => riderName(g, s)).join(" vs ")} · Light cycles · Tengen`;
  }

  seats(g) { return SEATS.filter((s) => s in (g.players ?? {})); }

  renderState() {
    const g = this.game;
    if (!g) return;
    text(this.stateLine, describeState(g, this.mine(), this.conn.serverNow()));
  }

  draw(g) {
    const n = Number(g.size) || 1;
    const canvas = this.canvas;
    const css = Math.max(200, Math.min(640, canvas.parentElement?.clientWidth || 480));
    const ratio = window.devicePixelRatio || 1;
    const px = Math.max(1, Math.floor((css * ratio) / n));
    if (canvas.width !== px * n) {
      canvas.width = px * n; canvas.height = px * n;
      canvas.style.width = `${(px * n) / ratio}px`; canvas.style.height = `${(px * n) / ratio}px`;
    }
    const ctx = canvas.getContext("2d");
    if (!ctx) return;
    ctx.fillStyle = "#07101f";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.globalAlpha = 0.65;
    for (const c of cells(g)) {
      ctx.fillStyle = COLOURS[c.seat] ?? "#fff";
      ctx.fillRect(c.x * px, c.y * px, px, px);
    }
    ctx.globalAlpha = 1;
    const described = [];
    for (const [seat, r] of Object.entries(g.riders ?? {})) {
      ctx.fillStyle = r.alive ? "#fff" : COLOURS[seat];
      ctx.fillRect(r.x * px, r.y * px, px, px);
      if (!r.alive) {
        ctx.strokeStyle = "#fff"; ctx.lineWidth = Math.max(1, px / 6);
        ctx.beginPath();
        ctx.moveTo(r.x * px, r.y * px); ctx.lineTo((r.x + 1) * px, (r.y + 1) * px);
        ctx.moveTo((r.x + 1) * px, r.y * px); ctx.lineTo(r.x * px, (r.y + 1) * px);
        ctx.stroke();
      }
      described.push(`${seatName(seat)} at ${r.x}, ${r.y} ${r.alive ? `heading ${r.heading}` : "crashed"}`);
    }
    canvas.setAttribute("aria-description", described.join("; "));
  }

  renderWaiting(g, mine) {
    const open = this.seats(g).filter((s) => !g.players?.[s]);
    const visible = g.phase === "waiting" && open.length > 0;
    show(this.waiting, visible);
    if (!visible) { this.waitingKey = null; return; }
    const keyNow = `${mine}|${open.join(",")}`;
    if (this.waitingKey === keyNow) return;
    this.waitingKey = keyNow;
    if (mine) {
      replace(this.waiting, h("h2", {}, `Waiting for ${open.length} more rider${open.length > 1 ? "s" : ""}`),
        ...shareLink({ copy: false }));
    } else {
      replace(this.waiting, h("h2", {}, "Open race"),
        h("p", {}, `${open.length} seat${open.length > 1 ? "s" : ""} open.`),
        h("button", { class: "btn btn-primary", type: "button", onclick: () => this.join() }, "Join"));
    }
  }
}
