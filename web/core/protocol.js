// The websocket connection: reconnect with backoff, request ids matched to ok/error replies,
// hello on every (re)connect with the stored token, and a ping/pong estimate of the offset
// between this machine's clock and the server's. It knows nothing about Go or the DOM; it emits
// events on an EventTarget:
//   "status"  {detail: {state: "connecting"|"open"|"offline", retryIn?: ms, attempt}}
//   "welcome" {detail: welcome message}          (after every successful hello)
//   "message" {detail: any push that is not a reply}

import { httpUrlOf, mergeEndpoints } from "./endpoints.js";

const TOKEN_KEY = "gameserver.token";
const NAME_KEY = "gameserver.name";

/** ws(s)://host/<dir>/ws, built from the page location so the client works under any path. */
export function socketUrl(loc = window.location) {
  const url = new URL("ws", loc.href);
  url.protocol = loc.protocol === "https:" ? "wss:" : "ws:";
  url.hash = "";
  url.search = "";
  return url.href;
}

/** Server timestamps may come as seconds (Python time.time()) or milliseconds. */
export function toMs(t) {
  const n = Number(t);
  if (!Number.isFinite(n)) return NaN;
  return n < 1e11 ? n * 1000 : n;
}

/** Reconnect backoff: the first retry at once (a restarting server is back within a second or
 * two), then 0.5 s doubling, capped at RETRY_CAP_MS so a page notices a server that is back
 * within a few seconds at most; +-20 % jitter spreads a crowd of pages reconnecting together. */
export const RETRY_CAP_MS = 2000;
export function retryDelay(attempt, random = Math.random) {
  const base = attempt <= 1 ? 150 : Math.min(RETRY_CAP_MS, 250 * 2 ** (attempt - 1));
  return Math.round(base * (0.8 + random() * 0.4));
}

export class RequestError extends Error {
  constructor(reply) {
    super(reply.message || reply.code || "request failed");
    this.code = reply.code || "internal";
    this.reason = reply.reason;
    this.reply = reply;
  }
}

export class Connection extends EventTarget {
  constructor({ url = socketUrl(), storage = window.localStorage, WebSocketImpl = window.WebSocket,
    fetchImpl = (...args) => window.fetch(...args) } = {}) {
    super();
    // The page's own server first; a cluster's other nodes join after each welcome, and a
    // dropped socket tries the next one at once before any backoff (docs/cluster.md).
    this.home = url;
    this.endpoints = [url];
    this.endpoint = 0;
    this.failedInRound = 0;
    this.fetchImpl = fetchImpl;
    this.storage = storage;
    this.WebSocketImpl = WebSocketImpl;
    this.ws = null;
    this.state = "offline";
    this.attempt = 0;
    this.nextId = 1;
    this.pending = new Map(); // id -> {resolve, reject, timer}
    this.offsetMs = 0; // server_time - local time
    this.samples = []; // [{rtt, offset}]
    this.welcome = null;
    this.retryTimer = null;
    this.pingTimer = null;
    this.retryAt = 0;
  }

  /** The websocket URL in use (or tried next). */
  get url() { return this.endpoints[this.endpoint]; }

  get token() { return this.storage.getItem(TOKEN_KEY) || undefined; }
  get name() { return this.storage.getItem(NAME_KEY) || ""; }

  /** Server time now, in ms, estimated from ping/pong. */
  serverNow() { return Date.now() + this.offsetMs; }

