// Shared helpers for the conformance tests: start and stop a real agentd
// process, run the official AG-UI clients against it with the checks the
// clients themselves do not make, and read the stored thread back.

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";

import { HttpAgent as HttpAgent100 } from "@ag-ui/client";
import { HttpAgent as HttpAgent0059 } from "agui-client-0059";

import { TEST_API_KEY, authHeaders, startServer as startAgentd } from "../../jstest/agentd.mjs";

// Every scenario runs once per client: 1.0.0 is current, 0.0.59 is what
// CopilotKit's latest packages still pin.
export const OFFICIAL_CLIENTS = [
  { name: "@ag-ui/client@1.0.0", HttpAgent: HttpAgent100 },
  { name: "@ag-ui/client@0.0.59", HttpAgent: HttpAgent0059 },
];

// With AGENTD_TEST_AUTH=key every agent sends the suite's key through the
// clients' own `headers` option, as an app's server would.
const sendingKey = (HttpAgent) =>
  class extends HttpAgent {
    constructor(config = {}) {
      super({ ...config, headers: { ...authHeaders(), ...config.headers } });
    }
  };

export const CLIENTS = OFFICIAL_CLIENTS.map((c) => (TEST_API_KEY ? { ...c, HttpAgent: sendingKey(c.HttpAgent) } : c));

export { authHeaders };

export const newId = () => randomUUID();

export const userMessage = (content) => ({ id: newId(), role: "user", content });

// The frontend tool the tool-call scenarios declare.
export const SHOW_NOTICE_TOOL = {
  name: "showNotice",
  description: "Show a notice banner to the user",
  parameters: {
    type: "object",
    properties: { message: { type: "string", description: "Text of the notice" } },
    required: ["message"],
  },
};

// ---------------------------------------------------------------------------
// The server process

export const startServer = (extraArgs = []) =>
  startAgentd(extraArgs, { runner: "conformance/run.sh", tmpPrefix: "agentd-conformance-" });

/**
 * Starts one server for the calling test file and stops it afterwards.
 * Tests declared through the returned handle print the server's output
 * when they fail.
 */
export function useServer({ extraArgs = [] } = {}) {
  let server = null;
  const handle = {
    get baseUrl() {
      assert.ok(server, "the server did not start");
      return server.baseUrl;
    },
    /** Declares one test; a failure also prints the server's output. */
    test(title, fn, { timeout = 30_000 } = {}) {
      test(title, { timeout }, async (t) => {
        try {
          await fn(t);
        } catch (err) {
          dumpServerLog(server, title);
          throw err;
        }
      });
    },
    /** Declares the same test once for every client version. */
    eachClient(title, fn, options) {
      for (const client of CLIENTS) {
        handle.test(`${title} [${client.name}]`, (t) => fn(client, t), options);
      }
    },
  };
  before(async () => {
    server = await startServer(extraArgs);
  });
  after(async () => {
    if (!server) return;
    const died = server.exit;
    await server.stop();
    if (died) {
      dumpServerLog(server, "after all tests");
      assert.fail(`agentd ${server.describeExit()} while the tests were running`);
    }
  });
  return handle;
}

function dumpServerLog(server, title) {
  if (!server) return;
  const state = server.exit ? ` (agentd ${server.describeExit()})` : "";
  process.stderr.write(
    `\n----- agentd output, test failed: ${title}${state} -----\n${server.log()}` +
      `\n----- end of agentd output -----\n`,
  );
}

// ---------------------------------------------------------------------------
// Running the clients

const summarize = (events) => events.map((e) => e.type).join(", ") || "(none)";

/**
 * Checks what the clients leave unchecked: no RUN_ERROR, exactly one run
 * that starts and finishes, and threadId/runId echoed from the request.
 */
export function assertRunConforms(events, { threadId, runId }) {
  const seen = `events: ${summarize(events)}`;
  const runError = events.find((e) => e.type === "RUN_ERROR");
  assert.equal(runError, undefined, `RUN_ERROR ${JSON.stringify(runError)}; ${seen}`);
  assert.ok(events.length > 0, "the run produced no events");
  assert.equal(events[0].type, "RUN_STARTED", `first event; ${seen}`);
  assert.equal(events.at(-1).type, "RUN_FINISHED", `last event; ${seen}`);
  for (const type of ["RUN_STARTED", "RUN_FINISHED"]) {
    const matching = events.filter((e) => e.type === type);
    assert.equal(matching.length, 1, `number of ${type}; ${seen}`);
    assert.equal(matching[0].threadId, threadId, `${type}.threadId`);
    assert.equal(matching[0].runId, runId, `${type}.runId`);
  }
}

