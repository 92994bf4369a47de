// Shared by the kit's tests: a real agentd, a TCP proxy that can cut live
// connections, AgentdAgent on both @ag-ui/client versions, and a runner
// that records what the client delivered.

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import net from "node:net";
import { after, before } from "node:test";

import { HttpAgent as HttpAgent100 } from "@ag-ui/client";
import { HttpAgent as HttpAgent0059 } from "agui-client-0059";

import { agentdAgentClass } from "../src/index.js";
import { startServer } from "../../../jstest/agentd.mjs";

// 1.0.0 is current; 0.0.59 is what CopilotKit 1.75 pins.
export const CLIENTS = [
  { name: "@ag-ui/client@1.0.0", HttpAgent: HttpAgent100, AgentdAgent: agentdAgentClass(HttpAgent100) },
  { name: "@ag-ui/client@0.0.59", HttpAgent: HttpAgent0059, AgentdAgent: agentdAgentClass(HttpAgent0059) },
];

// The sim paced so one reply streams for about 1.5 s: 60 words at 40/s.
export const PACED = ["--sim-tps", "40", "--sim-tokens", "60"];

export const newId = () => randomUUID();

/**
 * Starts agentd with extraArgs before the file's tests (and, with proxy,
 * a cuttingProxy in front of it) and stops both after; the handle's
 * baseUrl, server and proxy are valid inside tests.
 */
export function useAgentd(extraArgs = [], { proxy = false } = {}) {
  const handle = { server: null, proxy: null };
  // One hook: Node 20 does not order a file's top-level before hooks.
  before(async () => {
    handle.server = await startServer(extraArgs, { runner: "clients/js/run.sh", tmpPrefix: "agentd-clientkit-" });
    if (proxy) handle.proxy = await cuttingProxy(handle.server.baseUrl);
  });
  after(async () => {
    await handle.proxy?.close();
    const s = handle.server;
    if (!s) return;
    const died = s.exit;
    await s.stop();
    if (died) assert.fail(`agentd ${s.describeExit()} during the tests\n${s.log()}`);
  });
  Object.defineProperty(handle, "baseUrl", { get: () => handle.server.baseUrl });
  return handle;
}

/** Runs fn; when it fails, prints agentd's output first. */
export async function withLog(agentd, fn) {
  try {
    return await fn();
  } catch (err) {
    process.stderr.write(`\n----- agentd output -----\n${agentd.server?.log()}\n----- end -----\n`);
    throw err;
  }
}

// ---------------------------------------------------------------------------
// Running an agent

/**
 * Sends one user message on a fresh agent and returns every event the
 * client delivered, the new messages and the reply text.
 */
export async function chat(agent, text, { runId = newId() } = {}) {
  agent.addMessage({ id: newId(), role: "user", content: text });
  const events = [];
  const result = await agent.runAgent({ runId }, { onEvent: ({ event }) => void events.push(event) });
  const reply = result.newMessages.filter((m) => m.role === "assistant").map((m) => m.content).join("");
  return { runId, events, reply, newMessages: result.newMessages };
}

/** Fails unless the run started, finished once, and had no RUN_ERROR. */
export function assertComplete({ events }) {
  const types = events.map((e) => e.type);
  assert.equal(types[0], "RUN_STARTED", `first event: ${types}`);
  assert.equal(types.at(-1), "RUN_FINISHED", `last event: ${types}`);
  assert.equal(types.filter((t) => t === "RUN_FINISHED").length, 1, `one RUN_FINISHED: ${types}`);
  assert.ok(!types.includes("RUN_ERROR"), `no RUN_ERROR: ${types}`);
}

/**
 * An event without what differs between two runs of the same text: ids,
 * times, and the input CopilotKit's runtime echoes in RUN_STARTED.
 */
export function normalize(event) {
  const { timestamp, threadId, runId, messageId, rawEvent, input, ...rest } = event;
  return rest;
}

// ---------------------------------------------------------------------------
// The cutting proxy