  start() {
    // The network is back: retry at once, even over a connect attempt that may hang on the
    // dead network it was started on.
    window.addEventListener("online", () => this.retryNow({ abandonConnecting: true }));
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible" && this.state === "offline") this.retryNow();
    });
    this.connect();
  }

  retryNow({ abandonConnecting = false } = {}) {
    if (this.state === "connecting" && abandonConnecting && this.ws?.readyState === 0) {
      const ws = this.ws;
      this.ws = null; // its close event is ignored from now on
      ws.close();
    } else if (this.state !== "offline") return;
    clearTimeout(this.retryTimer);
    this.connect();
  }

  connect() {
    this.setState("connecting");
    let ws;
    try {
      ws = new this.WebSocketImpl(this.url);
    } catch (err) {
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    // A connect that hangs (black-holed network) counts as a failure after 10 s.
    const stuck = setTimeout(() => { if (ws === this.ws && ws.readyState === 0) { ws.close(); this.onClose(ws); } }, 10000);
    ws.onopen = () => { clearTimeout(stuck); this.onOpen(ws); };
    ws.onmessage = (ev) => this.onFrame(ws, ev.data);
    ws.onclose = () => this.onClose(ws);
    ws.onerror = () => {}; // a close always follows
  }

  async onOpen(ws) {
    if (ws !== this.ws) return;
    try {
      const hello = { token: this.token };
      if (this.name) hello.name = this.name;
      const welcome = await this.request("hello", hello, { force: true });
      if (ws !== this.ws) return;
      this.applyWelcome(welcome);
      this.attempt = 0;
      this.failedInRound = 0;
      this.discoverNodes(ws);
      this.setState("open");
      this.startPings();
    } catch (err) {
      if (err.code === "unauthorized" && this.token) {
        // The server no longer knows this token (e.g. wiped database): start a fresh identity.
        this.storage.removeItem(TOKEN_KEY);
        this.quickReconnect = true;
      } else if (err.code === "bad_request" && this.name) {
        // The server refused the stored name: forget it rather than retry it forever.
        this.storage.removeItem(NAME_KEY);
        this.quickReconnect = true;
        this.dispatchEvent(new CustomEvent("name-refused", { detail: { message: err.message } }));
      }
      if (ws === this.ws) ws.close();
    }
  }

  /** Learn the cluster's other live nodes from the server just reached (a lone server lists only
   * itself); a failure leaves the list as it was. */
  async discoverNodes(ws) {
    try {
      const response = await this.fetchImpl(httpUrlOf(this.url, "api/nodes"), { cache: "no-store" });
      if (!response.ok || ws !== this.ws) return;
      const { nodes } = await response.json();
      this.endpoints = mergeEndpoints(this.url, this.home, nodes);
      this.endpoint = 0;
    } catch {
      // an old server without /api/nodes, or one going down: keep what we have
    }
  }

  applyWelcome(welcome) {
    if (welcome.token) this.storage.setItem(TOKEN_KEY, welcome.token);
    if (welcome.name) this.storage.setItem(NAME_KEY, welcome.name);
    this.welcome = { player_id: welcome.player_id, name: welcome.name };
    this.dispatchEvent(new CustomEvent("welcome", { detail: this.welcome }));
  }

  /** Resolves once the socket is open and has said hello (at once if it already is). */
  whenOpen(timeoutMs = 10000) {
    if (this.state === "open") return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.removeEventListener("status", onStatus);
        reject(new RequestError({ code: "offline", message: "Not connected. Reconnecting…" }));
      }, timeoutMs);
      const onStatus = () => {
        if (this.state !== "open") return;
        clearTimeout(timer);
        this.removeEventListener("status", onStatus);
        resolve();
      };
      this.addEventListener("status", onStatus);
    });
  }

  /**
   * Change the display name. The server takes a name only with `hello`, once per socket, so we
   * store it and reconnect at once (no backoff, no offline banner); `welcome` carries the result.
   */
  rename(name) {
    this.storage.setItem(NAME_KEY, name);
    if (!this.ws) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => { clearTimeout(timer); this.removeEventListener("welcome", done); resolve(); };
      const timer = setTimeout(done, 10000); // offline: the name goes with the next hello
      this.addEventListener("welcome", done);
      this.quickReconnect = true;
      this.ws.close(1000, "rename");
    });
  }

  onClose(ws) {
    if (ws !== this.ws) return;
    this.ws = null;
    clearInterval(this.pingTimer);
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new RequestError({ code: "offline", message: "The connection was lost." }));
    }
    this.pending.clear();
    if (this.quickReconnect) {
      this.quickReconnect = false;
      this.attempt = 0;
      this.connect();
      return;
    }
    if (this.endpoints.length > 1) {
      this.endpoint = (this.endpoint + 1) % this.endpoints.length;
      if (++this.failedInRound < this.endpoints.length) {
        // Another node of the cluster may well be up: try it at once, backing off only after
        // every endpoint has failed once.
        this.setState("offline", { retryIn: 0 });
        clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => this.connect(), 50 + Math.round(Math.random() * 200));
        return;
      }
      this.failedInRound = 0;
    }
    this.scheduleRetry();
  }

  scheduleRetry() {
    this.attempt += 1;
    const delay = retryDelay(this.attempt);
    this.retryAt = Date.now() + delay;
    this.setState("offline", { retryIn: delay });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  setState(state, extra = {}) {
    this.state = state;
    this.dispatchEvent(new CustomEvent("status", { detail: { state, attempt: this.attempt, ...extra } }));
  }

  onFrame(ws, data) {
    if (ws !== this.ws) return;
    let msg;
    try {
      msg = JSON.parse(data);
    } catch {
      console.warn("ignoring a frame that is not JSON");
      return;
    }
    if (!msg || typeof msg !== "object") return;
    if (msg.type === "welcome" && msg.id == null && this.helloId != null && this.pending.has(this.helloId)) {
      msg = { ...msg, id: this.helloId }; // a server that does not echo ids on welcome
    }
    if ((msg.type === "ok" || msg.type === "error" || msg.type === "welcome") && msg.id != null && this.pending.has(msg.id)) {
      const p = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      clearTimeout(p.timer);
      if (msg.type === "error") p.reject(new RequestError(msg));
      else p.resolve(msg);
      return; // the caller explains its own errors
    }
    if (msg.type === "pong") { this.onPong(msg); return; }
    if (msg.type === "welcome" && msg.id == null) { this.applyWelcome(msg); return; }
    this.dispatchEvent(new CustomEvent("message", { detail: msg }));
  }

  /** Send without waiting for a reply. Returns false when offline. */
  send(type, payload = {}) {
    if (!this.ws || this.ws.readyState !== 1) return false;
    this.ws.send(JSON.stringify({ type, ...payload }));
    return true;
  }

  /**
   * Send with a request id; resolves with the `ok` (or `welcome`) reply, rejects with a
   * RequestError for an `error` reply, a lost connection or a 10 s timeout.
   */
  request(type, payload = {}, { timeoutMs = 10000, force = false } = {}) {
    if (!this.ws || this.ws.readyState !== 1 || (!force && this.state !== "open")) {
      return Promise.reject(new RequestError({ code: "offline", message: "Not connected. Reconnecting…" }));
    }
    const id = this.nextId++;
    if (type === "hello") this.helloId = id;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new RequestError({ code: "timeout", message: "The server did not answer in time." }));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.ws.send(JSON.stringify({ type, id, ...payload }));
    });
  }

  startPings() {
    clearInterval(this.pingTimer);
    this.samples = [];
    this.lastPongAt = Date.now();
    const ping = () => {
      // A socket that stopped answering (half-open after a network change) is closed so the
      // normal reconnect path takes over instead of waiting for the OS to notice.
      if (Date.now() - this.lastPongAt > 40000 && this.ws) {
        const ws = this.ws;
        ws.close();
        this.onClose(ws);
        return;
      }
      this.send("ping", { t: Date.now() });
    };
    ping();
    setTimeout(ping, 400);
    setTimeout(ping, 1200);
    this.pingTimer = setInterval(ping, 15000);
  }

  onPong(msg) {
    const now = Date.now();
    this.lastPongAt = now;
    const t = Number(msg.t);
    const server = toMs(msg.server_time);
    if (!Number.isFinite(t) || !Number.isFinite(server)) return;
    const rtt = now - t;
    if (rtt < 0 || rtt > 60000) return;
    this.samples.push({ rtt, offset: server - (t + rtt / 2) });
    if (this.samples.length > 8) this.samples.shift();
    // The sample with the smallest round trip has the tightest error bound.
    const best = this.samples.reduce((a, b) => (b.rtt < a.rtt ? b : a));
    this.offsetMs = best.offset;
    this.rttMs = best.rtt;
  }
}
