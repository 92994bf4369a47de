// The page's SSE reader and JSON Patch, run in Node on the same source
// files the page inlines (no browser or server needed).

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import vm from "node:vm";

const load = (...files) => {
  const ctx = vm.createContext({ structuredClone, TextDecoderStream, Error, JSON, Object, Array, Number });
  for (const f of files) {
    vm.runInContext(readFileSync(new URL(`../../static/${f}`, import.meta.url), "utf8"), ctx, { filename: f });
  }
  return ctx;
};

const { readEvents } = load("sse.js");
const { applyPatch } = load("patch.js");

/** A body that delivers text in the given pieces, as a network would. */
const body = (...pieces) =>
  new ReadableStream({
    start(c) {
      for (const p of pieces) c.enqueue(new TextEncoder().encode(p));
      c.close();
    },
  });

test("readEvents splits frames on blank lines wherever the chunks break", async () => {
  const seen = [];
  await readEvents(
    body('id: 1\ndata: {"type":"RUN_STA', 'RTED"}\n', "\n: keep-alive\n\nid: 2\ndata: {\"type\":\"TEXT_MESSAGE_CONTENT\",\"delta\":\"a\\n\\nb\"}\n\n", 'data:{"type":"RUN_FINISHED"}'),
    (ev, id) => seen.push([ev.type, id]),
  );
  assert.deepEqual(seen, [
    ["RUN_STARTED", "1"],
    ["TEXT_MESSAGE_CONTENT", "2"],
    ["RUN_FINISHED", null], // the last frame needs no blank line
  ]);
});

test("readEvents joins multi-line data and keeps UTF-8 split across chunks", async () => {
  const bytes = new TextEncoder().encode('data: {"type":"X",\ndata: "delta":"héllo"}\n\n');
  const cut = bytes.indexOf(0xc3) + 1; // inside the two bytes of é
  const seen = [];
  await readEvents(
    new ReadableStream({
      start(c) {
        c.enqueue(bytes.slice(0, cut));
        c.enqueue(bytes.slice(cut));
        c.close();
      },
    }),
    (ev) => seen.push(ev.delta),
  );
  assert.deepEqual(seen, ["héllo"]);
});

test("readEvents rejects a frame that is not an event", async () => {
  await assert.rejects(readEvents(body("data: {not json}\n\n"), () => {}), /not JSON/);
  await assert.rejects(readEvents(body('data: {"kind":"x"}\n\n'), () => {}), /without a type/);
});

test("applyPatch applies RFC 6902 operations to a copy", () => {
  const doc = { todos: [{ id: "a", status: "pending" }], n: 1 };
  const out = applyPatch(doc, [
    { op: "replace", path: "/todos/0/status", value: "done" },
    { op: "add", path: "/todos/-", value: { id: "b" } },
    { op: "add", path: "/todos/0", value: { id: "z" } },
    { op: "copy", from: "/n", path: "/m" },
    { op: "move", from: "/n", path: "/k~1j" },
    { op: "remove", path: "/todos/1/status" },
    { op: "test", path: "/m", value: 1 },
  ]);
  assert.deepEqual(JSON.parse(JSON.stringify(out)), { todos: [{ id: "z" }, { id: "a" }, { id: "b" }], m: 1, "k/j": 1 });
  assert.deepEqual(doc, { todos: [{ id: "a", status: "pending" }], n: 1 }, "the input is not changed");
});

test("applyPatch refuses operations that do not apply", () => {
  const doc = { a: [1] };
  assert.throws(() => applyPatch(doc, [{ op: "replace", path: "/b", value: 1 }]), /no value at \/b/);
  assert.throws(() => applyPatch(doc, [{ op: "add", path: "/a/5", value: 1 }]), /out of range/);
  assert.throws(() => applyPatch(doc, [{ op: "add", path: "a", value: 1 }]), /bad JSON Pointer/);
  assert.throws(() => applyPatch(doc, [{ op: "test", path: "/a", value: [2] }]), /test failed/);
  assert.throws(() => applyPatch(doc, [{ op: "frobnicate", path: "/a" }]), /unknown patch operation/);
});
