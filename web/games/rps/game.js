// The page of rock, paper, scissors (examples/rps): three hand buttons, the score, the rounds
// played, the round's time limit if it has one, join/share, resign, result and the chat. Every
// update carries the whole view (nothing to append), so the store needs no replay hook.

import { h, replace, text, show, toast, confirmDialog } from "../../core/dom.js";
import { ChatPanel } from "../../core/chat.js";
import { GamePage, shareLink } from "../../core/page.js";
import { HANDS, SEATS, handName, otherSeat, seatLabel, describeRound, describeResult, roundPrompt } from "./hands.js";

export class RpsView extends GamePage {
  constructor(root, ctx) {
    super(root, ctx);
    this.build();
    this.timer = setInterval(() => this.renderTimer(), 250);
    this.start();
  }

  destroy() {
    clearInterval(this.timer);
    super.destroy();
  }

  build() {
    this.score = h("p", { class: "rps-score", "aria-label": "Score" });
    this.roundLine = h("h2", { class: "rps-round" });
    this.prompt = h("p", { class: "announce", "aria-live": "polite", id: "announce" });
    this.clock = h("p", { class: "rps-clock", role: "timer", "aria-label": "Round time" });
    this.handButtons = HANDS.map((hand) => h("button", { class: "btn rps-hand", type: "button", "data-hand": hand, onclick: () => this.choose(hand) },
      h("span", { class: "rps-icon", "aria-hidden": "true" }, { rock: "✊", paper: "✋", scissors: "✌️" }[hand]), handName(hand)));
    this.hands = h("div", { class: "rps-hands", role: "group", "aria-label": "Your hand" }, this.handButtons);
    this.rounds = h("ol", { class: "rps-rounds", "aria-label": "Rounds played" });
    this.banner = h("div", { class: "result-banner", role: "status", hidden: true });
    this.waiting = h("div", { class: "waiting-box card-inner", hidden: true });
    this.resignBtn = h("button", { class: "btn btn-danger-outline", type: "button", onclick: () => this.resign() }, "Resign");
    this.controls = h("div", { class: "controls", role: "group", "aria-label": "Game actions" }, this.resignBtn);
    this.overlay = h("p", { class: "c4-overlay", hidden: true });
    this.chat = new ChatPanel({ onSend: (t) => this.conn.request("chat", { game_id: this.gameId, text: t }).catch((err) => { this.fail(err); throw err; }) });
    replace(this.root,
      h("div", { class: "game rps-game" },
        h("div", { class: "board-col" },
          h("section", { class: "card rps-table", "aria-label": "Rock, paper, scissors" },
            this.roundLine, this.score, this.clock, this.hands, this.prompt, this.rounds, this.overlay)),
        h("aside", { class: "panel" }, this.banner, this.waiting, this.controls, this.chat.el)));
  }

  changed({ kind, event }) {
    if (kind === "game") this.notFound = false;
    if (kind === "chat") { this.chat.render(this.entry.chat, this.store.playerId); return; }
    if (kind === "update" && event?.kind === "round") this.sound.stone();
    if (kind === "update" && event?.kind === "player_joined") toast(`${event.name ?? "Someone"} joined the game.`, "ok");
    this.render();
  }

  canAct() {
    if (this.conn.state !== "open") { toast("Not connected. Reconnecting…", "error"); return false; }
    if (!this.entry?.synced) { toast("Catching up with the server…"); return false; }
    return true;
  }

  choose(hand) {
    const g = this.game;
    if (!g || !this.mine()) { toast("You are watching this game."); return; }
    if (g.phase !== "choosing") { toast(g.phase === "waiting" ? "Waiting for an opponent to join." : "The game is over."); return; }
    if (g.mine) { toast(`You already chose ${g.mine} this round.`); return; }
    if (!this.canAct()) return;
    this.conn.request("act", { game_id: this.gameId, action: { type: "choose", hand } }).catch((err) => this.fail(err));
  }

  async resign() {
    const ok = await confirmDialog({ title: "Resign this game?", body: "Your opponent wins.", confirm: "Yes, resign", cancel: "Keep playing", danger: true });
    if (!ok || !this.canAct()) return;
    this.conn.request("act", { game_id: this.gameId, action: { type: "resign" } }).catch((err) => this.fail(err));
  }

  async join() {
    if (!this.canAct()) return;
    try { await this.conn.request("join", { game_id: this.gameId }); } catch (err) { this.fail(err); }
  }

  fail(err) { toast(err.message || `Error: ${err.code}`, "error"); }

  render() {
    const e = this.entry;
    const g = e?.game;
    show(this.overlay, !g);
    if (!g) { text(this.overlay, this.notFound ? "No such game." : "Loading the game…"); return; }
    const mine = this.mine();
    const best = g.settings?.rounds ?? 3;
    text(this.roundLine, g.phase === "finished" ? `Best of ${best}: over` : `Round ${g.round ?? 1} · best of ${best}`);
    text(this.score, SEATS.map((s) => `${seatLabel(g, s)} ${g.wins?.[s] ?? 0}`).join(", "));
    text(this.prompt, roundPrompt(g, mine));
    show(this.hands, !!mine && g.phase === "choosing");
    for (const b of this.handButtons) {
      b.disabled = !!g.mine || this.conn.state !== "open";
      b.setAttribute("aria-pressed", String(g.mine === b.dataset.hand));
    }
    replace(this.rounds, (g.played ?? []).map((r, i) => h("li", {}, describeRound(g, r, i))));
    show(this.banner, g.phase === "finished");
    if (g.phase === "finished") {
      replace(this.banner, h("strong", {}, describeResult(g) || "Game over"),
        h("a", { href: "#/", class: "btn btn-small" }, "Back to lobby"));
    }
    this.renderWaiting(g, mine);
    show(this.controls, !!mine && g.phase === "choosing");
    this.chat.render(e.chat, this.store.playerId);
    this.renderTimer();
    document.title = `${SEATS.map((s) => seatLabel(g, s)).join(" vs ")} · Rock, paper, scissors · Tengen`;
  }

  renderTimer() {
    const g = this.game;
    const ends = g?.round_ends_at;
    show(this.clock, g?.phase === "choosing" && ends != null);
    if (!g || ends == null) return;
    const left = Math.max(0, Math.ceil((Number(ends) * 1000 - this.conn.serverNow()) / 1000));
    text(this.clock, `${left} s left in this round`);
  }

  renderWaiting(g, mine) {
    const open = SEATS.find((s) => !g.players?.[s]);
    const visible = g.phase === "waiting" && !!open;
    show(this.waiting, visible);
    if (!visible) { this.waitingKey = null; return; }
    const keyNow = `${mine}|${open}`;
    if (this.waitingKey === keyNow) return;
    this.waitingKey = keyNow;
    if (mine) {
      replace(this.waiting, h("h2", {}, "Waiting for an opponent"),
        ...shareLink({ copy: false }));
    } else {
      replace(this.waiting, h("h2", {}, "Open game"),
        h("p", {}, `${seatLabel(g, otherSeat(open))} is waiting for an opponent.`),
        h("button", { class: "btn btn-primary", type: "button", onclick: () => this.join() }, "Join"));
    }
  }
}
