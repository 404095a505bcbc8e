// Rematch on a finished game: the "Rematch" button offers the same game with the colours
// swapped; the opponent sees the offer with "Accept rematch" / "Decline rematch"; once it is
// accepted both players land in the new game. How the offer stands comes from the server's
// `rematch` pushes on the finished game (kept in the store as `entry.rematch`).

import { h, replace, show, toast } from "./dom.js";

/** The seat a player would take in the rematch: the seats turned by one (two seats: swapped). */
function turned(game, seat) {
  const seats = Object.keys(game?.players ?? {});
  const i = seats.indexOf(seat);
  return i < 0 ? null : seats[(i + 1) % seats.length];
}

/** Someone else's name in the game (two players: the opponent's). */
function opponentOf(game, seat) {
  const [, p] = Object.entries(game?.players ?? {}).find(([s, q]) => s !== seat && q) ?? [];
  return p?.name ?? null;
}

export class RematchBox {
  constructor({ conn, gameId, onOpenGame, phaseOf = () => null }) {
    this.conn = conn;
    this.phaseOf = phaseOf; // the phase of a game the store holds (a bot's rematch starts at once)
    this.gameId = gameId;
    this.onOpenGame = onOpenGame;
    this.el = h("section", { class: "rematch-box card-inner", "aria-label": "Rematch", hidden: true });
    this.key = null;
    this.opened = null;
    this.busy = false;
  }

  async offer() {
    this.busy = true;
    this.renderNow();
    try {
      const reply = await this.conn.request("rematch", { game_id: this.gameId });
      if (this.phaseOf(reply.game_id) === "playing") this.open(reply.game_id);
    } catch (err) {
      toast(`No rematch: ${err.message}`, "error");
    } finally {
      this.busy = false;
      this.renderNow();
    }
  }

  async reply(offer, accept) {
    this.busy = true;
    this.renderNow();
    try {
      await this.conn.request("rematch_reply", { game_id: offer.game_id, accept });
      if (accept) this.open(offer.game_id);
      else toast("You declined the rematch.");
    } catch (err) {
      toast(`Could not answer the rematch: ${err.message}`, "error");
    } finally {
      this.busy = false;
      this.renderNow();
    }
  }

  open(gameId) {
    if (this.opened === gameId) return;
    this.opened = gameId;
    this.onOpenGame(gameId);
  }

  /** game: the finished game; offer: the latest `rematch` push's offer or null; me: my id. */
  update(game, offer, me, myColour) {
    this.args = [game, offer, me, myColour];
    this.renderNow();
  }

  renderNow() {
    const [game, offer, me, myColour] = this.args ?? [];
    const finished = game?.phase === "finished";
    const involved = !!myColour || (offer && (offer.player_id === me || (offer.for ?? []).includes(me)));
    const visible = finished && (involved || !!offer);
    show(this.el, !!visible);
    if (!visible) { this.key = null; return; }
    const state = offer ? `${offer.game_id}|${offer.phase}|${offer.player_id}` : "none";
    const k = `${state}|${this.busy}|${myColour}|${me}`;
    if (k === this.key) return;
    this.key = k;
    const opponent = myColour ? opponentOf(game, myColour) ?? "your opponent" : null;
    if (offer?.phase === "playing" && involved) {
      this.open(offer.game_id);
      replace(this.el, h("p", {}, "The rematch has started."),
        h("a", { class: "btn btn-small", href: `#/game/${encodeURIComponent(offer.game_id)}` }, "Open the rematch"));
      return;
    }
    if (!offer || offer.phase === "finished") {
      const declined = offer?.phase === "finished"
        ? h("p", { class: "note" }, offer.player_id === me ? `${opponent ?? "Your opponent"} declined the rematch.` : "The rematch was declined.")
        : null;
      if (!myColour) { replace(this.el, declined); return; }
      replace(this.el, declined,
        h("button", { class: "btn btn-primary", type: "button", disabled: this.busy, onclick: () => this.offer() }, "Rematch"),
        h("p", { class: "note" }, `Same settings, sides swapped: you would play ${turned(game, myColour)}.`));
      return;
    }
    // A waiting offer.
    if (offer.player_id === me) {
      replace(this.el, h("p", {}, `Rematch offered. Waiting for ${opponent ?? "your opponent"} to accept…`));
    } else if ((offer.for ?? []).includes(me)) {
      const colour = myColour ? turned(game, myColour) : null;
      replace(this.el,
        h("p", {}, `${offer.name ?? "Your opponent"} offers a rematch${colour ? `: you would play ${colour}` : ""}.`),
        h("div", { class: "row" },
          h("button", { class: "btn btn-primary", type: "button", disabled: this.busy, onclick: () => this.reply(offer, true) }, "Accept rematch"),
          h("button", { class: "btn", type: "button", disabled: this.busy, onclick: () => this.reply(offer, false) }, "Decline rematch")));
    } else {
      replace(this.el, h("p", { class: "note" }, `${offer.name ?? "A player"} offered a rematch.`));
    }
  }
}
