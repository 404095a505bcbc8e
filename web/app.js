// Entry point: builds the connection, the store and the sound, routes with location.hash
// (#/ lobby, #/game/<id>) and hands socket pushes to the store or the lobby.
// With ?debug in the URL, window.__gs exposes the pieces for tests and for poking around.

import { Connection } from "./protocol.js";
import { GameStore } from "./store.js";
import { Sound } from "./sound.js";
import { LobbyView } from "./lobby.js";
import { GameView } from "./game.js";
import { QuickMatch } from "./quickmatch.js";
import { h, replace, text, show, toast } from "./dom.js";

const conn = new Connection();
const store = new GameStore({
  resync: (gameId, sinceRev) =>
    conn.request("watch", sinceRev == null ? { game_id: gameId } : { game_id: gameId, since_rev: sinceRev }),
});
const sound = new Sound();
const openGame = (id) => { location.hash = `#/game/${encodeURIComponent(id)}`; };
const quick = new QuickMatch({ conn, onOpenGame: openGame });

const main = document.getElementById("main");
const banner = document.getElementById("offline-banner");
const bannerText = document.getElementById("offline-text");
const meName = document.getElementById("me-name");
const netDot = document.getElementById("net-dot");
let view = null;

function route() {
  const hash = location.hash;
  if (hash && !hash.startsWith("#/")) return; // an in-page anchor, not a route
  const m = /^#\/game\/(.+)$/.exec(hash);
  view?.destroy();
  view = null;
  if (m) {
    const gameId = decodeURIComponent(m[1]);
    view = new GameView(main, { conn, store, sound, gameId });
    document.body.dataset.page = "game";
  } else {
    view = new LobbyView(main, { conn, store, quick, onOpenGame: openGame });
    document.body.dataset.page = "lobby";
    document.title = "Tengen · Go";
  }
  main.focus({ preventScroll: true });
  // A new page starts at its top: the lobby's scroll position (its Create game button is far
  // down on a phone) used to carry over and hide the player cards and the board's top rows.
  window.scrollTo(0, 0);
}

conn.addEventListener("message", (e) => {
  const msg = e.detail;
  switch (msg.type) {
    case "game": store.applyGame(msg); break;
    case "update":
      store.applyUpdate(msg);
      maybeOpenJoinedGame(msg);
      break;
    case "chat": store.applyChat(msg); break;
    case "chat_history": store.applyChatHistory(msg); break;
    case "rematch": store.applyRematch(msg); break;
    case "quick_match": quick.onMessage(msg); break;
    case "lobby":
    case "lobby_update":
    case "lobby_remove":
      if (view instanceof LobbyView) view.onMessage(msg);
      break;
    case "error":
      toast(msg.message || `Error: ${msg.code}`, "error");
      if (msg.code === "stale_rev" && msg.game_id) store.requestResync(msg.game_id);
      break;
    default:
      break;
  }
});

/** Someone took the free seat of a game we created while we wait in the lobby: go and play. */
function maybeOpenJoinedGame(msg) {
  if (!(view instanceof LobbyView) || msg.event?.kind !== "player_joined") return;
  const players = msg.game?.players ?? {};
  const me = store.playerId;
  const mine = me != null && (players.black?.id === me || players.white?.id === me) && msg.event.player_id !== me;
  if (!mine) return;
  toast(`${msg.event.name ?? "Someone"} joined your game.`, "ok");
  location.hash = `#/game/${encodeURIComponent(msg.game_id)}`;
}

conn.addEventListener("welcome", (e) => {
  store.playerId = e.detail.player_id;
  text(meName, e.detail.name ?? "");
  view?.render?.();
  if (view instanceof LobbyView) { view.syncName(); view.renderOpen(); view.renderRunning(); }
});

conn.addEventListener("name-refused", (e) => toast(`Name not accepted: ${e.detail.message}`, "error"));

let countdown = null;
conn.addEventListener("status", (e) => {
  const { state } = e.detail;
  document.body.dataset.net = state;
  netDot.className = `net-dot ${state}`;
  netDot.setAttribute("aria-label", state === "open" ? "Online" : state === "connecting" ? "Connecting" : "Offline");
  clearInterval(countdown);
  if (state === "open") {
    show(banner, false);
    view?.online();
  } else {
    if (state === "offline") store.markAllUnsynced();
    // A first connect or a quick reconnect (after a rename) is not worth a banner.
    show(banner, state === "offline" || conn.attempt > 0);
    const tick = () => {
      if (conn.state === "connecting") { text(bannerText, "Connection lost. Reconnecting…"); return; }
      const s = Math.max(0, Math.ceil((conn.retryAt - Date.now()) / 1000));
      text(bannerText, `Connection lost. Reconnecting in ${s} s…`);
    };
    tick();
    countdown = setInterval(tick, 500);
  }
  view?.setStatus?.();
  view?.render?.();
});

document.getElementById("retry-now").addEventListener("click", () => conn.retryNow());
document.querySelector(".skip-link").addEventListener("click", (e) => {
  e.preventDefault(); // keep the route in the hash
  main.focus();
});
window.addEventListener("hashchange", route);

if (new URLSearchParams(location.search).has("debug")) {
  window.__gs = { conn, store, sound, get view() { return view; }, inject: (msg) => conn.dispatchEvent(new CustomEvent("message", { detail: msg })) };
}

route();
conn.start();
