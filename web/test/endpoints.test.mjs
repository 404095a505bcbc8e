import { test } from "node:test";
import assert from "node:assert/strict";

import { httpUrlOf, mergeEndpoints, socketUrlOf } from "../core/endpoints.js";

test("a node's public URL becomes its websocket URL, under any base path", () => {
  assert.equal(socketUrlOf("http://127.0.0.1:8001"), "ws://127.0.0.1:8001/ws");
  assert.equal(socketUrlOf("https://go.example/play/"), "wss://go.example/play/ws");
});

test("the http URL of an API path on the server behind a socket", () => {
  assert.equal(httpUrlOf("ws://127.0.0.1:8001/ws", "api/nodes"), "http://127.0.0.1:8001/api/nodes");
  assert.equal(httpUrlOf("wss://go.example/play/ws", "api/nodes"), "https://go.example/play/api/nodes");
});

test("endpoints: the one in use first, then the page's own server, then the other nodes, once each", () => {
  const nodes = [
    { id: "a", url: "http://127.0.0.1:8001" },
    { id: "b", url: "http://127.0.0.1:8002" },
    { id: "c", url: "" },
    { id: "d", url: "javascript:alert(1)" },
  ];
  assert.deepEqual(mergeEndpoints("ws://127.0.0.1:8002/ws", "ws://127.0.0.1:8001/ws", nodes),
    ["ws://127.0.0.1:8002/ws", "ws://127.0.0.1:8001/ws"]);
  assert.deepEqual(mergeEndpoints("ws://h/ws", "ws://h/ws", null), ["ws://h/ws"]);
});
