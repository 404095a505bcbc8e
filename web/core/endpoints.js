// The servers a page may talk to: the one that served it, plus the other live nodes of a
// cluster (GET /api/nodes), tried in turn when the socket drops. Pure functions; the socket
// (protocol.js) holds the list.

/** The websocket URL of a node's public http(s) URL: http://h:p/base -> ws://h:p/base/ws. */
export function socketUrlOf(httpUrl) {
  const url = new URL(httpUrl.endsWith("/") ? httpUrl : `${httpUrl}/`);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  url.pathname = `${url.pathname}ws`;
  url.search = "";
  url.hash = "";
  return url.href;
}

/** The http(s) URL of `path` on the server behind websocket URL `wsUrl`. */
export function httpUrlOf(wsUrl, path) {
  const url = new URL(wsUrl);
  url.protocol = url.protocol === "wss:" ? "https:" : "http:";
  url.pathname = url.pathname.replace(/ws$/, "") + path;
  return url.href;
}

/**
 * The endpoint list after `/api/nodes` answered `nodes` ([{id, url}]): the one in use first,
 * then the page's own server, then the other live nodes; each once, nodes without a URL left out.
 */
export function mergeEndpoints(current, home, nodes) {
  const out = [current, home];
  for (const node of nodes || []) {
    if (node && typeof node.url === "string" && /^https?:\/\//.test(node.url)) out.push(socketUrlOf(node.url));
  }
  return [...new Set(out)];
}
