// The chat page against a server that requires a service key: the page
// itself loads without one, asks for the key when its API calls get 401,
// and then works as usual.

import assert from "node:assert/strict";

import { bubbles, openFreshPage, send, useFixture, waitFinished } from "./helpers.mjs";

const KEY = "e2e-service-key-0123456789abcdef";
const f = useFixture({ extraArgs: ["--api-keys", KEY] });

f.test("the page asks for a key, again after a wrong one, then chats and keeps it", async (page) => {
  const asked = [];
  page.on("dialog", (d) => {
    asked.push(d.message());
    d.accept(asked.length === 1 ? "not-the-key" : KEY);
  });
  const id = await openFreshPage(page, f.baseUrl);
  await send(page, "hello with a key");
  await waitFinished(page);
  assert.equal((await bubbles(page))[0][1], "hello with a key");
  assert.match(asked[0], /needs an API key/);
  assert.ok(asked.length === 2 && /refused/.test(asked[1]), `asked: ${asked}`);

  const unauth = await fetch(`${f.baseUrl}/threads/${id}`);
  assert.equal(unauth.status, 401, "the API needs the key");
  const saved = await fetch(`${f.baseUrl}/threads/${id}`, { headers: { Authorization: `Bearer ${KEY}` } });
  assert.equal(saved.status, 200);
  assert.equal((await saved.json()).messages.length, 2);

  // A reload in the same tab keeps the key: no new question.
  await page.reload();
  await page.waitForSelector("#messages li.msg.assistant");
  assert.equal(asked.length, 2);
});
