// The real CopilotKit runtime (@copilotkit/runtime 1.75, the Next.js App
// Router endpoint of ../agentd-route.mjs, served over HTTP by the runtime's
// own Node adapter) in front of a real agentd that requires a service key
// or a user's JWT. The browser side is CopilotKit's own frontend agent
// (ProxiedCopilotRuntimeAgent from @copilotkit/core, what <CopilotKit>
// runs), speaking the runtime's wire protocol. Between the runtime and
// agentd a recording proxy keeps the headers the runtime actually sent.

import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import http from "node:http";
import { after, before, test } from "node:test";

import { ProxiedCopilotRuntimeAgent } from "@copilotkit/core";
import { createCopilotNodeHandler } from "@copilotkit/runtime/v2/node";
import { SignJWT } from "jose";

import { startServer } from "../../jstest/agentd.mjs";
import { serviceKeyRoute, userTokenRoute } from "../agentd-route.mjs";

const API_KEY = `ck-${randomBytes(24).toString("base64url")}`;
const JWT_SECRET = randomBytes(32).toString("hex"); // --jwt-secret: its UTF-8 bytes are the HS256 key
const JWT_ISSUER = "https://app.example.test";
const JWT_AUDIENCE = "agentd";
const ENDPOINT = "/api/copilotkit";

// The app's own sessions: the cookie a signed-in browser carries, and the
// user id the app's auth library (NextAuth's auth(), say) would return.
const SESSIONS = new Map([
  ["s-alice", "alice"],
  ["s-bob", "bob"],
]);
const sessionUser = (request) => {
  const m = /(?:^|;\s*)session=([^;]+)/.exec(request.headers.get("cookie") ?? "");
  return m ? SESSIONS.get(m[1]) : undefined;
};

let agentd;
let recorder;
let keyApp;
let tokenApp;

before(async () => {
  agentd = await startServer(
    [
      "--api-keys", API_KEY,
      "--jwt-secret", JWT_SECRET,
      "--jwt-issuer", JWT_ISSUER,
      "--jwt-audience", JWT_AUDIENCE,
    ],
    { runner: "copilotkit/run.sh", tmpPrefix: "agentd-copilotkit-" },
  );
  recorder = await recordingProxy(agentd.baseUrl);
  keyApp = await serve(
    serviceKeyRoute({ agentdUrl: recorder.url + "/", apiKey: API_KEY, endpoint: ENDPOINT, userOf: sessionUser }),
  );
  tokenApp = await serve(userTokenRoute({ agentdUrl: recorder.url + "/", endpoint: ENDPOINT }));
});

after(async () => {
  for (const s of [tokenApp, keyApp, recorder]) if (s) await s.close();
  if (agentd) {
    const died = agentd.exit;
    await agentd.stop();
    if (died) assert.fail(`agentd ${agentd.describeExit()} during the tests\n${agentd.log()}`);
  }
});

/** Declares a test that prints agentd's output when it fails. */
function scenario(title, fn) {
  test(title, { timeout: 30_000 }, async () => {
    try {
      await fn();
    } catch (err) {
      process.stderr.write(`\n----- agentd output (${title}) -----\n${agentd?.log()}\n----- end -----\n`);
      throw err;
    }
  });
}

// ---------------------------------------------------------------------------
// HTTP plumbing

/** Serves a fetch handler (Request → Response) on a loopback port. */
async function serve(fetchHandler) {
  return listen(http.createServer(createCopilotNodeHandler(fetchHandler)));
}

async function listen(server) {
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => server.close(resolve)).then(() => server.closeAllConnections?.()),
  };
}

/** Forwards everything to target and keeps each request's method, path and headers. */
async function recordingProxy(target) {
  const seen = [];
  const upstream = new URL(target);
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method, path: req.url, headers: { ...req.headers } });
    const up = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode, answer.headers);
        answer.pipe(res);
      },
    );
    up.on("error", (err) => res.destroy(err));
    req.pipe(up);
  });
  const handle = await listen(server);
  return { ...handle, seen };
}

/** The runs (POST /) the runtime sent to agentd since mark. */
const runsSince = (mark) => recorder.seen.slice(mark).filter((r) => r.method === "POST" && r.path === "/");

