// Quick match: pick a board size and a time class and wait; the server pairs two players
// waiting for the same game at once. The wait is the server's (it survives reloads: after
// `hello` the server says it still runs), so this only mirrors it:
//   QuickMatch      the state (idle / waiting / expired), fed by `quick_match` pushes; opens the
//                   game when paired, whatever page is shown
//   QuickMatchCard  the lobby's "Quick match" card: the kind's fields (its quickMatch(): Go
//                   has Size and Time class), Find a game / Cancel quick match

import { h, replace, show, text, toast, timeOfDay } from "./dom.js";

export class QuickMatch extends EventTarget {
  constructor({ conn, onOpenGame }) {
    super();
    this.conn = conn;
    this.onOpenGame = onOpenGame;
    this.status = "idle"; // idle | waiting | expired
    this.settings = null;
    this.since = null;
  }

  set(status, settings = this.settings) {
    this.status = status;
    this.settings = settings;
    if (status === "waiting" && this.since === null) this.since = Date.now();
    if (status !== "waiting") this.since = null;
    this.dispatchEvent(new Event("change"));
  }

  /** A `quick_match` push: still waiting (after hello), paired, or expired. */
  onMessage(msg) {
    if (msg.status === "paired" && msg.game_id) {
      this.set("idle", null);
      toast("Matched! Your game starts now.", "ok");
      this.onOpenGame(msg.game_id);
    } else if (msg.status === "waiting") {
      this.set("waiting", msg.settings ?? this.settings);
    } else if (msg.status === "expired") {
      this.set("expired", this.settings);
    }
  }

  async start(settings) {
    await this.conn.whenOpen();
    const reply = await this.conn.request("quick_match", settings);
    if (reply.status === "paired" && reply.game_id) {
      this.set("idle", null);
      this.onOpenGame(reply.game_id);
    } else {
      this.set("waiting", settings);
    }
  }

  async cancel() {
    await this.conn.request("quick_match_cancel", {});
    this.set("idle", null);
  }
}

export class QuickMatchCard {
  constructor({ quick, kind }) {
    this.quick = quick;
    this.kind = kind;
    this.spec = kind.quickMatch();
    this.find = h("button", { class: "btn btn-primary", type: "submit" }, "Find a game");
    this.cancelBtn = h("button", { class: "btn", type: "button", onclick: () => this.cancel() }, "Cancel quick match");
    this.status = h("p", { class: "note quick-status", "aria-live": "polite" });
    this.form = h("form", { class: "quick-form", onsubmit: (e) => { e.preventDefault(); this.start(); } },
      ...this.spec.fields,
      this.find);
    this.waiting = h("div", { class: "quick-waiting", hidden: true },
      h("span", { class: "spinner", "aria-hidden": "true" }), this.status, this.cancelBtn);
    this.el = h("section", { class: "card quick", "aria-labelledby": "quick-h" },
      h("h2", { id: "quick-h" }, "Quick match"),
      h("p", { class: "note" }, "Pick a size and a time class: you are paired with the next player who wants the same game."),
      this.form, this.waiting);
    this.onChange = () => this.render();
    quick.addEventListener("change", this.onChange);
    this.render();
  }

  destroy() {
    this.quick.removeEventListener("change", this.onChange);
  }

  async start() {
    this.find.disabled = true;
    try {
      await this.quick.start({ game: this.kind.name, ...this.spec.payload() });
    } catch (err) {
      toast(`Quick match failed: ${err.message}`, "error");
    } finally {
      this.find.disabled = false;
    }
  }

  async cancel() {
    this.cancelBtn.disabled = true;
    try {
      await this.quick.cancel();
    } catch (err) {
      toast(`Could not cancel: ${err.message}`, "error");
    } finally {
      this.cancelBtn.disabled = false;
    }
  }

  render() {
    const q = this.quick;
    const waiting = q.status === "waiting";
    show(this.form, !waiting);
    show(this.waiting, waiting);
    if (waiting) {
      text(this.status, `Looking for an opponent for ${this.spec.describe(q.settings)}… (since ${timeOfDay(q.since ?? Date.now())})`);
    }
    const old = this.el.querySelector(".quick-expired");
    if (q.status === "expired" && !old) {
      this.form.before(h("p", { class: "note quick-expired" }, `Nobody wanted ${this.spec.describe(q.settings)} in 10 minutes. Try again, or create a game.`));
    } else if (q.status !== "expired" && old) {
      replace(old);
      old.remove();
    }
  }
}
