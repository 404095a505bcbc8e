// "Estimate score" during play: asks the server's `estimate` query (an area count with the
// dead-stone suggestion taken as captured) and shows it, labelled as an estimate, with the
// stones it took for dead and the territory shaded on the board until the next move or "Hide
// estimate". It changes nothing in the game.

import { h, text, show, toast } from "../../core/dom.js";
import { key, toPoint } from "./rules.js";

/** "Black 41, White 47.5: White leads by 6.5" from an estimate result. */
export function describeEstimate(est) {
  const b = Number(est.black), w = Number(est.white);
  const diff = b - w;
  const lead = diff === 0 ? "even" : `${diff > 0 ? "Black" : "White"} leads by ${Math.abs(diff)}`;
  const dead = Array.isArray(est.dead) && est.dead.length
    ? ` (${est.dead.length} stone${est.dead.length === 1 ? "" : "s"} counted as dead)` : "";
  return `Black ${b}, White ${w}: ${lead}${dead}`;
}

export class EstimateBox {
  constructor({ conn, gameId, onChange = () => {} }) {
    this.conn = conn;
    this.gameId = gameId;
    this.onChange = onChange;
    this.button = h("button", { class: "btn btn-small", type: "button", onclick: () => this.ask() }, "Estimate score");
    this.hide = h("button", { class: "btn btn-small", type: "button", hidden: true, onclick: () => this.clear() }, "Hide estimate");
    this.out = h("p", { class: "note estimate-text", "aria-live": "polite" });
    this.el = h("section", { class: "estimate", "aria-label": "Score estimate", hidden: true },
      h("div", { class: "row" }, this.button, this.hide), this.out);
    this.shownFor = null; // the number of moves the estimate shown was made at
    this.dead = new Set();
  }

  clear() {
    const had = this.shownFor !== null;
    this.shownFor = null;
    this.dead = new Set();
    text(this.out, "");
    show(this.hide, false);
    if (had) this.onChange();
  }

  /** The stones the estimate took for dead (keys), while it is shown on the board; else null. */
  shownDead() {
    return this.shownFor !== null && this.shownFor === this.moves ? this.dead : null;
  }

  async ask() {
    this.button.disabled = true;
    try {
      const at = this.moves;
      const reply = await this.conn.request("estimate", { game_id: this.gameId });
      const est = reply.result ?? {};
      if (at !== this.moves) return; // a move came meanwhile: that estimate is of the past
      this.shownFor = at;
      this.dead = new Set((est.dead ?? []).map(toPoint).filter(Boolean).map((p) => key(p.x, p.y)));
      text(this.out, `Estimate, not the result, at move ${this.moves}: ${describeEstimate(est)}`);
      show(this.hide, true);
      this.onChange();
    } catch (err) {
      toast(`No estimate: ${err.message}`, "error");
    } finally {
      this.button.disabled = false;
    }
  }

  /** Shown while the game is played; an estimate says which move it was made at. */
  update(game) {
    show(this.el, game?.phase === "playing");
    this.moves = game?.moves?.length ?? 0;
    // The board moved on (or the game left play): the estimate is gone with its position.
    if (this.shownFor !== null && (game?.phase !== "playing" || this.shownFor !== this.moves)) {
      this.shownFor = null;
      this.dead = new Set();
      text(this.out, "");
      show(this.hide, false);
    }
  }
}
