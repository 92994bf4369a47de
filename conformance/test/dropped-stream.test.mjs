// 5. Dropped stream recovery: a client whose history differs from the
// stored thread (a reply it never received, or an assistant message the
// server never stored) can still run on that thread.

import assert from "node:assert/strict";

import { assertSimReply, assistantReply, getThread, newId, runChecked, sayAndRun, useServer, userMessage } from "./helpers.mjs";

const server = useServer();

// Runs the first turn of a fresh thread and returns its user message.
async function firstTurn(HttpAgent, threadId) {
  const agent = new HttpAgent({ url: server.baseUrl + "/", threadId });
  const { user } = await sayAndRun(agent, "before the drop");
  return user;
}

// Runs a second client on the thread with the given history and checks that
// it gets a reply to its last message, stored as the thread's latest message.
async function resumeWith(HttpAgent, threadId, history) {
  const agent = new HttpAgent({ url: server.baseUrl + "/", threadId, initialMessages: history });
  const run = await runChecked(agent);
  const reply = assistantReply(run.newMessages);
  assertSimReply(reply, history.at(-1).content);

  const thread = await getThread(server.baseUrl, threadId);
  const storedIds = thread.messages.map((m) => m.id);
  assert.ok(storedIds.includes(history.at(-1).id), `the new user message is stored: ${storedIds}`);
  assert.equal(thread.messages.at(-1).id, reply.id, `the reply is the latest stored message: ${storedIds}`);
}

server.eachClient("a history that lacks the last assistant reply still runs", async ({ HttpAgent }) => {
  const threadId = newId();
  const user1 = await firstTurn(HttpAgent, threadId);
  await resumeWith(HttpAgent, threadId, [user1, userMessage("after the drop")]);
});

server.eachClient("a history with an assistant id the server never stored still runs", async ({ HttpAgent }) => {
  const threadId = newId();
  const user1 = await firstTurn(HttpAgent, threadId);
  const ghost = { id: newId(), role: "assistant", content: "a partial reply the server never stored" };
  await resumeWith(HttpAgent, threadId, [user1, ghost, userMessage("after the ghost")]);
});
