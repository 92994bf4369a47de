// 8. An agentd that requires a key: the official clients send it through
// their own `headers` option (as Authorization: Bearer or X-API-Key) and
// run; without it, or with a wrong one, runAgent rejects with the 401 and
// agentd's JSON error, before any event.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";

import { OFFICIAL_CLIENTS, assertSimReply, expectRejection, newId, sayAndRun, useServer, userMessage } from "./helpers.mjs";

const KEY = `conformance-${randomBytes(24).toString("base64url")}`;
const server = useServer({ extraArgs: ["--api-keys", KEY] });

for (const { name, HttpAgent } of OFFICIAL_CLIENTS) {
  for (const [how, headers] of [
    ["Authorization: Bearer", { Authorization: `Bearer ${KEY}` }],
    ["X-API-Key", { "X-API-Key": KEY }],
  ]) {
    server.test(`the key in ${how} runs the agent [${name}]`, async () => {
      const agent = new HttpAgent({ url: server.baseUrl + "/", threadId: newId(), headers });
      const { user, reply } = await sayAndRun(agent, "hello with a key");
      assertSimReply(reply, user.content, 1);
    });
  }

  for (const [how, headers] of [
    ["no credentials", {}],
    ["a wrong key", { Authorization: "Bearer not-the-key-at-all" }],
  ]) {
    server.test(`${how} → runAgent rejects with 401 unauthenticated [${name}]`, async () => {
      const agent = new HttpAgent({
        url: server.baseUrl + "/",
        threadId: newId(),
        headers,
        initialMessages: [userMessage("let me in")],
      });
      const { err, events } = await expectRejection(agent);
      assert.equal(err.status, 401, `error: ${err.message}`);
      assert.equal(err.payload?.error?.code, "unauthenticated", `payload: ${JSON.stringify(err.payload)}`);
      assert.deepEqual(events, [], "no events for a refused request");
      const thread = await fetch(`${server.baseUrl}/threads/${agent.threadId}`, { headers: { "X-API-Key": KEY } });
      assert.equal(thread.status, 404, "nothing was stored");
    });
  }
}

server.test("a refusal names the scheme in WWW-Authenticate", async () => {
  const res = await fetch(server.baseUrl + "/threads");
  assert.equal(res.status, 401);
  assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer\b/);
  const body = await res.json();
  assert.equal(body.error.code, "unauthenticated");
});
