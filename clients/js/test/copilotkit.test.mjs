// Inside the real CopilotKit runtime (@copilotkit/runtime 1.75, its Next.js
// App Router endpoint served by its own Node adapter): AgentdAgent as the
// runtime's agent, with the service key and the session's user, survives a
// cut between the runtime and agentd. The browser side is CopilotKit's own
// frontend agent (ProxiedCopilotRuntimeAgent, what <CopilotKit> runs); it
// gets the same events and reply as from an uncut run.

import assert from "node:assert/strict";
import http from "node:http";
import { after, before, test } from "node:test";

import { ProxiedCopilotRuntimeAgent } from "@copilotkit/core";
import { CopilotRuntime, copilotRuntimeNextJSAppRouterEndpoint } from "@copilotkit/runtime";
import { createCopilotNodeHandler } from "@copilotkit/runtime/v2/node";

import { CLIENTS, PACED, afterDeltas, assertComplete, newId, normalize, useAgentd, withLog } from "./helpers.mjs";

// What a CopilotKit 1.75 app has: @ag-ui/client 0.0.59.
const { AgentdAgent } = CLIENTS.find((c) => c.name.endsWith("0.0.59"));

const KEY = `k-${newId()}`;
const ENDPOINT = "/api/copilotkit";
const agentd = useAgentd([...PACED, "--api-keys", KEY], { proxy: true });

/** The route of docs/copilotkit.md: key from the server, user from the session. */
function copilotkitRoute({ agentdUrl, apiKey, userOf, onRejoin }) {
  return async (request) => {
    const user = await userOf(request);
    if (!user) return Response.json({ error: "sign in first" }, { status: 401 });
    const runtime = new CopilotRuntime({
      agents: { sample_agent: new AgentdAgent({ url: agentdUrl, apiKey, user, onRejoin }) },
      forwardHeaders: { deny: ["authorization", "x-api-key", "x-agentd-user"] },
    });
    return copilotRuntimeNextJSAppRouterEndpoint({ runtime, endpoint: ENDPOINT }).handleRequest(request);
  };
}

const sessionUser = (request) => /(?:^|;\s*)session=(\w+)/.exec(request.headers.get("cookie") ?? "")?.[1];

let app;
const rejoins = [];
before(async () => {
  const handler = (request) =>
    copilotkitRoute({
      agentdUrl: agentd.proxy.url + "/",
      apiKey: KEY,
      userOf: sessionUser,
      onRejoin: (info) => void rejoins.push(info),
    })(request);
  const server = http.createServer(createCopilotNodeHandler(handler));
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  app = {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => server.close(resolve)).then(() => server.closeAllConnections()),
  };
});
after(() => app?.close());

/** One message from the browser through the runtime; the events the browser got. */
async function browserChat(text) {
  const agent = new ProxiedCopilotRuntimeAgent({
    runtimeUrl: app.url + ENDPOINT,
    agentId: "sample_agent",
    headers: { cookie: "session=alice" },
  });
  agent.threadId = newId();
  agent.addMessage({ id: newId(), role: "user", content: text });
  const events = [];
  await agent.runAgent({ runId: newId() }, { onEvent: ({ event }) => void events.push(event) });
  return { threadId: agent.threadId, events, reply: agent.messages.at(-1)?.content };
}

test("inside the CopilotKit runtime a cut between the runtime and agentd is invisible to the browser", { timeout: 60_000 }, () =>
  withLog(agentd, async () => {
    const text = `a story for the app ${newId()}`;
    const cut = agentd.proxy.cutWhen(afterDeltas(5));
    const mark = agentd.proxy.requests.length;
    const got = await browserChat(text);
    await cut;
    const seen = agentd.proxy.requests.slice(mark);
    const want = await browserChat(text);

    assertComplete(got);
    assertComplete(want);
    assert.match(got.reply, new RegExp(`I heard: ${text}`));
    assert.equal(got.reply, want.reply, "the reply text");
    assert.deepEqual(got.events.map(normalize), want.events.map(normalize), "the event sequence");
    assert.deepEqual(
      seen.map((r) => [r.method, r.path.replace(/[0-9a-f-]{36}/, "ID"), r.status, r.cut]),
      [
        ["POST", "/", 200, true],
        ["GET", "/runs/ID/events", 200, false],
      ],
    );
    assert.equal(rejoins.length, 1);

    const res = await fetch(`${agentd.baseUrl}/threads?limit=100`, {
      headers: { Authorization: `Bearer ${KEY}`, "X-Agentd-User": "alice" },
    });
    const listed = (await res.json()).threads.map((t) => t.threadId);
    assert.ok(listed.includes(got.threadId), "the thread is the session user's");
  }),
);
