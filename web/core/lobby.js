// The lobby: your name, the create form for every game kind the server serves, open games to
// join and running games to watch. Open games come from the lobby subscription (lobby /
// lobby_update / lobby_remove); running games and the kinds served from GET api/games,
// refreshed while the lobby is shown. What is particular to a kind (its create fields, how a
// row describes a game) comes from the kind's module (registry.js).

import { h, replace, text, show, toast } from "./dom.js";
import { field, select } from "./form.js";
import { FinishedGames } from "./history.js";
import { QuickMatchCard } from "./quickmatch.js";

/** A GameSummary or Game in whatever shape the server sends, reduced to what the lobby shows. */
export function summarize(g) {
  const players = g.players ?? {};
  const seats = {};
  for (const [seat, p] of Object.entries(players)) seats[seat] = p?.name ?? null;
  const names = Object.values(seats);
  const ids = Object.values(players).map((p) => p?.id ?? null);
  const creator = g.creator?.name ?? g.creator_name ?? (typeof g.creator === "string" ? g.creator : null) ??
    names.find(Boolean) ?? "Someone";
  const free = Object.entries(seats).filter(([, name]) => !name).map(([seat]) => seat);
  return {
    id: g.id ?? g.game_id,
    kind: g.game ?? "go",
    settings: g.settings ?? {},
    phase: g.phase ?? "waiting",
    creator: String(creator),
    creatorId: g.creator?.id ?? g.creator_id ?? ids.find(Boolean) ?? null,
    seats,
    ids,
    moves: typeof g.moves === "number" ? g.moves : g.move_count ?? (Array.isArray(g.moves) ? g.moves.length : null),
    bot: !!(g.bot || g.opponent === "bot"),
    createdAt: Number(g.created_at ?? 0),
    openSeat: g.open_color ?? g.open_seat ?? (free.length === 1 && names.some(Boolean) ? free[0] : null),
    raw: g,
  };
}

export class LobbyView {
  constructor(root, { conn, store, games, quick, onOpenGame }) {
    this.root = root;
    this.conn = conn;
    this.store = store;
    this.games = games; // a Registry
    this.served = null; // names of the kinds the server serves, once GET api/games said
    this.onOpenGame = onOpenGame;
    this.open = new Map();
    this.running = [];
    this.loadedOpen = false;
    this.finished = new FinishedGames({ lobby: this });
    // Quick match for the first kind that offers it (Go).
    const quickKind = games.all().find((k) => k.quickMatch);
    this.quick = quick && quickKind ? new QuickMatchCard({ quick, kind: quickKind }) : null;
    this.build();
    this.refreshRunning();
    this.poll = setInterval(() => this.refreshRunning(), 10000);
    if (conn.state === "open") this.online();
  }

  destroy() {
    clearInterval(this.poll);
    this.quick?.destroy();
    this.conn.send("lobby_unsubscribe", {});
  }

  online() {
    this.conn.request("lobby_subscribe", {}).catch(() => {});
    this.refreshRunning();
    this.syncName();
  }

  syncName() {
    const name = this.conn.welcome?.name ?? this.conn.name;
    if (document.activeElement !== this.nameInput && name) this.nameInput.value = name;
  }

  /** Lobby pushes from the socket. */
  onMessage(msg) {
    if (msg.type === "lobby") {
      this.open.clear();
      for (const g of msg.games ?? []) {
        const s = summarize(g);
        if (s.id != null) this.open.set(s.id, s);
      }
      this.loadedOpen = true;
    } else if (msg.type === "lobby_update" && msg.game) {
      const s = summarize(msg.game);
      if (s.id == null) return;
      if (s.phase === "waiting") this.open.set(s.id, s);
      else { this.open.delete(s.id); this.refreshRunning(); }
    } else if (msg.type === "lobby_remove") {
      this.open.delete(msg.game_id);
      this.refreshRunning();
    } else {
      return;
    }
    this.renderOpen();
  }

  async refreshRunning() {
    this.finished.refresh();
    try {
      const res = await fetch("api/games", { headers: { accept: "application/json" } });
      if (!res.ok) return;
      const body = await res.json();
      const list = Array.isArray(body) ? body : body.games ?? [];
      if (Array.isArray(body.kinds)) this.setServed(body.kinds.map((k) => k.name ?? k));
      this.running = list.map(summarize).filter((g) => g.phase !== "waiting" && g.phase !== "finished")
        .sort((a, b) => b.createdAt - a.createdAt);
      if (!this.loadedOpen) {
        for (const g of list.map(summarize).filter((x) => x.phase === "waiting")) this.open.set(g.id, g);
        this.renderOpen();
      }
      this.renderRunning();
    } catch {
      // The server is unreachable; the offline banner already says so.
    }
  }

