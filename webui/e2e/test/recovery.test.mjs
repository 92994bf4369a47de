// The page recovers by itself: one thread per tab, a busy server (503 +
// Retry-After) retried after a countdown, a stream cut mid-answer rejoined
// with Last-Event-ID, and a RUN_ERROR explained with a Retry that works.
// One run slot and no queueing, so a run from outside makes the page's 503.

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after } from "node:test";

import { startCutProxy } from "./cutproxy.mjs";
import {
  UI_TIMEOUT_MS,
  authHeaders,
  getThread,
  openFreshPage,
  screenshot,
  send,
  threadIdOf,
  useFixture,
  waitFinished,
  waitIdle,
} from "./helpers.mjs";

// A reply streams for about a second and a half.
// The 503s are the test's own, and so is the stream it cuts.
const f = useFixture({
  extraArgs: ["--max-runs", "1", "--queue-wait", "0", "--sim-tps", "30", "--sim-tokens", "40"],
  expectedConsole: /status of (404|503)|ERR_INCOMPLETE_CHUNKED_ENCODING/,
});

// Started by the test that needs it, once the server is up.
let proxy = null;
after(async () => {
  if (proxy) await proxy.close();
});

const replyText = (page) => page.locator("#messages li.msg.assistant .text").last().textContent();
const isRunPost = (r) => r.method() === "POST" && new URL(r.url()).pathname === "/";

f.test("two tabs get two threads, and both are answered", async (page) => {
  const second = await f.context.newPage();
  try {
    for (const p of [page, second]) {
      await p.goto(f.baseUrl + "/");
      await p.waitForFunction(() => /^#thread=./.test(location.hash));
      await waitIdle(p);
    }
    const ids = [await threadIdOf(page), await threadIdOf(second)];
    assert.notEqual(ids[0], ids[1], "each tab has its own thread");
    // Sent at once: with one run slot, one of them waits its turn.
    await Promise.all([send(page, "hello from tab one"), send(second, "hello from tab two")]);
    await Promise.all([waitFinished(page, 30_000), waitFinished(second, 30_000)]);
    for (const [i, id] of ids.entries()) {
      const stored = await getThread(f.baseUrl, id);
      const which = i === 0 ? "one" : "two";
      assert.deepEqual(stored.messages.map((m) => m.role), ["user", "assistant"]);
      assert.match(stored.messages[1].content, new RegExp(`^I heard: hello from tab ${which}\\.`));
    }
    // A reload keeps the tab's thread; the thread list opens the other one.
    await second.reload();
    await waitIdle(second);
    assert.equal(await threadIdOf(second), ids[1]);
    await second.locator(`#thread-list li[data-thread-id="${ids[0]}"] .open`).click();
    await second.locator("#messages li.msg.user", { hasText: "hello from tab one" }).waitFor();
  } finally {
    await second.close();
  }
});

f.test("a busy server: a countdown, then the answer with no user action", async (page) => {
  const threadId = await openFreshPage(page, f.baseUrl);
  // A run from outside holds the only slot until its reply has streamed.
  const ac = new AbortController();
  const outside = await fetch(f.baseUrl + "/", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "text/event-stream", ...authHeaders() },
    body: JSON.stringify({
      threadId: randomUUID(),
      runId: randomUUID(),
      state: {},
      messages: [{ id: randomUUID(), role: "user", content: "hold the slot" }],
      tools: [],
      context: [],
      forwardedProps: {},
    }),
    signal: ac.signal,
  });
  assert.equal(outside.status, 200);
  const drained = outside.text();
  const refused = page.waitForResponse((r) => isRunPost(r.request()) && r.status() === 503);
  await send(page, "are you there?");
  const res = await refused;
  assert.match(res.headers()["retry-after"] ?? "", /^[1-9][0-9]*$/, "the 503 says when to come back");
  const banner = page.locator("#connection");
  await banner.waitFor();
  assert.match(await banner.textContent(), /Busy \(overloaded\), retrying in [1-9][0-9]* s/);
  assert.equal(await page.textContent("#status"), "waiting");
  await screenshot(page, "busy");
  await drained;
  await waitFinished(page, 30_000);
  assert.equal(await banner.isVisible(), false);
  const stored = await getThread(f.baseUrl, threadId);
  assert.deepEqual(stored.messages.map((m) => m.role), ["user", "assistant"]);
  assert.equal(await replyText(page), stored.messages[1].content);
  assert.equal(await page.locator("#messages li.msg.error").count(), 0, "no error was shown");
});