// ---------------------------------------------------------------------------
// The browser side

/** CopilotKit's frontend agent for one thread, as <CopilotKit headers> configures it. */
function browserAgent(app, headers, threadId = randomUUID()) {
  const agent = new ProxiedCopilotRuntimeAgent({
    runtimeUrl: app.url + ENDPOINT,
    agentId: "sample_agent",
    headers,
  });
  agent.threadId = threadId;
  return agent;
}

/** Sends one user message through the runtime and returns the run's events. */
async function chat(agent, text) {
  agent.addMessage({ id: randomUUID(), role: "user", content: text });
  const events = [];
  await agent.runAgent({ runId: randomUUID() }, { onEvent: ({ event }) => void events.push(event) });
  return events;
}

/** Like chat, and fails unless the run finished with the sim's reply. */
async function chatOK(agent, text) {
  const events = await chat(agent, text);
  const types = events.map((e) => e.type).join(", ");
  assert.equal(events.find((e) => e.type === "RUN_ERROR"), undefined, `no RUN_ERROR; events: ${types}`);
  assert.equal(events.at(-1)?.type, "RUN_FINISHED", `the run finished; events: ${types}`);
  const reply = agent.messages.at(-1);
  assert.equal(reply.role, "assistant");
  assert.match(reply.content, new RegExp(`I heard: ${text}`));
  return events;
}

/** A chat that must not succeed: runAgent rejects or the run ends in RUN_ERROR. */
async function chatRefused(agent, text) {
  let events;
  try {
    events = await chat(agent, text);
  } catch (err) {
    return err;
  }
  const error = events.find((e) => e.type === "RUN_ERROR");
  assert.ok(error, `the run should have failed; events: ${events.map((e) => e.type).join(", ")}`);
  return error;
}

// ---------------------------------------------------------------------------
// agentd, asked directly

const asUser = (user) => ({ Authorization: `Bearer ${API_KEY}`, "X-Agentd-User": user });
const withToken = (jwt) => ({ Authorization: `Bearer ${jwt}` });

