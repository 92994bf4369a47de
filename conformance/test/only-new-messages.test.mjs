// 6. Only-new-messages: a client that sends just its new message each turn
// ends up with the same stored history as one that sends the full history.

import assert from "node:assert/strict";

import { assertSimReply, assistantReply, getThread, newId, runChecked, sayAndRun, useServer, userMessage } from "./helpers.mjs";

const server = useServer();
const TEXTS = ["tell me a story", "make it shorter", "now in one line"];

// Sends only the new user message each turn; returns every message it sent or saw.
async function converseSendingOnlyNew(HttpAgent, threadId) {
  const agent = new HttpAgent({ url: server.baseUrl + "/", threadId });
  const seen = [];
  for (const [i, text] of TEXTS.entries()) {
    const user = userMessage(text);
    agent.setMessages([user]);
    const run = await runChecked(agent);
    const reply = assistantReply(run.newMessages, `turn ${i + 1}`);
    assertSimReply(reply, text, i + 1);
    seen.push(user, reply);
  }
  return seen;
}

async function converseSendingFullHistory(HttpAgent, threadId) {
  const agent = new HttpAgent({ url: server.baseUrl + "/", threadId });
  for (const [i, text] of TEXTS.entries()) {
    const { reply } = await sayAndRun(agent, text);
    assertSimReply(reply, text, i + 1);
  }
  return agent.messages;
}

// What must match between the two threads: roles, user texts, turn numbers.
const shape = (messages) =>
  messages.map((m) =>
    m.role === "user" ? { role: m.role, content: m.content } : { role: m.role, turn: m.content?.match(/\bturn \d+\b/)?.[0] },
  );

server.eachClient("sending only new messages stores the same history as sending all", async ({ HttpAgent }) => {
  const onlyNewThread = newId();
  const fullThread = newId();
  const seen = await converseSendingOnlyNew(HttpAgent, onlyNewThread);
  const fullMessages = await converseSendingFullHistory(HttpAgent, fullThread);

  const onlyNew = (await getThread(server.baseUrl, onlyNewThread)).messages;
  const full = (await getThread(server.baseUrl, fullThread)).messages;

  assert.deepEqual(onlyNew.map((m) => m.id), seen.map((m) => m.id), "only-new thread keeps the ids the client sent and saw");
  assert.deepEqual(full.map((m) => m.id), fullMessages.map((m) => m.id), "full-history thread keeps the client's ids");
  assert.deepEqual(shape(onlyNew), shape(full));
});