f.test("a stream cut mid-answer is rejoined and the reply equals an uncut one", async (page) => {
  proxy ??= await startCutProxy(f.baseUrl);
  const message = "tell me about streams";
  await openFreshPage(page, proxy.baseUrl);
  await send(page, message);
  await waitFinished(page);
  const uncut = await replyText(page);

  await page.goto("about:blank");
  const threadId = await openFreshPage(page, proxy.baseUrl);
  const cut = proxy.cutNextRun(900);
  const rejoined = page.waitForRequest((r) => /^\/runs\/[^/]+\/events$/.test(new URL(r.url()).pathname));
  await send(page, message);
  await cut;
  const lastEventId = (await rejoined).headers()["last-event-id"];
  assert.match(lastEventId ?? "", /^[1-9][0-9]*$/, "the rejoin names the last event seen");
  await waitFinished(page);
  assert.equal(await replyText(page), uncut);
  const stored = await getThread(f.baseUrl, threadId);
  assert.equal(stored.messages.at(-1).content, uncut);
  assert.equal(await page.locator("#messages li.msg.error").count(), 0);
});

f.test("a stream that goes silent for 30 s is rejoined", async (page) => {
  proxy ??= await startCutProxy(f.baseUrl);
  const threadId = await openFreshPage(page, proxy.baseUrl);
  const stalled = proxy.cutNextRun(900, { stall: true });
  await send(page, "tell me about silence");
  await stalled;
  const since = Date.now();
  const rejoined = await page.waitForRequest((r) => /^\/runs\/[^/]+\/events$/.test(new URL(r.url()).pathname), { timeout: 45_000 });
  assert.ok(Date.now() - since >= 25_000, "not rejoined before the stream had been silent long enough");
  assert.match(rejoined.headers()["last-event-id"] ?? "", /^[1-9][0-9]*$/);
  await waitFinished(page);
  const stored = await getThread(f.baseUrl, threadId);
  assert.equal(await replyText(page), stored.messages.at(-1).content);
}, { timeout: 90_000 });

f.test("a RUN_ERROR shows its explanation and a Retry that works", async (page) => {
  const threadId = await openFreshPage(page, f.baseUrl);
  const post = page.waitForRequest(isRunPost);
  await send(page, "this run gets cancelled");
  const { runId } = (await post).postDataJSON();
  await page.waitForSelector("#messages li.msg.assistant.streaming");
  // Cancelled from outside, as an operator or another client would.
  const res = await fetch(`${f.baseUrl}/runs/${runId}/cancel`, { method: "POST", headers: authHeaders() });
  assert.ok(res.ok, `cancel: HTTP ${res.status}`);
  const error = page.locator('#messages li.msg.error[data-error-code="cancelled"]');
  await error.waitFor({ timeout: UI_TIMEOUT_MS });
  assert.equal(await error.locator(".hint").textContent(), "The run was stopped.");
  await waitIdle(page);
  assert.equal(await page.locator("#messages li.streaming").count(), 0, "no cursor left spinning");
  await screenshot(page, "run-error");
  await error.locator("button.retry").click();
  await waitFinished(page);
  const stored = await getThread(f.baseUrl, threadId);
  assert.deepEqual(stored.messages.map((m) => [m.role, m.content.slice(0, 33)]), [
    ["user", "this run gets cancelled"],
    ["assistant", "I heard: this run gets cancelled."],
  ]);
  assert.equal(await replyText(page), stored.messages[1].content);
});
