// The UI's pure helpers (flowstate/server/ui/format.js): node --test tests/flowstate/ui/
import assert from "node:assert/strict";
import { test } from "node:test";

import { diff, hexDump, matches, parseFilter, relative, renderBlob } from "../../../flowstate/server/ui/format.js";

test("a label filter is AND terms in OR groups", () => {
  assert.deepEqual(parseFilter("kind=order status=open | kind=job"),
    [{ kind: "order", status: "open" }, { kind: "job" }]);
  assert.deepEqual(parseFilter("  "), []);
  assert.deepEqual(parseFilter("a=,b=x=y"), [{ a: "", b: "x=y" }]);
  assert.throws(() => parseFilter("kind"), /"kind" is not a key=value term/);
  const groups = parseFilter("k=v j=x | k=w");
  assert.equal(matches(groups, { k: "v", j: "x" }), true);
  assert.equal(matches(groups, { k: "v" }), false);
  assert.equal(matches(groups, { k: "w" }), true);
  assert.equal(matches([], {}), true);
});

test("a blob shows as pretty JSON, text, or a hex dump", () => {
  const enc = new TextEncoder();
  assert.deepEqual(renderBlob(enc.encode('{"a":[1]}')), { kind: "json", text: '{\n  "a": [\n    1\n  ]\n}' });
  assert.deepEqual(renderBlob(enc.encode("hello\nworld")), { kind: "text", text: "hello\nworld" });
  const bin = renderBlob(new Uint8Array([0, 255, 16]));
  assert.equal(bin.kind, "hex");
  assert.equal(bin.text, "00000000  00 ff 10" + " ".repeat(39) + "  ...");
  assert.equal(hexDump(new Uint8Array(17)).split("\n").length, 2);
});

test("a diff lists the fields that changed", () => {
  const v1 = { labels: { k: "v" }, annotations: {}, transition: { to: "a", annotations: {} } };
  const v2 = { labels: { k: "w", n: "1" }, annotations: {}, transition: { to: "", annotations: {} } };
  assert.deepEqual(diff(v1, v2), [
    { field: "labels.k", before: "v", after: "w" },
    { field: "labels.n", before: undefined, after: "1" },
    { field: "transition.to", before: "a", after: "(parked)" },
  ]);
});

test("due times read as relative", () => {
  assert.equal(relative(1.53), "in 1.5 s");
  assert.equal(relative(-0.2), "200 ms ago");
  assert.equal(relative(600), "in 10 min");
});
