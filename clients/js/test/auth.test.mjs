// apiKey and user: with agentd requiring a service key, AgentdAgent sends
// Authorization: Bearer <key> and X-Agentd-User, the thread belongs to that
// user, and a rejoin after a cut carries them too.

import assert from "node:assert/strict";
import { test } from "node:test";

import { CLIENTS, PACED, afterDeltas, assertComplete, chat, newId, useAgentd, withLog } from "./helpers.mjs";

const KEY = `k-${newId()}`;
const agentd = useAgentd([...PACED, "--api-keys", KEY], { proxy: true });

async function threadsOf(user) {
  const res = await fetch(`${agentd.baseUrl}/threads?limit=100`, {
    headers: { Authorization: `Bearer ${KEY}`, "X-Agentd-User": user },
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  assert.equal(res.status, 200, `GET /threads as ${user}: ${text}`);
  return JSON.parse(text).threads.map((t) => t.threadId);
}

for (const client of CLIENTS) {
  test(`apiKey and user make the thread the user's, through a cut and rejoin [${client.name}]`, { timeout: 30_000 }, () =>
    withLog(agentd, async () => {
      const threadId = newId();
      const agent = new client.AgentdAgent({
        url: agentd.proxy.url + "/",
        threadId,
        apiKey: KEY,
        user: "alice",
        headers: { "X-Agentd-User": "mallory", "X-App": "demo" },
      });
      const cut = agentd.proxy.cutWhen(afterDeltas(5));
      const mark = agentd.proxy.requests.length;
      const run = await chat(agent, "hello, it is alice");
      await cut;

      assertComplete(run);
      assert.match(run.reply, /I heard: hello, it is alice/);
      assert.deepEqual(
        agentd.proxy.requests.slice(mark).map((r) => [r.method, r.status, r.cut]),
        [
          ["POST", 200, true],
          ["GET", 200, false],
        ],
        "the authenticated rejoin was answered",
      );
      assert.ok((await threadsOf("alice")).includes(threadId), "alice lists the thread");
      assert.ok(!(await threadsOf("bob")).includes(threadId), "bob does not");
      assert.ok(!(await threadsOf("mallory")).includes(threadId), "the user option replaced the header");
    }),
  );

  test(`without the key agentd answers 401 and it is not retried [${client.name}]`, { timeout: 30_000 }, () =>
    withLog(agentd, async () => {
      const methods = [];
      const agent = new client.AgentdAgent({
        url: agentd.baseUrl + "/",
        threadId: newId(),
        user: "alice",
        fetch: (url, init) => (methods.push(init.method), fetch(url, init)),
      });
      await assert.rejects(chat(agent, "let me in"), (err) => err.status === 401);
      assert.deepEqual(methods, ["POST"]);
    }),
  );
}
