// Quick match: pick a board size and a time class and wait; the server pairs two players
// waiting for the same game at once. The wait is the server's (it survives reloads: after
// `hello` the server says it still runs), so this only mirrors it:
//   QuickMatch      the state (idle / waiting / expired), fed by `quick_match` pushes; opens the
//                   game when paired, whatever page is shown
//   QuickMatchCard  the lobby's "Quick match" card: Size, Time class, Find a game / Cancel

import { h, replace, show, text, toast, timeOfDay } from "./dom.js";
import { describeTimeControl } from "./clock.js";

export const TIME_CLASSES = [
  { id: "blitz", label: "Blitz · 3 min + 10 s", tc: { system: "fischer", main: 180, increment: 10, max: 600 } },
  { id: "rapid", label: "Rapid · 10 min + 5×30 s", tc: { system: "byoyomi", main: 600, periods: 5, period: 30 } },
  { id: "live", label: "Live · 20 min + 30 s", tc: { system: "fischer", main: 1200, increment: 30, max: 2400 } },
  { id: "none", label: "No time limit", tc: { system: "none" } },
];

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

function describe(settings) {
  if (!settings) return "a game";
  const size = settings.size ? `${settings.size}×${settings.size}` : "";
  return [size, describeTimeControl(settings.time_control)].filter(Boolean).join(", ");
}

export class QuickMatchCard {
  constructor({ quick }) {
    this.quick = quick;
    this.size = h("select", { id: "qm-size" }, [[9, "9 × 9"], [13, "13 × 13"], [19, "19 × 19"]].map(
      ([v, label]) => h("option", { value: v, selected: v === 19 }, label)));
    this.time = h("select", { id: "qm-time" }, TIME_CLASSES.map((c) => h("option", { value: c.id, selected: c.id === "rapid" }, c.label)));
    this.find = h("button", { class: "btn btn-primary", type: "submit" }, "Find a game");
    this.cancelBtn = h("button", { class: "btn", type: "button", onclick: () => this.cancel() }, "Cancel quick match");
    this.status = h("p", { class: "note quick-status", "aria-live": "polite" });
    this.form = h("form", { class: "quick-form", onsubmit: (e) => { e.preventDefault(); this.start(); } },
      h("div", { class: "field" }, h("label", { for: "qm-size" }, "Size"), this.size),
      h("div", { class: "field" }, h("label", { for: "qm-time" }, "Time class"), this.time),
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
    const tc = TIME_CLASSES.find((c) => c.id === this.time.value) ?? TIME_CLASSES[0];
    this.find.disabled = true;
    try {
      await this.quick.start({ size: Number(this.size.value), time_control: tc.tc });
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
      text(this.status, `Looking for an opponent for ${describe(q.settings)}… (since ${timeOfDay(q.since ?? Date.now())})`);
    }
    const old = this.el.querySelector(".quick-expired");
    if (q.status === "expired" && !old) {
      this.form.before(h("p", { class: "note quick-expired" }, `Nobody wanted ${describe(q.settings)} in 10 minutes. Try again, or create a game.`));
    } else if (q.status !== "expired" && old) {
      replace(old);
      old.remove();
    }
  }
}
