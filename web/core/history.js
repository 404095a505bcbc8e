// The "Finished games" list of the lobby: GET api/games?phase=finished (newest first, paged by
// the `next` cursor), each game with its players, result and date, a link that opens it (Go:
// in review) and its SGF record. Rows are drawn with the lobby's helpers (the kind's badge and
// players) and the kind's optional describeResult(result).

import { h, replace, show, text } from "./dom.js";
import { summarize } from "./lobby.js";

const PAGE = 10;

/** "2026-12-02 14:05" (local time) for unix seconds; "" when unknown. */
export function formatDate(seconds) {
  const t = Number(seconds);
  if (!Number.isFinite(t) || t <= 0) return "";
  const d = new Date(t < 1e11 ? t * 1000 : t);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export class FinishedGames {
  constructor({ lobby, fetchImpl = (...a) => window.fetch(...a) }) {
    this.lobby = lobby;
    this.fetch = fetchImpl;
    this.games = [];
    this.next = null;
    this.total = 0;
    this.list = h("ul", { class: "game-list", "aria-label": "Finished games" });
    this.empty = h("p", { class: "empty" }, "No finished games yet.");
    this.more = h("button", { class: "btn btn-small", type: "button", hidden: true, onclick: () => this.loadMore() }, "More finished games");
    this.count = h("span", { class: "count" });
    this.el = h("section", { class: "finished", "aria-labelledby": "finished-h" },
      h("h2", { id: "finished-h", class: "spaced" }, "Finished games ", this.count),
      this.list, this.empty, this.more);
  }

  async page(cursor) {
    const q = new URLSearchParams({ phase: "finished", limit: String(PAGE) });
    if (cursor) q.set("cursor", cursor);
    const res = await this.fetch(`api/games?${q}`, { headers: { accept: "application/json" }, cache: "no-store" });
    if (!res.ok) return null;
    const body = await res.json();
    // A server without the finished listing answers its open and running games: keep none.
    const games = (body.games ?? []).filter((g) => g.phase === "finished");
    return { games, next: body.next ?? null, total: Number(body.total ?? games.length) };
  }

  /** The first page again (newest first). */
  async refresh() {
    try {
      const got = await this.page(null);
      if (!got) return;
      // Keep the pages already read if the first one did not change.
      if (this.games.length > PAGE && got.games[0]?.id === this.games[0]?.id) return;
      this.games = got.games;
      this.next = got.next;
      this.total = got.total;
      this.render();
    } catch {
      // Offline: the banner says so; the next refresh tries again.
    }
  }

  async loadMore() {
    if (!this.next) return;
    this.more.disabled = true;
    try {
      const got = await this.page(this.next);
      if (!got) return;
      const seen = new Set(this.games.map((g) => g.id));
      this.games.push(...got.games.filter((g) => !seen.has(g.id)));
      this.next = got.next;
      this.total = got.total;
      this.render();
    } catch {
      // Try again with the button.
    } finally {
      this.more.disabled = false;
    }
  }

  render() {
    show(this.empty, this.games.length === 0);
    show(this.more, !!this.next);
    text(this.count, this.total ? `(${this.total})` : "");
    replace(this.list, this.games.map((g) => {
      const s = summarize(g);
      const kind = this.lobby.kindOf(s);
      const id = encodeURIComponent(g.id);
      const desc = `finished-${g.id}`;
      const result = kind?.describeResult?.(g.result) || g.result || "Game over";
      return h("li", { class: "game-row" },
        h("div", { class: "game-row-main", id: desc },
          this.lobby.badge(s),
          h("span", { class: "who" }, this.lobby.who(s)),
          h("span", { class: "meta" }, [
            result,
            formatDate(g.finished_at ?? g.created_at),
            g.moves != null ? `${g.moves} moves` : null,
          ].filter(Boolean).join(" · "))),
        h("div", { class: "row" },
          h("a", { class: "btn", href: `#/game/${id}`, "aria-describedby": desc }, "Review"),
          kind?.sgf ? h("a", { class: "btn btn-small", href: `api/games/${id}/sgf`, download: `game-${g.id}.sgf`, "aria-describedby": desc }, "SGF") : null));
    }));
  }
}
