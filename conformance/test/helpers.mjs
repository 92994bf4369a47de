// Shared helpers for the conformance tests: start and stop a real agentd
// process, run the official AG-UI clients against it with the checks the
// clients themselves do not make, and read the stored thread back.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";

import { HttpAgent as HttpAgent100 } from "@ag-ui/client";
import { HttpAgent as HttpAgent0059 } from "agui-client-0059";

// Every scenario runs once per client: 1.0.0 is current, 0.0.59 is what
// CopilotKit's latest packages still pin.
export const CLIENTS = [
  { name: "@ag-ui/client@1.0.0", HttpAgent: HttpAgent100 },
  { name: "@ag-ui/client@0.0.59", HttpAgent: HttpAgent0059 },
];

const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;
const MAX_LOG_BYTES = 256 * 1024;

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

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** A running agentd process with its own port and SQLite file. */
class Server {
  constructor(proc, baseUrl, dir) {
    this.proc = proc;
    this.baseUrl = baseUrl;
    this.dir = dir;
    this.exit = null; // {code, signal} once the process has ended
    this.logChunks = [];
    this.logBytes = 0;
    this.exited = new Promise((resolve) => {
      proc.on("exit", (code, signal) => {
        this.exit = { code, signal };
        resolve();
      });
    });
    const keep = (chunk) => {
      this.logChunks.push(chunk);
      this.logBytes += chunk.length;
      while (this.logBytes > MAX_LOG_BYTES && this.logChunks.length > 1) {
        this.logBytes -= this.logChunks.shift().length;
      }
    };
    proc.stdout.on("data", keep);
    proc.stderr.on("data", keep);
  }

  /** The server's output so far (stderr and stdout interleaved). */
  log() {
    return Buffer.concat(this.logChunks).toString("utf8");
  }

  describeExit() {
    if (!this.exit) return "still running";
    return this.exit.signal ? `killed by ${this.exit.signal}` : `exited with code ${this.exit.code}`;
  }

  // /livez answers as soon as the port is bound, while migrations may still
  // run and every other route answers 503 "starting"; runs are accepted once
  // /readyz says 200. Both are polled within one deadline.
  async waitReady() {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (const probe of ["/livez", "/readyz"]) {
      let lastProblem = "no answer yet";
      for (;;) {
        if (this.exit) {
          throw new Error(`agentd ${this.describeExit()} before ${probe} answered 200\n${this.log()}`);
        }
        if (Date.now() >= deadline) {
          throw new Error(
            `agentd was not ready within ${READY_TIMEOUT_MS / 1000} s (${lastProblem})\n${this.log()}`,
          );
        }
        try {
          const res = await fetch(this.baseUrl + probe, { signal: AbortSignal.timeout(1_000) });
          const body = await res.text();
          if (res.status === 200) break;
          lastProblem = `GET ${probe} answered ${res.status}: ${body.trim()}`;
        } catch (err) {
          lastProblem = `GET ${probe} failed: ${err.cause?.code ?? err.message}`;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  /** Stops the process we started (SIGTERM, then SIGKILL) and removes its files. */
  async stop() {
    if (!this.exit) {
      this.proc.kill("SIGTERM");
      const timer = setTimeout(() => this.proc.kill("SIGKILL"), STOP_TIMEOUT_MS);
      await this.exited;
      clearTimeout(timer);
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * Starts `$AGENTD_BIN serve` with the sim model and waits until it is live.
 * extraArgs are appended to the serve flags.
 */
export async function startServer(extraArgs = []) {
  const bin = process.env.AGENTD_BIN;
  if (!bin) throw new Error("AGENTD_BIN is not set; run the tests through conformance/run.sh");
  const dir = await mkdtemp(path.join(os.tmpdir(), "agentd-conformance-"));
  const port = await freePort();
  const args = [
    "serve",
    "--addr", `127.0.0.1:${port}`,
    "--store", `sqlite://${path.join(dir, "agentd.db")}`,
    "--model", "sim",
    ...extraArgs,
  ];
  // The flags say everything: no AGENTD_* or PORT setting may leak in.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => k !== "PORT" && !k.startsWith("AGENTD_")),
  );
  const proc = spawn(bin, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  const spawned = new Promise((resolve, reject) => {
    proc.once("spawn", resolve);
    proc.once("error", (err) => reject(new Error(`cannot start ${bin}: ${err.message}`)));
  });
  const server = new Server(proc, `http://127.0.0.1:${port}`, dir);
  try {
    await spawned;
    await server.waitReady();
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}

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

export async function fetchJSON(url, init) {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
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
