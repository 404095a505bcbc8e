// The server's HTTP API and its state stream (server-sent events). Every URL is relative to
// the page's <base>, so the UI works under a path prefix (the game server's /admin/flowstate/).

const token = new URLSearchParams(location.search).get("token") || "";

export function url(path, params = {}) {
  const u = new URL(path, document.baseURI);
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== "") u.searchParams.set(k, String(v));
  }
  if (token) u.searchParams.set("token", token);
  return u.toString();
}

export async function getJSON(path, params) {
  const res = await fetch(url(path, params), { cache: "no-store" });
  const body = await res.json();
  if (!res.ok) {
    const err = new Error(body.error ? body.error.message : res.statusText);
    err.code = body.error ? body.error.code : "http_" + res.status;
    throw err;
  }
  return body;
}

// Watch committed versions matching `labels` after `sinceRev`. EventSource reconnects by
// itself after a drop and sends the last event id (a rev): the server resumes from there.
export function watch(labels, sinceRev, { onStates, onDelays, onOpen, onDown }) {
  const source = new EventSource(url("api/v1/watch", { labels, since_rev: sinceRev }));
  const pending = [];
  let scheduled = false;
  source.addEventListener("state", (ev) => {
    pending.push(JSON.parse(ev.data));
    if (!scheduled) {
      scheduled = true;
      queueMicrotask(() => { scheduled = false; onStates(pending.splice(0)); });
    }
  });
  source.addEventListener("delays", () => onDelays());
  source.onopen = () => onOpen();
  source.onerror = () => onDown();
  return () => source.close();
}
