// 4. Twenty threads at once, two turns each: every run succeeds and no
// thread sees another thread's messages.

import assert from "node:assert/strict";

import { assertSimReply, assertStoredOrder, getThread, newId, sayAndRun, useServer } from "./helpers.mjs";

// Rate limiting is off by default; this file's server runs with the
// defaults, so the 40 runs from one caller (127.0.0.1) all go through.
const server = useServer();
const THREADS = 20;

async function twoTurns(HttpAgent, n) {
  const threadId = newId();
  const agent = new HttpAgent({ url: server.baseUrl + "/", threadId });
  for (const [turn, text] of [`thread ${n} opens`, `thread ${n} follows up`].entries()) {
    const { reply } = await sayAndRun(agent, text);
    assertSimReply(reply, text, turn + 1);
  }
  const thread = await getThread(server.baseUrl, threadId);
  assertStoredOrder(thread.messages, agent.messages);
}

server.eachClient(
  `${THREADS} concurrent threads with two turns each all succeed`,
  async ({ HttpAgent }) => {
    const outcomes = await Promise.allSettled(
      Array.from({ length: THREADS }, (_, n) => twoTurns(HttpAgent, n)),
    );
    const failures = outcomes
      .map((o, n) => (o.status === "rejected" ? `thread ${n}: ${o.reason?.message ?? o.reason}` : null))
      .filter(Boolean);
    assert.deepEqual(failures, [], `${failures.length} of ${THREADS} threads failed:\n${failures.join("\n")}`);
  },
  { timeout: 90_000 },
);