/**
 * A TCP proxy in front of target (an http:// base URL) that records every
 * HTTP request it forwards, with the response status, and can cut live
 * connections: cutWhen(rule) arms a one-shot rule; when rule(conn) is true
 * after a chunk from agentd, the proxy forwards only part of that chunk
 * (so the client holds a partial SSE frame) and destroys both sides.
 */
export async function cuttingProxy(target) {
  const upstream = new URL(target);
  const requests = []; // {method, path, status, cut}
  const rules = [];
  const sockets = new Set();
  const server = net.createServer((client) => {
    const up = net.connect(Number(upstream.port), upstream.hostname);
    sockets.add(client);
    sockets.add(up);
    let current = null; // the request being answered on this connection
    let head = "";
    client.on("data", (buf) => {
      for (const m of buf.toString("latin1").matchAll(/^(GET|POST|DELETE|HEAD|PUT) (\S+) HTTP\/1\.[01]\r$/gm)) {
        current = { method: m[1], path: m[2], status: undefined, cut: false, body: "" };
        requests.push(current);
        head = "";
      }
      up.write(buf);
    });
    up.on("data", (buf) => {
      const text = buf.toString("utf8");
      if (current && current.status === undefined) {
        head += text;
        const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
        if (m) current.status = Number(m[1]);
      }
      if (current) current.body += text;
      const i = current ? rules.findIndex((r) => r.when(current)) : -1;
      if (i < 0) {
        client.write(buf);
        return;
      }
      const [rule] = rules.splice(i, 1);
      current.cut = true;
      // Up to the middle of the chunk's last frame: a partial frame arrives.
      const lastData = buf.lastIndexOf("data:");
      const keep = lastData > 0 ? lastData + Math.floor((buf.length - lastData) / 2) : Math.floor(buf.length / 2);
      client.write(buf.subarray(0, keep), () => {
        client.destroy();
        up.destroy();
        rule.resolve();
      });
    });
    const close = () => {
      client.destroy();
      up.destroy();
      sockets.delete(client);
      sockets.delete(up);
    };
    client.on("error", close).on("close", close);
    up.on("error", close).on("close", close);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    requests,
    /** Arms a one-shot cut; the promise resolves once it happened. */
    cutWhen(when) {
      return new Promise((resolve) => rules.push({ when, resolve }));
    },
    /** Forgets rules that never fired (so a later test is not cut by them). */
    disarm() {
      rules.length = 0;
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A rule for cutWhen: the request matches and its answer holds n text deltas. */
export const afterDeltas = (n, { method = "POST", path } = {}) => (conn) =>
  conn.method === method &&
  (path === undefined || conn.path.startsWith(path)) &&
  (conn.body.match(/"TEXT_MESSAGE_CONTENT"/g) ?? []).length >= n;

/**
 * A fetch for AgentdAgent's `fetch` option that ends the run's first
 * response (the POST) cleanly once n text deltas went through, at a frame
 * boundary, after appending the frames of `append` (raw SSE text): a proxy
 * that closes the stream early, or agentd ending a stream with its own error.
 */
export function endingFetch(n, { append = "" } = {}) {
  const log = [];
  const fetchFn = async (url, init) => {
    const res = await fetch(url, init);
    log.push({ method: init.method, url, headers: new Headers(init.headers), status: res.status });
    if (init.method !== "POST" || !res.ok) return res;
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    const encoder = new TextEncoder();
    let buf = "";
    let deltas = 0;
    const body = new ReadableStream({
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) return controller.close();
        buf += decoder.decode(value, { stream: true });
        const frames = buf.split("\n\n");
        buf = frames.pop();
        for (const f of frames) {
          controller.enqueue(encoder.encode(f + "\n\n"));
          if (f.includes('"TEXT_MESSAGE_CONTENT"') && ++deltas >= n) {
            if (append) controller.enqueue(encoder.encode(append));
            reader.cancel().catch(() => {});
            return controller.close();
          }
        }
      },
    });
    return new Response(body, { status: res.status, headers: res.headers });
  };
  return { fetch: fetchFn, log };
}