  build() {
    this.nameInput = h("input", { type: "text", maxlength: 32, autocomplete: "nickname", spellcheck: "false", placeholder: "Your name" });
    this.nameInput.value = this.conn.welcome?.name ?? this.conn.name ?? "";
    const nameForm = h("form", { class: "name-form", onsubmit: (e) => { e.preventDefault(); this.saveName(); } },
      field("Name", this.nameInput),
      h("button", { class: "btn", type: "submit" }, "Save name"));
    this.nameInput.addEventListener("change", () => this.saveName());

    this.openList = h("ul", { class: "game-list", "aria-label": "Open games" });
    this.openEmpty = h("p", { class: "empty" }, "No open games right now. Create one and share the link, or play the bot.");
    this.runningList = h("ul", { class: "game-list", "aria-label": "Games in progress" });
    this.runningEmpty = h("p", { class: "empty" }, "No games in progress.");

    replace(this.root,
      h("div", { class: "lobby" },
        h("section", { class: "hero card" },
          h("div", { class: "hero-text" },
            this.heroTitle = h("h1", {}, "Play Go in your browser"),
            this.heroLede = h("p", { class: "lede" }, "Real-time games on 9×9, 13×13 and 19×19 boards, with proper clocks, scoring and spectators. No account needed.")),
          nameForm),
        h("div", { class: "lobby-grid" },
          h("section", { class: "card", "aria-labelledby": "open-h" },
            h("h2", { id: "open-h" }, "Open games"),
            this.openList, this.openEmpty,
            h("h2", { id: "running-h", class: "spaced" }, "Games in progress"),
            this.runningList, this.runningEmpty,
            this.finished.el),
          h("div", { class: "lobby-side" }, this.quick?.el, this.buildCreateForm()))));
    this.renderOpen();
    this.renderRunning();
  }

