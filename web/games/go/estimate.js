// "Estimate score" during play: asks the server's `estimate` query (an area count with the
// dead-stone suggestion taken as captured) and shows it, labelled as an estimate. It changes
// nothing in the game.

import { h, text, show, toast } from "../../core/dom.js";

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
  constructor({ conn, gameId }) {
    this.conn = conn;
    this.gameId = gameId;
    this.button = h("button", { class: "btn btn-small", type: "button", onclick: () => this.ask() }, "Estimate score");
    this.out = h("p", { class: "note estimate-text", "aria-live": "polite" });
    this.el = h("section", { class: "estimate", "aria-label": "Score estimate", hidden: true },
      h("div", { class: "row" }, this.button, this.out));
    this.shownFor = null;
  }

  async ask() {
    this.button.disabled = true;
    try {
      const reply = await this.conn.request("estimate", { game_id: this.gameId });
      const est = reply.result ?? {};
      this.shownFor = this.moves;
      text(this.out, `Estimate, not the result, at move ${this.moves}: ${describeEstimate(est)}`);
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
    if (game?.phase !== "playing" && this.shownFor !== null) { this.shownFor = null; text(this.out, ""); }
  }
}
