// The chat page against an agentd that requires credentials: it asks for
// an API key or token, refuses a wrong one, sends the right one on every
// API call, lists only that user's threads, and forgets it on sign-out.

import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import { SignJWT } from "jose";

import { UI_TIMEOUT_MS, bubbles, getThread, runFromOutside, send, useFixture, waitFinished } from "./helpers.mjs";

const KEY = `e2e-${randomBytes(24).toString("base64url")}`;
const JWT_SECRET = randomBytes(32).toString("hex");

const f = useFixture({
  extraArgs: ["--api-keys", KEY, "--jwt-secret", JWT_SECRET],
  signedIn: false,
  // Chromium logs every 401 the page gets before it signs in.
  expectedConsole: /status of 40[14]/,
});

const asKey = (user) => ({ Authorization: `Bearer ${KEY}`, ...(user ? { "X-Agentd-User": user } : {}) });
const userToken = (sub) =>
  new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject(sub).setIssuedAt().setExpirationTime("10m").sign(new TextEncoder().encode(JWT_SECRET));
const seed = (headers, content) =>
  runFromOutside(f.baseUrl, { threadId: randomUUID(), runId: randomUUID(), messages: [{ id: randomUUID(), role: "user", content }], state: {} }, headers);

const dialog = (page) => page.locator("#sign-in");
const storedCredential = (page) => page.evaluate(() => sessionStorage.getItem("agentd.credential"));
const listed = (page) => page.$$eval("#thread-list li", (items) => items.map((li) => li.dataset.threadId));

async function screenshot(page, name) {
  const dir = process.env.SCREENSHOT_DIR || (await mkdtemp(path.join(os.tmpdir(), "agentd-webui-shot-")));
  const file = path.join(dir, name);
  await page.screenshot({ path: file });
  process.stderr.write(`screenshot: ${file}\n`);
}

async function signIn(page, secret) {
  await page.fill("#sign-in-secret", secret);
  await page.click("#sign-in-submit");
}

f.test("the page asks for a key, refuses a wrong one, and works with the right one", async (page) => {
  // Every API request the page makes, with the credential it carried.
  const calls = [];
  page.on("request", (r) => {
    const { pathname } = new URL(r.url());
    if (!(r.method() === "GET" && pathname === "/")) calls.push({ what: `${r.method()} ${pathname}`, auth: r.headers().authorization });
  });
  const threadId = randomUUID();
  await page.goto(`${f.baseUrl}/#thread=${threadId}`);
  await dialog(page).waitFor({ state: "visible" });
  assert.match(await page.textContent("#sign-in-reason"), /requires an API key or a user token/);
  assert.equal(await page.isVisible("#account"), false);

  await signIn(page, "not-the-key");
  const error = page.locator("#sign-in-error");
  await error.waitFor({ state: "visible" });
  assert.match(await error.textContent(), /^Not accepted: /);
  assert.equal(await dialog(page).isVisible(), true, "the form stays up");
  assert.equal(await storedCredential(page), null, "a refused key is not kept");
  await screenshot(page, "sign-in.png");

  await signIn(page, KEY);
  await dialog(page).waitFor({ state: "hidden" });
  assert.equal(await page.textContent("#account-who"), "Signed in with a key");
  assert.equal(await storedCredential(page), KEY);
  const signedInAt = calls.length;

  await send(page, "hello with a key");
  await waitFinished(page);
  const shown = await bubbles(page);
  assert.match(shown.at(-1)[1], /^I heard: hello with a key\./);
  assert.equal((await getThread(f.baseUrl, threadId, asKey())).messages.length, 2, "the run was stored for the key's user");
  await page.locator(`#thread-list li[data-thread-id="${threadId}"]`).waitFor();
  await screenshot(page, "signed-in.png");

  const after = calls.slice(signedInAt);
  assert.ok(after.some((c) => c.what === "POST /") && after.some((c) => c.what === "GET /threads"), JSON.stringify(after));
  for (const c of after) assert.equal(c.auth, `Bearer ${KEY}`, `${c.what} carried the key`);
});

f.test("a reload keeps the tab signed in; sign out forgets the key and asks again", async (page) => {
  await page.goto(`${f.baseUrl}/#thread=${randomUUID()}`);
  await dialog(page).waitFor({ state: "visible" });
  await signIn(page, KEY);
  await dialog(page).waitFor({ state: "hidden" });
  await send(page, "still here after a reload?");
  await waitFinished(page);

  await page.reload();
  await page.waitForSelector("#messages li.msg.assistant", { timeout: UI_TIMEOUT_MS });
  assert.equal(await dialog(page).isVisible(), false, "no prompt after a reload");
  assert.equal((await bubbles(page))[0][1], "still here after a reload?");

  await page.click("#sign-out");
  await dialog(page).waitFor({ state: "visible" });
  assert.equal(await storedCredential(page), null);
  assert.equal(await page.isVisible("#account"), false);
  assert.deepEqual(await bubbles(page), [], "nothing of the signed-out user stays on screen");
  assert.deepEqual(await listed(page), []);

  // The thread list refused while signed out loads once signed in again.
  await signIn(page, KEY);
  await dialog(page).waitFor({ state: "hidden" });
  await page.waitForFunction(() => document.querySelectorAll("#thread-list li").length > 0, null, { timeout: UI_TIMEOUT_MS });
});

f.test("a stored key that agentd no longer accepts is dropped and the page asks again", async (page) => {
  await page.addInitScript(() => sessionStorage.setItem("agentd.credential", "a-key-that-was-revoked"));
  const threadId = randomUUID();
  await seed(asKey(), "kept while signed out");
  await page.goto(`${f.baseUrl}/#thread=${threadId}`);
  await dialog(page).waitFor({ state: "visible" });
  assert.match(await page.textContent("#sign-in-reason"), /^agentd did not accept your key or token \(.+\)\. Sign in again\.$/);
  assert.equal(await storedCredential(page), null, "the refused key is forgotten");
  await signIn(page, KEY);
  await dialog(page).waitFor({ state: "hidden" });
  // The list refused at load is sent again with the new key.
  await page.waitForFunction(() => document.querySelectorAll("#thread-list li").length > 0, null, { timeout: UI_TIMEOUT_MS });
});

f.test("signed in with a user's token, the page shows only that user's threads", async (page) => {
  const carols = await Promise.all([seed(asKey("carol"), "carol one"), seed(asKey("carol"), "carol two")]);
  const others = await Promise.all([seed(asKey("dave"), "dave's"), seed(asKey(), "the service's")]);
  const threadOf = (sse) => JSON.parse(/data: (\{"type":"RUN_STARTED".*)/.exec(sse)[1]).threadId;

  await page.goto(`${f.baseUrl}/#thread=${randomUUID()}`);
  await dialog(page).waitFor({ state: "visible" });
  await signIn(page, await userToken("carol"));
  await dialog(page).waitFor({ state: "hidden" });
  assert.equal(await page.textContent("#account-who"), "Signed in as carol");
  await page.waitForFunction(() => document.querySelectorAll("#thread-list li").length >= 2, null, { timeout: UI_TIMEOUT_MS });
  const shown = await listed(page);
  assert.deepEqual(new Set(shown), new Set(carols.map(threadOf)), "carol's threads and no one else's");
  for (const other of others.map(threadOf)) assert.ok(!shown.includes(other));
  await screenshot(page, "signed-in-token.png");
});