/**
 * Runs the agent once with an explicit runId, records every event through
 * runAgent's subscriber parameter (same API in both versions) and fails
 * unless the run conforms.
 */
export async function runChecked(agent, params = {}) {
  const runId = params.runId ?? newId();
  const threadId = agent.threadId;
  const events = [];
  let finished = null;
  const subscriber = {
    onEvent: ({ event }) => {
      events.push(event);
    },
    onRunFinishedEvent: (params) => {
      finished = params;
    },
  };
  let result;
  try {
    result = await agent.runAgent({ ...params, runId }, subscriber);
  } catch (err) {
    throw new Error(`runAgent rejected (run ${runId}): ${err.message}; events: ${summarize(events)}`, {
      cause: err,
    });
  }
  assertRunConforms(events, { threadId, runId });
  return { runId, events, finished, newMessages: result.newMessages };
}

// Runs the agent expecting rejection, without the client's console.error noise.
export async function expectRejection(agent) {
  const events = [];
  const quiet = console.error;
  console.error = () => {};
  try {
    await agent.runAgent({}, { onEvent: ({ event }) => void events.push(event) });
  } catch (err) {
    return { err, events };
  } finally {
    console.error = quiet;
  }
  assert.fail(`runAgent resolved; events: ${events.map((e) => e.type).join(", ") || "(none)"}`);
}

/** Adds a user message to the agent, runs it and returns the assistant text reply. */
export async function sayAndRun(agent, text, params = {}) {
  const user = userMessage(text);
  agent.addMessage(user);
  const run = await runChecked(agent, params);
  const reply = assistantReply(run.newMessages, `reply to ${JSON.stringify(text)}`);
  return { user, reply, run };
}

/** The single assistant text message among a run's new messages. */
export function assistantReply(newMessages, what = "reply") {
  const texts = newMessages.filter((m) => m.role === "assistant" && typeof m.content === "string" && m.content !== "");
  assert.equal(texts.length, 1, `${what}: expected one assistant text message, got ${JSON.stringify(newMessages)}`);
  return texts[0];
}

/** Checks the sim's reply: it echoes the user's text and counts the turn. */
export function assertSimReply(reply, userText, turn) {
  assert.ok(
    reply.content.includes(`I heard: ${userText}`),
    `reply should contain "I heard: ${userText}", got ${JSON.stringify(reply.content)}`,
  );
  if (turn !== undefined) {
    assert.match(reply.content, new RegExp(`\\bturn ${turn}\\b`), `reply should say turn ${turn}`);
  }
}

// ---------------------------------------------------------------------------
// Plain HTTP

/** fetch with the suite's credentials (if any) and a timeout, the body read as JSON when it is. */
export async function fetchJSON(url, init = {}) {
  const headers = { ...authHeaders(), ...init.headers };
  const res = await fetch(url, { ...init, headers, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { res, text, body };
}

/** GET /threads/{id}; fails unless it answers 200 with that thread. */
export async function getThread(baseUrl, threadId) {
  const { res, text, body } = await fetchJSON(`${baseUrl}/threads/${encodeURIComponent(threadId)}`);
  assert.equal(res.status, 200, `GET /threads/${threadId}: ${text}`);
  assert.equal(body?.threadId, threadId, `GET /threads/${threadId} body: ${text}`);
  assert.ok(Array.isArray(body.messages), `GET /threads/${threadId} messages: ${text}`);
  return body;
}

/** A compact description of messages for assertion output. */
export const describeMessages = (messages) =>
  messages.map((m) => `${m.role}:${m.id}${m.toolCalls?.length ? "(toolCalls)" : ""}`).join(" | ");

/** Fails unless the stored messages have exactly these ids and roles, in order. */
export function assertStoredOrder(stored, expected) {
  assert.deepEqual(
    stored.map((m) => ({ id: m.id, role: m.role })),
    expected.map((m) => ({ id: m.id, role: m.role })),
    `stored: ${describeMessages(stored)}\nexpected: ${describeMessages(expected)}`,
  );
}
