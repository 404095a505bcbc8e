// The lobby: your name, the create form, open games to join and running games to watch.
// Open games come from the lobby subscription (lobby / lobby_update / lobby_remove);
// running games from GET api/games, refreshed while the lobby is shown.

import { h, replace, text, show, toast } from "./dom.js";
import { describeTimeControl } from "./clock.js";
import { RULESETS, rulesetName } from "./rules.js";

export const PRESETS = [
  { id: "rapid", label: "Rapid · 10 min + 5 × 30 s byo-yomi", tc: { system: "byoyomi", main: 600, periods: 5, period: 30 } },
  { id: "blitz", label: "Blitz · 3 min + 10 s Fischer", tc: { system: "fischer", main: 180, increment: 10, max: 600 } },
  { id: "live", label: "Live · 20 min + 30 s Fischer", tc: { system: "fischer", main: 1200, increment: 30, max: 2400 } },
  { id: "canadian", label: "Canadian · 10 min + 25 stones / 5 min", tc: { system: "canadian", main: 600, stones: 25, period: 300 } },
  { id: "absolute", label: "Sudden death · 15 min", tc: { system: "absolute", main: 900 } },
  { id: "none", label: "No time limit", tc: { system: "none" } },
  { id: "custom", label: "Custom…", tc: null },
];

/** A GameSummary or Game in whatever shape the server sends, reduced to what the lobby shows. */
export function summarize(g) {
  const s = g.settings ?? {};
  const players = g.players ?? {};
  const names = ["black", "white"].map((c) => players[c]?.name ?? null);
  const creator = g.creator?.name ?? g.creator_name ?? (typeof g.creator === "string" ? g.creator : null) ??
    names.find(Boolean) ?? "Someone";
  const ids = ["black", "white"].map((c) => players[c]?.id ?? null);
  return {
    id: g.id ?? g.game_id,
    size: Number(g.size ?? s.size ?? 19),
    komi: g.komi ?? s.komi,
    handicap: Number(g.handicap ?? s.handicap ?? 0),
    ruleset: g.ruleset ?? s.ruleset ?? null,
    tc: g.time_control ?? s.time_control,
    phase: g.phase ?? "waiting",
    creator: String(creator),
    creatorId: g.creator?.id ?? g.creator_id ?? ids.find(Boolean) ?? null,
    black: names[0],
    white: names[1],
    ids,
    moves: typeof g.moves === "number" ? g.moves : g.move_count ?? (Array.isArray(g.moves) ? g.moves.length : null),
    bot: !!(g.bot || g.opponent === "bot"),
    createdAt: Number(g.created_at ?? 0),
    openColour: g.open_color ?? g.open_seat ?? (names[0] && !names[1] ? "white" : !names[0] && names[1] ? "black" : null),
  };
}

function field(label, control, hint) {
  const id = control.id || `f-${label.toLowerCase().replace(/\W+/g, "-")}`;
  control.id = id;
  return h("div", { class: "field" }, h("label", { for: id }, label), control, hint ? h("small", { class: "hint" }, hint) : null);
}

function select(options, value) {
  return h("select", {}, options.map(([v, label]) => h("option", { value: v, selected: String(v) === String(value) }, label)));
}

export class LobbyView {
  constructor(root, { conn, store, onOpenGame }) {
    this.root = root;
    this.conn = conn;
    this.store = store;
    this.onOpenGame = onOpenGame;
    this.open = new Map();
    this.running = [];
    this.loadedOpen = false;
    this.build();
    this.refreshRunning();
    this.poll = setInterval(() => this.refreshRunning(), 10000);
    if (conn.state === "open") this.online();
  }