  async saveName() {
    const name = this.nameInput.value.trim().slice(0, 32);
    if (!name || name === (this.conn.welcome?.name ?? "") || name === this.savingName) return;
    if (!/^[\p{L}\p{N}\p{M} _\-.']+$/u.test(name)) {
      toast("A name may only hold letters, digits, spaces and _ - . '", "error");
      return;
    }
    this.savingName = name; // Enter fires both "change" and "submit"
    try {
      // Remembered so a create clicked while the rename reconnects waits for it.
      this.renaming = this.conn.rename(name);
      await this.renaming;
      toast(`You are now “${this.conn.welcome?.name ?? name}”.`, "ok");
    } catch (err) {
      toast(err.message, "error");
    } finally {
      this.savingName = null;
      this.renaming = null;
    }
  }

  /** The form: a Game picker (when the server serves more than one kind we have a page for),
   * the chosen kind's fields, and Create game. Each kind's fields are built once and kept. */
  buildCreateForm() {
    this.kindForms = new Map();
    this.kindPicker = select([], "");
    this.kindField = h("div", { class: "field-wide", hidden: true }, field("Game", this.kindPicker));
    this.kindPicker.addEventListener("change", () => this.showKind(this.kindPicker.value));
    this.kindFields = h("div", { class: "kind-fields" });
    const submit = h("button", { class: "btn btn-primary btn-wide", type: "submit" }, "Create game");
    const form = h("form", { class: "card create-form", "aria-labelledby": "create-h" },
      h("h2", { id: "create-h" }, "New game"),
      this.kindField, this.kindFields,
      submit);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const kind = this.kind;
      const payload = { game: kind.name, ...this.kindForms.get(kind.name).payload() };
      submit.disabled = true;
      try {
        // Leaving the Name field for this button starts a rename (a quick reconnect): wait
        // for it, or the create would be sent into the closing socket.
        await new Promise((resolve) => setTimeout(resolve, 0));
        if (this.renaming) await this.renaming;
        await this.conn.whenOpen();
        const reply = await this.conn.request("create", payload);
        this.onOpenGame(reply.game_id ?? reply.game?.id, kind.name);
      } catch (err) {
        toast(`Could not create the game: ${err.message}`, "error");
      } finally {
        submit.disabled = false;
      }
    });
    this.setServed(null);
    return form;
  }

  /** The kinds offered: those the server serves that have a page here (until it says, only
   * the default kind, so nothing is offered that the server may refuse). */
  setServed(names) {
    const key = names ? names.join(",") : null;
    if (this.kindPicker.options.length && key === this.served) return;
    this.served = key;
    const kinds = names ? this.games.served(names) : [];
    const offered = kinds.length ? kinds : [this.games.fallback];
    const current = offered.find((k) => k.name === this.kind?.name) ?? offered[0];
    replace(this.kindPicker, offered.map((k) => h("option", { value: k.name }, k.title)));
    show(this.kindField, offered.length > 1);
    if (offered.length > 1 || offered[0].name !== "go") {
      text(this.heroTitle, "Play in your browser");
      text(this.heroLede, `Real-time ${offered.map((k) => k.title).join(", ")}: with friends, against the bot, or watch. No account needed.`);
    }
    this.showKind(current.name);
  }

  showKind(name) {
    const kind = this.games.get(name) ?? this.games.fallback;
    this.kind = kind;
    this.kindPicker.value = kind.name;
    if (!this.kindForms.has(kind.name)) this.kindForms.set(kind.name, kind.createForm());
    replace(this.kindFields, this.kindForms.get(kind.name).fields);
  }

  kindOf(g) { return this.games.get(g.kind); }

  badge(g) {
    const kind = this.kindOf(g);
    return kind?.badge?.(g) ?? h("span", { class: "size-badge kind-badge" }, kind?.title ?? g.kind);
  }

  who(g) {
    const kind = this.kindOf(g);
    if (kind?.who) return kind.who(g);
    const names = Object.values(g.seats).map((n) => n ?? "?");
    return names.flatMap((n, i) => (i ? [h("span", { class: "vs" }, " vs "), n] : [n]));
  }

  meta(g, mine, running) {
    const kind = this.kindOf(g);
    if (kind?.meta) return kind.meta(g, { mine, running });
    return [
      running && g.moves != null ? `move ${g.moves}` : null,
      !running && !mine && g.openSeat ? `you play ${g.openSeat}` : null,
    ].filter(Boolean).join(" · ");
  }

  isMine(g) {
    const me = this.store.playerId;
    return me != null && (g.creatorId === me || g.ids.includes(me));
  }

  renderOpen() {
    const games = [...this.open.values()].sort((a, b) => b.createdAt - a.createdAt);
    show(this.openEmpty, games.length === 0);
    replace(this.openList, games.map((g) => {
      const mine = this.isMine(g);
      const desc = `open-${g.id}`;
      const action = mine
        ? h("a", { class: "btn", href: `#/game/${encodeURIComponent(g.id)}` }, "Open")
        : h("button", { class: "btn btn-primary", type: "button", "aria-describedby": desc, onclick: () => this.join(g.id) }, "Join");
      return h("li", { class: "game-row" },
        h("div", { class: "game-row-main", id: desc },
          this.badge(g),
          h("span", { class: "who" }, g.creator, mine ? h("span", { class: "tag" }, "you") : null),
          h("span", { class: "meta" }, this.meta(g, mine, false))),
        action);
    }));
  }

  renderRunning() {
    show(this.runningEmpty, this.running.length === 0);
    replace(this.runningList, this.running.map((g) => {
      const mine = this.isMine(g);
      return h("li", { class: "game-row" },
        h("div", { class: "game-row-main" },
          this.badge(g),
          h("span", { class: "who" }, this.who(g)),
          h("span", { class: "meta" }, this.meta(g, mine, true))),
        h("a", { class: "btn", href: `#/game/${encodeURIComponent(g.id)}` }, mine ? "Open" : "Watch"));
    }));
  }

  async join(gameId) {
    try {
      await this.conn.request("join", { game_id: gameId });
      this.onOpenGame(gameId, this.open.get(gameId)?.kind);
    } catch (err) {
      toast(`Could not join: ${err.message}`, "error");
    }
  }

  setStatus() {
    this.syncName();
    text(this.openEmpty, this.conn.state === "open"
      ? "No open games right now. Create one and share the link, or play the bot."
      : "Connecting to the server…");
  }
}
