// A refused start: agentd's real 503 (its one run slot is taken, no queue
// wait) is retried after Retry-After and the run goes through; the retries
// stop at their bound, and other refusals are not retried.

import assert from "node:assert/strict";
import { test } from "node:test";

import { CLIENTS, PACED, assertComplete, chat, newId, useAgentd, withLog } from "./helpers.mjs";

const full = useAgentd([...PACED, "--max-runs", "1", "--queue-wait", "0"], { proxy: true });
const open = useAgentd(PACED);

/**
 * Starts a run with plain fetch and resolves once its first event arrived
 * (it holds a run slot and its thread's lease until it ends); done resolves
 * when its stream ended.
 */
async function holdRun(baseUrl, threadId = newId()) {
  const res = await fetch(baseUrl + "/", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
    body: JSON.stringify({
      threadId,
      runId: newId(),
      messages: [{ id: newId(), role: "user", content: "occupy the slot" }],
      state: {},
      tools: [],
      context: [],
      forwardedProps: {},
    }),
  });
  assert.equal(res.status, 200, `the holding run: ${res.status}`);
  const reader = res.body.getReader();
  await reader.read();
  const done = (async () => {
    while (!(await reader.read()).done);
  })();
  return { threadId, done };
}

const statuses = (requests) => requests.filter((r) => r.method === "POST").map((r) => r.status);

for (const client of CLIENTS) {
  test(`a start refused with 503 and Retry-After is retried and succeeds [${client.name}]`, { timeout: 30_000 }, () =>
    withLog(full, async () => {
      const held = await holdRun(full.baseUrl);
      const retries = [];
      const agent = new client.AgentdAgent({
        url: full.proxy.url + "/",
        threadId: newId(),
        onRetry: (info) => void retries.push(info),
      });
      const mark = full.proxy.requests.length;
      const run = await chat(agent, "let me in");
      await held.done;

      assertComplete(run);
      assert.match(run.reply, /I heard: let me in/);
      const seen = statuses(full.proxy.requests.slice(mark));
      assert.ok(seen.length >= 2 && seen.slice(0, -1).every((s) => s === 503), `statuses: ${seen}`);
      assert.equal(seen.at(-1), 200, `statuses: ${seen}`);
      assert.equal(retries.length, seen.length - 1);
      for (const r of retries) assert.deepEqual([r.status, r.delayMs], [503, 1000], "waited agentd's Retry-After: 1");
    }),
  );

  for (const [bound, retry, want] of [
    ["maxAttempts", { maxAttempts: 2 }, [503, 503]],
    ["maxTotalMs", { maxTotalMs: 500 }, [503]], // Retry-After: 1 would end past it
  ]) {
    test(`retries stop at ${bound} and the run fails with the 503 [${client.name}]`, { timeout: 30_000 }, () =>
      withLog(full, async () => {
        const held = await holdRun(full.baseUrl);
        const agent = new client.AgentdAgent({ url: full.proxy.url + "/", threadId: newId(), retry });
        const mark = full.proxy.requests.length;
        await assert.rejects(chat(agent, "still full?"), (err) => err.status === 503);
        assert.deepEqual(statuses(full.proxy.requests.slice(mark)), want);
        await held.done;
      }),
    );
  }

  test(`a 409 (the thread has a run) is not retried [${client.name}]`, { timeout: 30_000 }, () =>
    withLog(open, async () => {
      const held = await holdRun(open.baseUrl);
      const posts = [];
      const agent = new client.AgentdAgent({
        url: open.baseUrl + "/",
        threadId: held.threadId,
        fetch: (url, init) => (posts.push(init.method), fetch(url, init)),
      });
      await assert.rejects(chat(agent, "me too"), (err) => err.status === 409);
      assert.deepEqual(posts, ["POST"], "one request, no retry");
      await held.done;
    }),
  );
}
