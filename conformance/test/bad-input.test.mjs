// 7. Bad input is refused before any SSE, with a JSON error body; the
// clients surface the HTTP status on the rejected run.

import assert from "node:assert/strict";

import { CLIENTS, expectRejection, fetchJSON, newId, useServer, userMessage } from "./helpers.mjs";

const server = useServer();

const validInput = () => ({
  threadId: newId(),
  runId: newId(),
  state: {},
  messages: [userMessage("hello")],
  tools: [],
  context: [],
  forwardedProps: {},
});

const json = "application/json";
const cases = [
  { name: "malformed JSON", status: 400, type: json, body: () => '{"threadId": "t1", "messages": [' },
  { name: "JSON that is not an object", status: 422, type: json, body: () => "[1, 2, 3]" },
  { name: "missing threadId and runId", status: 422, type: json, body: () => JSON.stringify({ messages: [] }) },
  { name: "messages not an array", status: 422, type: json, body: () => JSON.stringify({ ...validInput(), messages: "hi" }) },
  {
    name: "message with an unknown role",
    status: 422,
    type: json,
    body: () => JSON.stringify({ ...validInput(), messages: [{ id: "m1", role: "robot", content: "beep" }] }),
  },
  { name: "text/plain content type", status: 415, type: "text/plain", body: () => JSON.stringify(validInput()) },
  {
    name: "unknown agent",
    status: 404,
    type: json,
    path: "/agents/no_such_agent",
    body: () => JSON.stringify(validInput()),
  },
];

for (const c of cases) {
  server.test(`${c.name} → ${c.status} with a JSON error`, async () => {
    const { res, text, body } = await fetchJSON(server.baseUrl + (c.path ?? "/"), {
      method: "POST",
      headers: { "Content-Type": c.type, Accept: "text/event-stream" },
      body: c.body(),
    });
    assert.equal(res.status, c.status, `body: ${text}`);
    assert.match(res.headers.get("content-type") ?? "", /^application\/json\b/);
    assert.equal(typeof body?.error?.code, "string", `error body: ${text}`);
    assert.notEqual(body.error.code, "");
    assert.equal(typeof body.error.message, "string", `error body: ${text}`);
    assert.notEqual(body.error.message, "");
  });
}

// An HttpAgent whose request body is replaced after the client built it,
// through requestInit, the hook HttpAgent documents for customising requests.
function agentSendingBody(HttpAgent, url, rewrite) {
  class RewritingAgent extends HttpAgent {
    requestInit(input) {
      const init = super.requestInit(input);
      return { ...init, body: JSON.stringify(rewrite(JSON.parse(init.body))) };
    }
  }
  return new RewritingAgent({ url, threadId: newId(), initialMessages: [userMessage("hello")] });
}

for (const { name, HttpAgent } of CLIENTS) {
  server.test(`an invalid RunAgentInput rejects runAgent with status 422 [${name}]`, async () => {
    const agent = agentSendingBody(HttpAgent, server.baseUrl + "/", (input) => ({ ...input, messages: "hi" }));
    const { err, events } = await expectRejection(agent);
    assert.equal(err.status, 422, `error: ${err.message}`);
    assert.equal(typeof err.payload?.error?.code, "string", `payload: ${JSON.stringify(err.payload)}`);
    assert.deepEqual(events, [], "no events for a refused request");
  });

  server.test(`an unknown agent rejects runAgent with status 404 [${name}]`, async () => {
    const agent = new HttpAgent({ url: server.baseUrl + "/agents/no_such_agent", initialMessages: [userMessage("hello")] });
    const { err } = await expectRejection(agent);
    assert.equal(err.status, 404, `error: ${err.message}`);
  });
}