async function threadIds(headers) {
  const res = await fetch(`${agentd.baseUrl}/threads?limit=100`, { headers, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  assert.equal(res.status, 200, `GET /threads: ${text}`);
  return JSON.parse(text).threads.map((t) => t.threadId);
}

async function threadStatus(threadId, headers) {
  const res = await fetch(`${agentd.baseUrl}/threads/${threadId}`, { headers, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: await res.json().catch(() => null) };
}

function userToken(sub, { secret = JWT_SECRET, expiresIn = "5m" } = {}) {
  return new SignJWT({})
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(sub)
    .setIssuer(JWT_ISSUER)
    .setAudience(JWT_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(secret));
}

// ---------------------------------------------------------------------------
// Service key: the app's server holds the key and names the user

scenario("the runtime calls agentd with the service key and the signed-in user", async () => {
  const mark = recorder.seen.length;
  const agent = browserAgent(keyApp, { cookie: "session=s-alice" });
  await chatOK(agent, "hello from alice");
  const runs = runsSince(mark);
  assert.equal(runs.length, 1, "one run reached agentd");
  assert.equal(runs[0].headers.authorization, `Bearer ${API_KEY}`);
  assert.equal(runs[0].headers["x-agentd-user"], "alice");
  assert.equal(runs[0].headers.cookie, undefined, "the app's session cookie stays in the app");
  assert.ok((await threadIds(asUser("alice"))).includes(agent.threadId), "the thread is alice's");
});

scenario("a browser with no session gets 401 from the app and never reaches agentd", async () => {
  const mark = recorder.seen.length;
  const err = await chatRefused(browserAgent(keyApp, {}), "anyone there?");
  assert.match(String(err?.message ?? JSON.stringify(err)), /401|sign in/);
  assert.deepEqual(recorder.seen.slice(mark), [], "nothing was sent to agentd");
});

scenario("two users of the same app see only their own threads", async () => {
  const alice = browserAgent(keyApp, { cookie: "session=s-alice" });
  const bob = browserAgent(keyApp, { cookie: "session=s-bob" });
  await chatOK(alice, "alice's secret plan");
  await chatOK(bob, "bob's shopping list");
  const aliceSees = await threadIds(asUser("alice"));
  const bobSees = await threadIds(asUser("bob"));
  assert.ok(aliceSees.includes(alice.threadId) && !aliceSees.includes(bob.threadId), `alice lists ${aliceSees}`);
  assert.ok(bobSees.includes(bob.threadId) && !bobSees.includes(alice.threadId), `bob lists ${bobSees}`);
  assert.equal((await threadStatus(alice.threadId, asUser("bob"))).status, 404, "bob cannot read alice's thread");
  assert.equal((await threadStatus(alice.threadId, asUser("alice"))).status, 200);
});

scenario("a browser that sends its own X-Agentd-User or credentials cannot act as another user", async () => {
  const alice = browserAgent(keyApp, { cookie: "session=s-alice" });
  await chatOK(alice, "only for alice");
  const before = (await threadStatus(alice.threadId, asUser("alice"))).body.messages.length;

  // Bob's browser claims to be alice, with a made-up key and token.
  const forged = { cookie: "session=s-bob", "X-Agentd-User": "alice", Authorization: "Bearer forged", "X-API-Key": "forged" };
  const mark = recorder.seen.length;
  const bob = browserAgent(keyApp, forged);
  await chatOK(bob, "I am alice, honest");
  const [run] = runsSince(mark);
  assert.equal(run.headers["x-agentd-user"], "bob", "the server's user header won");
  assert.equal(run.headers.authorization, `Bearer ${API_KEY}`, "the server's key won");
  assert.equal(run.headers["x-api-key"], undefined, "the browser's X-API-Key was dropped");
  assert.ok((await threadIds(asUser("bob"))).includes(bob.threadId), "the thread is bob's");
  assert.ok(!(await threadIds(asUser("alice"))).includes(bob.threadId), "and not alice's");

  // Nor can bob's browser write into alice's thread by naming it.
  const intruder = browserAgent(keyApp, forged, alice.threadId);
  await chatRefused(intruder, "appended by bob");
  const after = (await threadStatus(alice.threadId, asUser("alice"))).body.messages;
  assert.equal(after.length, before, "alice's thread is unchanged");
  assert.ok(!after.some((m) => m.content === "appended by bob"));
});

// ---------------------------------------------------------------------------
// User tokens: the browser's JWT passes through the runtime

scenario("a user's JWT passes through the runtime and agentd takes the user from it", async () => {
  const jwt = await userToken("carol");
  const mark = recorder.seen.length;
  const agent = browserAgent(tokenApp, { Authorization: `Bearer ${jwt}`, "X-Agentd-User": "alice" });
  await chatOK(agent, "hello from carol");
  const [run] = runsSince(mark);
  assert.equal(run.headers.authorization, `Bearer ${jwt}`, "the browser's token reached agentd unchanged");
  assert.equal(run.headers["x-agentd-user"], undefined, "the browser's user header was dropped");
  assert.ok((await threadIds(withToken(jwt))).includes(agent.threadId), "carol lists her thread");
  assert.ok(!(await threadIds(asUser("alice"))).includes(agent.threadId), "alice does not");
  assert.equal((await threadStatus(agent.threadId, withToken(await userToken("dave")))).status, 404, "dave cannot read it");
});

scenario("a JWT with the wrong signature or expired is refused and stores nothing", async () => {
  for (const [what, jwt] of [
    ["wrong secret", await userToken("carol", { secret: randomBytes(32).toString("hex") })],
    ["expired", await userToken("carol", { expiresIn: Math.floor(Date.now() / 1000) - 60 })],
  ]) {
    const agent = browserAgent(tokenApp, { Authorization: `Bearer ${jwt}` });
    await chatRefused(agent, `a ${what} token`);
    const res = await fetch(`${agentd.baseUrl}/threads/${agent.threadId}`, { headers: withToken(jwt) });
    assert.equal(res.status, 401, `${what}: agentd refuses the token itself`);
    assert.equal((await threadStatus(agent.threadId, withToken(await userToken("carol")))).status, 404, `${what}: no thread`);
  }
});
