// What every game page does with the socket and the store, whatever the game: follow the
// store's changes for its game, catch up on (re)connect with `watch` from the last rev it
// holds, stop watching when left as a spectator. A game's page extends `GamePage` and brings
// `build()`, `render()` and `changed(detail)`; see web/README.md.

import { h, toast } from "./dom.js";

/** This page's address, to share (without a `?debug` query). */
export function shareUrl() { return location.href.replace(/\?debug[^#]*/, ""); }

/** Copy the share link; where the clipboard is refused, show it to copy by hand. */
export async function copyShareLink() {
  const url = shareUrl();
  try {
    await navigator.clipboard.writeText(url);
    toast("Link copied. Anyone with it can watch this game.", "ok");
  } catch {
    window.prompt("Copy this link:", url);
  }
}

/** A waiting game's share box content: the read-only "Share link" field, with a "Copy link"
 * button unless `copy` is false. */
export function shareLink({ copy = true } = {}) {
  const input = h("input", { type: "text", readonly: true, id: "share-link", value: shareUrl(), onfocus: (e) => e.target.select() });
  const button = copy ? h("button", { class: "btn", type: "button", onclick: () => copyShareLink() }, "Copy link") : null;
  return [h("label", { for: "share-link", class: "sr-only" }, "Share link"), h("div", { class: "row" }, input, button)];
}

export class GamePage {
  constructor(root, { conn, store, sound, gameId }) {
    Object.assign(this, { root, conn, store, sound, gameId });
    this.notFound = false;
    this.onChange = (e) => { if (e.detail.gameId === this.gameId) this.changed(e.detail); };
  }

  /** The subclass has built its page: listen to the store, draw, and catch up if online. */
  start() {
    this.store.addEventListener("change", this.onChange);
    this.render();
    if (this.conn.state === "open") this.online();
  }

  destroy() {
    this.store.removeEventListener("change", this.onChange);
    if (!this.mine()) this.conn.send("unwatch", { game_id: this.gameId });
    document.title = "Tengen";
  }

  get entry() { return this.store.get(this.gameId); }
  get game() { return this.entry?.game ?? null; }
  mine() { return this.store.myColour(this.gameId); }

  /** (Re)connected: catch up from our last rev, or load the game. */
  online() {
    const e = this.store.entry(this.gameId);
    if (e.resyncing) return;
    e.resyncing = true;
    const payload = { game_id: this.gameId };
    if (e.game) payload.since_rev = e.game.rev;
    this.conn.request("watch", payload).then(
      () => this.store.markSynced(this.gameId),
      (err) => {
        e.resyncing = false;
        if (err.code === "not_found") { this.notFound = true; this.render(); }
        else if (err.code !== "offline") toast(err.message, "error");
      });
  }

  setStatus() { this.render(); }
}
