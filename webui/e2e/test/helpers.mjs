// Shared helpers for the browser tests: start and stop a real agentd
// process, drive Debian's Chromium through playwright-core, and read the
// server's stored threads.

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";

import { chromium } from "playwright-core";

import { TEST_API_KEY, authHeaders, startServer as startAgentd } from "../../../jstest/agentd.mjs";

export { authHeaders };

export const CHROMIUM = process.env.CHROMIUM_BIN || "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

// How long a page may take to show what a step expects.
export const UI_TIMEOUT_MS = 15_000;

// ---------------------------------------------------------------------------
// The server process

const startServer = (extraArgs) =>
  startAgentd(extraArgs, { runner: "webui/e2e/run.sh", tmpPrefix: "agentd-webui-" });

// ---------------------------------------------------------------------------
// The browser

async function launchBrowser() {
  const profile = await mkdtemp(path.join(os.tmpdir(), "agentd-webui-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
  });
  return { context, profile };
}

/**
 * useFixture starts one agentd (with extraArgs) and one Chromium for the
 * calling test file. Each test gets a fresh page whose console errors and
 * uncaught exceptions fail the test (but those matching expectedConsole);
 * a failure prints the server's output. When the suite runs with a test API
 * key (AGENTD_TEST_AUTH=key) every page starts signed in with it, unless
 * signedIn is false.
 */
export function useFixture({ extraArgs = [], signedIn = true, expectedConsole = /status of 404/ } = {}) {
  let server = null;
  let browser = null;
  const fixture = {
    get baseUrl() {
      assert.ok(server, "the server did not start");
      return server.baseUrl;
    },
    get context() {
      return browser.context;
    },
    test(title, fn, { timeout = 60_000 } = {}) {
      test(title, { timeout }, async (t) => {
        const page = await browser.context.newPage();
        const problems = [];
        page.on("pageerror", (err) => problems.push(`uncaught: ${err.message}`));
        page.on("console", (msg) => {
          // A 404 for a thread that is not saved yet is expected (and what
          // expectedConsole allows); any other console error is a bug in
          // the page.
          if (msg.type() === "error" && !expectedConsole.test(msg.text())) problems.push(`console: ${msg.text()}`);
        });
        try {
          await fn(page, t);
          assert.deepEqual(problems, [], "the page reported errors");
        } catch (err) {
          dump(server, title);
          await dumpPage(page, problems);
          throw err;
        } finally {
          await page.close();
        }
      });
    },
  };
  before(async () => {
    server = await startServer(extraArgs);
    browser = await launchBrowser();
    if (TEST_API_KEY && signedIn) {
      // As if the user had signed in on this tab: the page's own storage
      // (about:blank and a sandboxed widget frame have none).
      await browser.context.addInitScript((key) => {
        try {
          sessionStorage.setItem("agentd.credential", key);
        } catch {
          // no storage in this document
        }
      }, TEST_API_KEY);
    }
  });
  after(async () => {
    if (browser) {
      await browser.context.close();
      await rm(browser.profile, { recursive: true, force: true });
    }
    if (!server) return;
    const died = server.exit;
    await server.stop();
    if (died) {
      dump(server, "after all tests");
      assert.fail(`agentd ${server.describeExit()} while the tests were running`);
    }
  });
  return fixture;
}

async function dumpPage(page, problems) {
  const seen = await page
    .evaluate(() => `status: ${document.querySelector("#status")?.textContent} ${document.querySelector("#status-detail")?.textContent}\n${document.querySelector("main")?.innerText}`)
    .catch((err) => `(page unreadable: ${err.message})`);
  process.stderr.write(`----- the page -----\n${seen}\n${problems.join("\n")}\n----- end of the page -----\n`);
}

function dump(server, title) {
  if (!server) return;
  process.stderr.write(`\n----- agentd output, test failed: ${title} -----\n${server.log()}\n----- end of agentd output -----\n`);
}

// ---------------------------------------------------------------------------
// Page steps

/**
 * Opens the chat page on a new thread, named in the URL as a link to a
 * thread would name it, and returns the thread's id. (Tests share one
 * browser profile, so without a hash the page would reopen the thread the
 * previous test left in localStorage.)
 */
export async function openFreshPage(page, baseUrl) {
  const threadId = randomUUID();
  const res = await page.goto(`${baseUrl}/#thread=${threadId}`);
  assertChatPage(res);
  await waitIdle(page);
  assert.equal(await threadIdOf(page), threadId);
  return threadId;
}

/** Fails unless a navigation got the chat page. */
export function assertChatPage(res) {
  assert.match(
    res.headers()["content-type"] ?? "",
    /^text\/html/,
    `GET / did not serve the chat page (HTTP ${res.status()}); is webui.Handler() set as httpapi.Config.UI?`,
  );
}

export async function threadIdOf(page) {
  return page.evaluate(() => decodeURIComponent(location.hash.replace(/^#thread=/, "")));
}

/** Saves a screenshot as SCREENSHOT_DIR/name.png when SCREENSHOT_DIR is set. */
export async function screenshot(page, name) {
  const dir = process.env.SCREENSHOT_DIR;
  if (!dir) return;
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file });
  process.stderr.write(`screenshot: ${file}\n`);
}

/** Types a message into the composer and sends it with Enter. */
export async function send(page, text) {
  await page.fill("#composer-input", text);
  await page.press("#composer-input", "Enter");
}

/** Waits until no run is on screen and the page accepts a message again. */
export async function waitIdle(page, timeout = UI_TIMEOUT_MS) {
  await page.waitForFunction(() => !document.querySelector("#send").disabled, null, { timeout });
}

/** Waits until the page says its last run finished, and returns to idle. */
export async function waitFinished(page, timeout = UI_TIMEOUT_MS) {
  await waitIdle(page, timeout);
  const status = await page.textContent("#status");
  assert.equal(status, "finished", `run status; detail: ${await page.textContent("#status-detail")}`);
}

/** The texts of the chat's bubbles, as [role, text] pairs. */
export async function bubbles(page) {
  return page.$$eval("#messages > li.msg", (items) =>
    items.map((li) => [li.dataset.role || "error", li.querySelector(".text").textContent]),
  );
}

// ---------------------------------------------------------------------------
// The server's side of the story

export async function getThread(baseUrl, threadId, headers = authHeaders()) {
  const res = await fetch(`${baseUrl}/threads/${encodeURIComponent(threadId)}`, {
    headers,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  assert.equal(res.status, 200, `GET /threads/${threadId}: ${text}`);
  return JSON.parse(text);
}

/** Runs the default agent once from outside the page, reading the stream to its end. */
export async function runFromOutside(baseUrl, input, headers = authHeaders()) {
  const res = await fetch(baseUrl + "/", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "text/event-stream", ...headers },
    body: JSON.stringify({ tools: [], context: [], forwardedProps: {}, ...input }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  assert.equal(res.status, 200, `POST /: ${text}`);
  assert.match(text, /"type":"RUN_FINISHED"/, `the outside run did not finish: ${text}`);
  return text;
}
