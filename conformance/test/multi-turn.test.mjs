// 2. Multi-turn: one HttpAgent sends its whole history on each of three
// runs; the server sees the full context and stores the thread in order.

import assert from "node:assert/strict";

import { assertSimReply, assertStoredOrder, getThread, newId, sayAndRun, useServer } from "./helpers.mjs";

const server = useServer();

server.eachClient("three turns on one thread keep the whole history", async ({ HttpAgent }) => {
  const threadId = newId();
  const agent = new HttpAgent({ url: server.baseUrl + "/", threadId });
  const texts = ["first question", "second question", "third question"];

  for (const [i, text] of texts.entries()) {
    const { reply } = await sayAndRun(agent, text);
    assertSimReply(reply, text, i + 1);
  }

  assert.equal(agent.messages.length, 6, `client messages: ${JSON.stringify(agent.messages)}`);
  const thread = await getThread(server.baseUrl, threadId);
  assertStoredOrder(thread.messages, agent.messages);
  for (const [i, stored] of thread.messages.entries()) {
    assert.equal(stored.content, agent.messages[i].content, `content of stored message ${i}`);
  }
});
