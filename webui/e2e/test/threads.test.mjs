// The thread sidebar: saved threads listed a page at a time, opened,
// started and deleted.

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";

import { authHeaders, bubbles, openFreshPage, runFromOutside, send, threadIdOf, useFixture, waitFinished, waitIdle } from "./helpers.mjs";

const f = useFixture();

const item = (page, id) => page.locator(`#thread-list li[data-thread-id="${id}"]`);

f.test("threads are listed, opened, started and deleted", async (page) => {
  const first = await openFreshPage(page, f.baseUrl);
  await send(page, "first thread");
  await waitFinished(page);
  await item(page, first).waitFor();

  await page.click("#new-thread");
  await page.waitForFunction((old) => !location.hash.includes(old), first);
  const second = await threadIdOf(page);
  assert.deepEqual(await bubbles(page), [], "a new thread starts empty");
  await send(page, "second thread");
  await waitFinished(page);
  await item(page, second).waitFor();
  assert.equal(await item(page, second).locator(".open").getAttribute("aria-current"), "true");
  assert.match(await item(page, first).locator(".meta").textContent(), /^2 messages/);

  await item(page, first).locator(".open").click();
  await page.waitForFunction((id) => location.hash === "#thread=" + encodeURIComponent(id), first);
  await page.waitForSelector("#messages li.msg.assistant");
  assert.equal((await bubbles(page))[0][1], "first thread");
  assert.equal(await item(page, first).locator(".open").getAttribute("aria-current"), "true");

  page.once("dialog", (d) => d.accept());
  await item(page, second).getByRole("button", { name: `Delete thread ${second}` }).click();
  await item(page, second).waitFor({ state: "detached" });
  const gone = await fetch(`${f.baseUrl}/threads/${second}`, { headers: authHeaders() });
  assert.equal(gone.status, 404, "DELETE /threads/{id} removed it");

  // Deleting the open thread moves the page to a new one.
  page.once("dialog", (d) => d.accept());
  await item(page, first).getByRole("button", { name: `Delete thread ${first}` }).click();
  await item(page, first).waitFor({ state: "detached" });
  await page.waitForFunction((old) => !location.hash.includes(old), first);
  assert.deepEqual(await bubbles(page), []);

  // A dismissed confirmation deletes nothing.
  const kept = randomUUID();
  await runFromOutside(f.baseUrl, { threadId: kept, runId: randomUUID(), messages: [{ id: randomUUID(), role: "user", content: "keep me" }], state: {} });
  await page.reload();
  await waitIdle(page);
  page.once("dialog", (d) => d.dismiss());
  await item(page, kept).getByRole("button", { name: `Delete thread ${kept}` }).click();
  assert.equal((await fetch(`${f.baseUrl}/threads/${kept}`, { headers: authHeaders() })).status, 200);
});

f.test("the list pages with `next` behind Load more", async (page) => {
  const seeded = [];
  for (let batch = 0; batch < 5; batch++) {
    await Promise.all(
      Array.from({ length: 5 }, () => {
        const threadId = randomUUID();
        seeded.push(threadId);
        return runFromOutside(f.baseUrl, {
          threadId,
          runId: randomUUID(),
          messages: [{ id: randomUUID(), role: "user", content: "seed" }],
          state: {},
        });
      }),
    );
  }
  await openFreshPage(page, f.baseUrl);
  await page.waitForSelector("#thread-list li");
  assert.equal(await page.locator("#thread-list li").count(), 20, "the first page holds 20 threads");
  const more = page.locator("#threads-more");
  while (await more.isVisible()) {
    const n = await page.locator("#thread-list li").count();
    await more.click();
    await page.waitForFunction((n) => document.querySelectorAll("#thread-list li").length > n, n);
  }
  const listed = await page.$$eval("#thread-list li", (items) => items.map((li) => li.dataset.threadId));
  assert.equal(new Set(listed).size, listed.length, "no thread is listed twice");
  for (const id of seeded) assert.ok(listed.includes(id), `thread ${id} is listed`);
});
