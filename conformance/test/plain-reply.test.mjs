// 1. A plain reply: one user message gets one assistant text message back.

import assert from "node:assert/strict";

import { assertSimReply, authHeaders, newId, runChecked, useServer, userMessage } from "./helpers.mjs";

const server = useServer();

for (const route of ["/", "/agents/sample_agent"]) {
  server.eachClient(`POST ${route} answers one user message with a text reply`, async ({ HttpAgent }) => {
    const user = userMessage("hello there");
    const agent = new HttpAgent({ url: server.baseUrl + route, threadId: newId(), initialMessages: [user] });

    const run = await runChecked(agent);

    assert.equal(agent.messages.length, 2, `messages: ${JSON.stringify(agent.messages)}`);
    assert.deepEqual(agent.messages[0], user);
    const reply = agent.messages[1];
    assert.equal(reply.role, "assistant");
    assert.notEqual(reply.id, user.id, "the reply must not reuse the user's message id");
    assertSimReply(reply, user.content, 1);
    assert.deepEqual(run.newMessages.map((m) => m.id), [reply.id]);

    const starts = run.events.filter((e) => e.type === "TEXT_MESSAGE_START");
    assert.deepEqual(starts.map((e) => e.messageId), [reply.id]);
  });
}

// The clients tolerate some framing mistakes silently; check the raw bytes once.
server.test("the response is bare-LF SSE with one JSON event per data frame", async () => {
  const threadId = newId();
  const runId = newId();
  const res = await fetch(server.baseUrl + "/", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "text/event-stream", ...authHeaders() },
    body: JSON.stringify({
      threadId,
      runId,
      state: {},
      messages: [userMessage("raw bytes please")],
      tools: [],
      context: [],
      forwardedProps: {},
    }),
    signal: AbortSignal.timeout(20_000),
  });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  assert.match(res.headers.get("content-type") ?? "", /^text\/event-stream/);
  assert.ok(!text.includes("\r"), "frames must use bare \\n, not CRLF");

  const events = [];
  for (const frame of text.split("\n\n")) {
    const data = frame.split("\n").filter((l) => l.startsWith("data:"));
    if (data.length === 0) continue; // comments such as ": keep-alive"
    assert.equal(data.length, 1, `one data line per frame: ${JSON.stringify(frame)}`);
    const event = JSON.parse(data[0].replace(/^data: ?/, ""));
    assert.equal(typeof event.type, "string", `frame without a type: ${JSON.stringify(frame)}`);
    events.push(event);
  }
  assert.equal(events[0]?.type, "RUN_STARTED");
  assert.equal(events.at(-1)?.type, "RUN_FINISHED");
  assert.deepEqual([events[0].threadId, events[0].runId], [threadId, runId]);
  assert.deepEqual([events.at(-1).threadId, events.at(-1).runId], [threadId, runId]);
  for (const event of events) {
    assert.ok(!Object.values(event).includes(null), `null field in ${JSON.stringify(event)}`);
    if ("timestamp" in event) assert.ok(Number.isInteger(event.timestamp), `timestamp in ${JSON.stringify(event)}`);
  }
});
