// Entry point: builds the connection, the store and the sound, routes with location.hash
// (#/ lobby, #/game/<id>) and hands socket pushes to the store or the lobby. A game page is
// the page of the game's kind (games/index.js); the kind comes from the store, from whoever
// opened the page, or from GET api/games/<id>.
// With ?debug in the URL, window.__gs exposes the pieces for tests and for poking around.

import { Connection } from "./core/protocol.js";
import { GameStore } from "./core/store.js";
import { Sound } from "./core/sound.js";
import { LobbyView } from "./core/lobby.js";
import { text, show, toast } from "./core/dom.js";
import { GAMES } from "./games/index.js";
import { QuickMatch } from "./core/quickmatch.js";

const conn = new Connection();
const store = new GameStore({
  resync: (gameId, sinceRev) =>
    conn.request("watch", sinceRev == null ? { game_id: gameId } : { game_id: gameId, since_rev: sinceRev }),
  kinds: (name) => GAMES.get(name),
});
const sound = new Sound();

const main = document.getElementById("main");
const banner = document.getElementById("offline-banner");
const bannerText = document.getElementById("offline-text");
const meName = document.getElementById("me-name");
const netDot = document.getElementById("net-dot");
let view = null;
const kindHints = new Map(); // game id -> kind name, from whoever opened the page
let routing = 0; // a newer route wins over a kind still being looked up

function openGame(id, kind) {
  if (kind) kindHints.set(id, kind);
  location.hash = `#/game/${encodeURIComponent(id)}`;
}
const quick = new QuickMatch({ conn, onOpenGame: openGame });

/** The kind of a game: known already, or asked of the server (the default kind if it fails). */
async function kindOf(gameId) {
  const known = store.get(gameId)?.game?.game ?? kindHints.get(gameId);
  if (known) return known;
  try {
    const res = await fetch(`api/games/${encodeURIComponent(gameId)}`, { headers: { accept: "application/json" } });
    if (res.ok) return (await res.json()).game ?? GAMES.fallback.name;
  } catch {
    // offline: the default kind's page shows the game once the socket is back
  }
  return GAMES.fallback.name;
}

async function route() {
  const hash = location.hash;
  if (hash && !hash.startsWith("#/")) return; // an in-page anchor, not a route
  const m = /^#\/game\/(.+)$/.exec(hash);
  const turn = ++routing;
  view?.destroy();
  view = null;
  if (m) {
    const gameId = decodeURIComponent(m[1]);
    const name = await kindOf(gameId);
    if (turn !== routing) return;
    const kind = GAMES.get(name) ?? GAMES.fallback;
    view = kind.mount(main, { conn, store, sound, gameId });
    document.body.dataset.page = "game";
    document.body.dataset.game = kind.name;
  } else {
    view = new LobbyView(main, { conn, store, games: GAMES, quick, onOpenGame: openGame });
    document.body.dataset.page = "lobby";
    delete document.body.dataset.game;
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
  const mine = me != null && Object.values(players).some((p) => p?.id === me) && msg.event.player_id !== me;
  if (!mine) return;
  toast(`${msg.event.name ?? "Someone"} joined your game.`, "ok");
  openGame(msg.game_id, msg.game?.game);
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
  // Which server the page is on (a cluster's node after a failover): for operators and tests.
  if (state === "open") document.body.dataset.endpoint = conn.url;
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
