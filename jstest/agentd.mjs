// The agentd process the Node test suites (conformance/, webui/e2e/,
// clients/js/, copilotkit/) run against: started from $AGENTD_BIN on a
// free port with its own SQLite file, polled until ready, stopped by its
// PID. Node built-ins only, so every suite imports it by path whatever its
// own dependencies.
//
// AGENTD_TEST_AUTH=key runs a suite against an agentd that requires an API
// key (`--api-keys`, one random key per test process); the suites send
// authHeaders() on every request. Unset (or "none"), agentd runs as by
// default: no authentication, loopback only.

import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";

const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;
const MAX_LOG_BYTES = 256 * 1024;

const AUTH_MODES = ["none", "key"];
export const TEST_AUTH = process.env.AGENTD_TEST_AUTH || "none";
if (!AUTH_MODES.includes(TEST_AUTH)) {
  throw new Error(`AGENTD_TEST_AUTH=${TEST_AUTH}: want one of ${AUTH_MODES.join(", ")}`);
}

/** The API key every server of this process requires, or "" without auth. */
export const TEST_API_KEY = TEST_AUTH === "key" ? `test-${randomBytes(24).toString("base64url")}` : "";

/** The headers a request needs to be accepted by the servers startServer starts. */
export function authHeaders() {
  return TEST_API_KEY ? { Authorization: `Bearer ${TEST_API_KEY}` } : {};
}

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
export class Server {
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
 * Starts `$AGENTD_BIN serve` with the sim model, its own port and SQLite
 * file, and waits until it is ready. extraArgs are appended to the serve
 * flags; runner names the script that sets AGENTD_BIN, for the error. With
 * AGENTD_TEST_AUTH=key it also requires TEST_API_KEY, unless extraArgs
 * configure authentication themselves (--api-keys, --jwt-secret).
 */
export async function startServer(extraArgs = [], { runner = "its run.sh", tmpPrefix = "agentd-test-" } = {}) {
  const bin = process.env.AGENTD_BIN;
  if (!bin) throw new Error(`AGENTD_BIN is not set; run the tests through ${runner}`);
  const dir = await mkdtemp(path.join(os.tmpdir(), tmpPrefix));
  const port = await freePort();
  const args = [
    "serve",
    "--addr", `127.0.0.1:${port}`,
    "--store", `sqlite://${path.join(dir, "agentd.db")}`,
    "--model", "sim",
    ...extraArgs,
  ];
  const ownAuth = extraArgs.some((a) => a === "--api-keys" || a === "--jwt-secret");
  if (TEST_API_KEY && !ownAuth) args.push("--api-keys", TEST_API_KEY);
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