  destroy() {
    clearInterval(this.poll);
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
    try {
      const res = await fetch("api/games", { headers: { accept: "application/json" } });
      if (!res.ok) return;
      const body = await res.json();
      const list = Array.isArray(body) ? body : body.games ?? [];
      this.running = list.map(summarize).filter((g) => g.phase === "playing" || g.phase === "scoring")
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
            h("h1", {}, "Play Go in your browser"),
            h("p", { class: "lede" }, "Real-time games on 9×9, 13×13 and 19×19 boards, with proper clocks, scoring and spectators. No account needed.")),
          nameForm),
        h("div", { class: "lobby-grid" },
          h("section", { class: "card", "aria-labelledby": "open-h" },
            h("h2", { id: "open-h" }, "Open games"),
            this.openList, this.openEmpty,
            h("h2", { id: "running-h", class: "spaced" }, "Games in progress"),
            this.runningList, this.runningEmpty),
          this.buildCreateForm())));
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

  buildCreateForm() {
    const size = select([[9, "9 × 9"], [13, "13 × 13"], [19, "19 × 19"]], 19);
    const komi = h("input", { type: "number", step: "0.5", min: "-50", max: "50", value: "6.5", inputmode: "decimal" });
    const handicap = select([[0, "None"], ...[2, 3, 4, 5, 6, 7, 8, 9].map((n) => [n, `${n} stones`])], 0);
    const ruleset = select(RULESETS.map((r) => [r.id, r.label]), "japanese");
    const placement = select([["fixed", "Fixed (star points)"], ["free", "Free (Black places them)"]], "fixed");
    const placementField = h("div", { class: "span-2" }, field("Handicap stones", placement));
    const time = select(PRESETS.map((p) => [p.id, p.label]), "rapid");
    const colour = select([["random", "Random"], ["black", "Black"], ["white", "White"]], "random");
    const opponent = select([["person", "A person"], ["bot", "The bot"]], "person");

    const system = select([["byoyomi", "Byo-yomi"], ["fischer", "Fischer"], ["canadian", "Canadian"], ["absolute", "Sudden death"], ["none", "None"]], "byoyomi");
    const num = (value, min = 0) => h("input", { type: "number", min, step: "1", value, inputmode: "numeric" });
    // Main time may be a fraction of a minute (0.5 = 30 s); the rest are whole numbers.
    const main = h("input", { type: "number", min: 0, step: "any", value: 10, inputmode: "decimal" });
    const increment = num(10), max = num(20), periods = num(5, 1), period = num(30, 1), stones = num(25, 1);
    const fields = {
      main: field("Main time (minutes)", main),
      increment: field("Increment (seconds)", increment),
      max: field("Maximum (minutes)", max),
      periods: field("Periods", periods),
      period: field("Period (seconds)", period),
      stones: field("Stones per period", stones),
    };
    const custom = h("fieldset", { class: "custom-time", hidden: true },
      h("legend", {}, "Custom time"), field("System", system), ...Object.values(fields));
    const uses = {
      byoyomi: ["main", "periods", "period"], fischer: ["main", "increment", "max"],
      canadian: ["main", "stones", "period"], absolute: ["main"], none: [],
    };
    const syncCustom = () => {
      show(custom, time.value === "custom");
      for (const [k, f] of Object.entries(fields)) show(f, uses[system.value].includes(k));
    };
    time.addEventListener("change", syncCustom);
    system.addEventListener("change", syncCustom);
    syncCustom();

    let komiTouched = false;
    komi.addEventListener("input", () => { komiTouched = true; });
    const rules = () => RULESETS.find((r) => r.id === ruleset.value) ?? RULESETS[0];
    const defaults = () => {
      const r = rules();
      if (!komiTouched) komi.value = String(Number(handicap.value) > 0 ? r.handicapKomi : r.komi);
      // Free placement is offered only where the rules allow it.
      show(placementField, Number(handicap.value) > 0 && r.free);
      if (!r.free) placement.value = "fixed";
    };
    const rulesChanged = () => {
      placement.value = rules().freeByDefault ? "free" : "fixed";
      defaults();
    };
    handicap.addEventListener("change", defaults);
    ruleset.addEventListener("change", rulesChanged);
    rulesChanged();

    const submit = h("button", { class: "btn btn-primary btn-wide", type: "submit" }, "Create game");
    const timeControl = () => {
      if (time.value !== "custom") return PRESETS.find((p) => p.id === time.value).tc;
      const n = (input) => Math.max(0, Number(input.value) || 0);
      const mainS = Math.round(n(main) * 60 * 1000) / 1000; // whole ms, no 6.000000000000001
      switch (system.value) {
        case "byoyomi": return { system: "byoyomi", main: mainS, periods: Math.max(1, n(periods)), period: Math.max(1, n(period)) };
        case "fischer": return { system: "fischer", main: mainS, increment: n(increment), max: n(max) * 60 };
        case "canadian": return { system: "canadian", main: mainS, stones: Math.max(1, n(stones)), period: Math.max(1, n(period)) };
        case "absolute": return { system: "absolute", main: mainS || 60 };
        default: return { system: "none" };
      }
    };
    const form = h("form", { class: "card create-form", "aria-labelledby": "create-h" },
      h("h2", { id: "create-h" }, "New game"),
      h("div", { class: "form-grid" },
        field("Board size", size), field("Komi", komi), field("Handicap", handicap), field("Rules", ruleset),
        placementField,
        h("div", { class: "span-2" }, field("Time control", time)), custom,
        field("Colour", colour), field("Opponent", opponent)),
      submit);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const payload = {
        size: Number(size.value),
        komi: Number(komi.value) || 0,
        handicap: Number(handicap.value),
        ruleset: ruleset.value,
        handicap_placement: placement.value,
        time_control: timeControl(),
        color: colour.value,
      };
      if (opponent.value === "bot") payload.opponent = "bot";
      submit.disabled = true;
      try {
        // Leaving the Name field for this button starts a rename (a quick reconnect): wait
        // for it, or the create would be sent into the closing socket.
        await new Promise((resolve) => setTimeout(resolve, 0));
        if (this.renaming) await this.renaming;
        await this.conn.whenOpen();
        const reply = await this.conn.request("create", payload);
        this.onOpenGame(reply.game_id ?? reply.game?.id);
      } catch (err) {
        toast(`Could not create the game: ${err.message}`, "error");
      } finally {
        submit.disabled = false;
      }
    });
    return form;
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
          h("span", { class: `size-badge s${g.size}` }, `${g.size}×${g.size}`),
          h("span", { class: "who" }, g.creator, mine ? h("span", { class: "tag" }, "you") : null),
          h("span", { class: "meta" }, [
            describeTimeControl(g.tc),
            rulesetName(g.ruleset) || null,
            g.komi !== undefined ? `komi ${g.komi}` : null,
            g.handicap ? `handicap ${g.handicap}` : null,
            !mine && g.openColour ? `you play ${g.openColour}` : null,
          ].filter(Boolean).join(" · "))),
        action);
    }));
  }

  renderRunning() {
    show(this.runningEmpty, this.running.length === 0);
    replace(this.runningList, this.running.map((g) => {
      const mine = this.isMine(g);
      return h("li", { class: "game-row" },
        h("div", { class: "game-row-main" },
          h("span", { class: `size-badge s${g.size}` }, `${g.size}×${g.size}`),
          h("span", { class: "who" },
            h("span", { class: "stone-icon black", "aria-hidden": "true" }), g.black ?? "?",
            h("span", { class: "vs" }, " vs "),
            h("span", { class: "stone-icon white", "aria-hidden": "true" }), g.white ?? "?"),
          h("span", { class: "meta" }, [
            describeTimeControl(g.tc),
            rulesetName(g.ruleset) || null,
            g.moves != null ? `move ${g.moves}` : null,
            g.phase === "scoring" ? "scoring" : null,
          ].filter(Boolean).join(" · "))),
        h("a", { class: "btn", href: `#/game/${encodeURIComponent(g.id)}` }, mine ? "Open" : "Watch"));
    }));
  }

  async join(gameId) {
    try {
      await this.conn.request("join", { game_id: gameId });
      this.onOpenGame(gameId);
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
