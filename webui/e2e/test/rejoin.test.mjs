// A dropped stream: the run goes on on the server, and the page rejoins it
// with GET /runs/{runId}/events and Last-Event-ID, or, once the run's
// events are gone, shows the saved thread. Also stopping a run.

import assert from "node:assert/strict";

import { authHeaders, bubbles, getThread, openFreshPage, send, useFixture, waitFinished, waitIdle } from "./helpers.mjs";

// A slow model: a reply streams for about three seconds. Finished runs'
// events are kept for one second only, so a late rejoin finds them gone.
const f = useFixture({ extraArgs: ["--sim-tps", "25", "--sim-tokens", "80", "--rejoin-window", "1s"] });

const replyText = (page) => page.locator("#messages li.msg.assistant .text").last().textContent();

async function disconnectMidway(page) {
  await send(page, "tell me a long story");
  await page.waitForFunction(() => {
    const t = document.querySelector("#messages li.msg.assistant .text");
    return t && t.textContent.length > 40;
  });
  await page.click("#disconnect");
  await page.locator("#connection").waitFor();
  assert.equal(await page.textContent("#status"), "disconnected");
  assert.equal(await page.locator("#send").isDisabled(), true, "no new message while the run is unsettled");
  return replyText(page);
}

f.test("after a disconnect the page rejoins the run where it left off", async (page) => {
  const threadId = await openFreshPage(page, f.baseUrl);
  const partial = await disconnectMidway(page);
  const rejoinRequest = page.waitForRequest((r) => /\/runs\/[^/]+\/events$/.test(new URL(r.url()).pathname));
  await page.click("#rejoin");
  const lastEventId = (await rejoinRequest).headers()["last-event-id"];
  assert.match(lastEventId ?? "", /^[1-9][0-9]*$/, "the rejoin names the last event seen");
  await waitFinished(page);
  const full = await replyText(page);
  assert.ok(full.startsWith(partial) && full.length > partial.length, `the reply went on from ${JSON.stringify(partial)}`);
  const stored = await getThread(f.baseUrl, threadId);
  assert.equal(full, stored.messages.at(-1).content, "nothing lost or repeated across the rejoin");
  assert.equal(await page.locator("#connection").isVisible(), false);
});

f.test("a rejoin after the run's events expired shows the saved thread", async (page) => {
  const threadId = await openFreshPage(page, f.baseUrl);
  const post = page.waitForRequest((r) => r.method() === "POST" && new URL(r.url()).pathname === "/");
  await disconnectMidway(page);
  const { runId } = (await post).postDataJSON();
  // Wait, by asking the server, until the run has finished and its events
  // are no longer kept (--rejoin-window 1s).
  const deadline = Date.now() + 20_000;
  for (;;) {
    const res = await fetch(`${f.baseUrl}/runs/${runId}/events`, { headers: { "Last-Event-ID": "0", ...authHeaders() } });
    await res.text();
    if (res.status === 404) break;
    assert.ok(Date.now() < deadline, `the run's events were still served (HTTP ${res.status})`);
    await new Promise((r) => setTimeout(r, 200));
  }
  await page.click("#rejoin");
  await page.locator("#notices .notice", { hasText: "Showing the saved thread" }).waitFor();
  await waitIdle(page);
  const stored = await getThread(f.baseUrl, threadId);
  assert.equal(stored.messages.at(-1).role, "assistant");
  assert.deepEqual(await bubbles(page), stored.messages.map((m) => [m.role, m.content]));
});

f.test("Stop run cancels it on the server and says so", async (page) => {
  const threadId = await openFreshPage(page, f.baseUrl);
  await send(page, "tell me another long story");
  await page.waitForSelector("#messages li.msg.assistant.streaming");
  await page.click("#stop");
  const error = page.locator('#messages li.msg.error[data-error-code="cancelled"]');
  await error.waitFor();
  await waitIdle(page);
  assert.equal(await page.textContent("#status"), "error");
  const stored = await getThread(f.baseUrl, threadId);
  assert.equal(stored.messages[0].content, "tell me another long story");
});
