// The game review: a move list with the current move marked and First / Previous / Next / Last
// move buttons (and the arrow keys), in a region named "Moves". During play it is a local view:
// stepping back shows an earlier position on this page only and never changes the game; the
// last move (or a click on the board) goes back to the game. A finished game opens here.
//
//   const review = new ReviewPanel({ gameId, onChange });
//   review.update(game);               // after every change of the game
//   review.shown();                    // null when following the game, else a replayed position
//   review.numbers();                  // Map(key -> move number) for the position drawn

import { h, replace, text, show } from "../../core/dom.js";
import { pointName, colourName } from "./rules.js";
import { replay, setupFromSgf } from "./positions.js";

function moveText(move, size) {
  if (!move) return "";
  return move.pass ? `${colourName(move.color)} passed` : `${colourName(move.color)} ${pointName(move.x, move.y, size)}`;
}

export class ReviewPanel {
  constructor({ gameId, onChange, fetchImpl = (...a) => window.fetch(...a) }) {
    this.gameId = gameId;
    this.onChange = onChange;
    this.fetch = fetchImpl;
    this.index = null; // null: follow the game; else the number of moves shown
    this.game = null;
    this.positions = [];
    this.setup = null; // handicap stones, from the SGF record (null: not needed or not loaded)
    this.setupWanted = false;
    this.drawn = 0;

    this.status = h("p", { class: "review-status", "aria-live": "polite" });
    const nav = (label, glyph, fn) =>
      h("button", { class: "btn btn-small", type: "button", "aria-label": label, title: label, onclick: fn }, glyph);
    this.buttons = {
      first: nav("First move", "|◀", () => this.go(0)),
      prev: nav("Previous move", "◀", () => this.step(-1)),
      next: nav("Next move", "▶", () => this.step(1)),
      last: nav("Last move", "▶|", () => this.go(null)),
    };
    this.list = h("ol", { class: "move-list", "aria-label": "Move list" });
    this.el = h("section", { class: "review card-inner", "aria-label": "Moves", hidden: true },
      h("div", { class: "review-head" }, h("h2", {}, "Moves"), this.status),
      h("div", { class: "row review-nav" }, ...Object.values(this.buttons)),
      this.list);

    this.onKey = (e) => this.key(e);
    document.addEventListener("keydown", this.onKey);
  }

  destroy() {
    document.removeEventListener("keydown", this.onKey);
  }

  get total() { return this.game?.moves?.length ?? 0; }
  get reviewing() { return this.index !== null && this.index < this.total; }

  /** The arrow keys step through the moves, unless the board or a text field has the focus. */
  key(e) {
    if (this.el.hidden || e.altKey || e.ctrlKey || e.metaKey || e.defaultPrevented) return;
    const t = e.target;
    if (t instanceof Element && (t.closest("svg, input, textarea, select, dialog"))) return;
    const keys = { ArrowLeft: () => this.step(-1), ArrowRight: () => this.step(1) };
    if (this.el.contains(t)) Object.assign(keys, { Home: () => this.go(0), End: () => this.go(null) });
    if (!(e.key in keys)) return;
    e.preventDefault();
    keys[e.key]();
  }

  step(delta) {
    const at = this.index ?? this.total;
    this.go(at + delta);
  }

  /** Show the position after `n` moves (null or the last one: follow the game). */
  go(n) {
    const total = this.total;
    const next = n === null || n >= total ? null : Math.max(0, n);
    if (next === this.index) return;
    this.index = next;
    this.render();
    this.onChange?.();
  }

  update(game) {
    this.game = game;
    const size = game?.settings?.size ?? game?.board?.length ?? 0;
    show(this.el, !!game && (this.total > 0 || game.phase === "finished"));
    if (!game) return;
    const handicapped = Number(game.settings?.handicap ?? 0) >= 2 && Number(game.handicap_left ?? 0) === 0;
    if (handicapped && this.setup === null && !this.setupWanted) this.loadSetup();
    if (this.index !== null && this.index >= this.total) this.index = null;
    this.positions = replay(size, this.setup ?? [], game.moves ?? []);
    this.render();
  }

  async loadSetup() {
    this.setupWanted = true;
    try {
      const res = await this.fetch(`api/games/${encodeURIComponent(this.gameId)}/sgf`, { cache: "no-store" });
      if (!res.ok) return;
      this.setup = setupFromSgf(await res.text());
      if (this.game) this.update(this.game);
      this.onChange?.();
    } catch {
      this.setupWanted = false; // offline: try again with the next change
    }
  }

  /** The replayed position to draw instead of the game's board, or null to draw the game. */
  shown() {
    return this.reviewing ? this.positions[this.index] ?? null : null;
  }

  /** Move numbers of the stones in the position drawn (the game's own when following it). */
  numbers() {
    const i = this.reviewing ? this.index : this.positions.length - 1;
    return this.positions[i]?.numbers ?? new Map();
  }

  render() {
    const g = this.game;
    if (!g) return;
    const size = g.settings?.size ?? g.board.length;
    const total = this.total;
    const at = this.reviewing ? this.index : total;
    const move = at > 0 ? g.moves[at - 1] : null;
    const where = at === 0 ? "Start" : `Move ${at} of ${total}: ${moveText(move, size)}`;
    const behind = this.reviewing && g.phase !== "finished" ? ` (the game is at move ${total})` : "";
    text(this.status, total === 0 ? "No moves" : `${where}${behind}`);
    this.buttons.first.disabled = at === 0;
    this.buttons.prev.disabled = at === 0;
    this.buttons.next.disabled = at >= total;
    this.buttons.last.disabled = at >= total;
    this.el.classList.toggle("reviewing", this.reviewing);

    if (this.drawn > total || this.list.children.length !== this.drawn) { replace(this.list); this.drawn = 0; }
    for (let i = this.drawn; i < total; i++) {
      const m = g.moves[i];
      this.list.append(h("li", { class: `move-item move-${m.color}`, "data-n": i + 1, onclick: () => this.go(i + 1) },
        h("span", { class: "move-n" }, String(i + 1)),
        h("span", { class: `stone-icon ${m.color}`, "aria-hidden": "true" }),
        h("span", {}, m.pass ? "pass" : pointName(m.x, m.y, size))));
    }
    this.drawn = total;
    for (const li of this.list.children) {
      const current = Number(li.dataset.n) === at;
      if (current) li.setAttribute("aria-current", "step");
      else li.removeAttribute("aria-current");
    }
    const current = this.list.children[at - 1];
    if (current) {
      const top = current.offsetTop - this.list.offsetTop;
      if (top < this.list.scrollTop || top > this.list.scrollTop + this.list.clientHeight - current.offsetHeight) {
        this.list.scrollTop = top - this.list.clientHeight / 2;
      }
    }
  }
}
