// The chat itself: streamed replies, server and frontend tool calls, and
// shared state going both ways, against a real agentd with the sim model.

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import os from "node:os";
import path from "node:path";
import { mkdtemp } from "node:fs/promises";

import {
  UI_TIMEOUT_MS,
  assertChatPage,
  bubbles,
  getThread,
  openFreshPage,
  runFromOutside,
  send,
  threadIdOf,
  useFixture,
  waitFinished,
  waitIdle,
} from "./helpers.mjs";

// A paced model, so a reply streams for about half a second.
const f = useFixture({ extraArgs: ["--sim-tps", "40", "--sim-tokens", "20"] });

// This test must stay first: it needs the browser profile still empty.
f.test("a first visit starts a new thread and remembers it", async (page) => {
  const requests = [];
  page.on("request", (r) => requests.push(new URL(r.url()).pathname));
  assertChatPage(await page.goto(f.baseUrl + "/"));
  await page.waitForFunction(() => /^#thread=./.test(location.hash));
  await waitIdle(page);
  const threadId = await threadIdOf(page);
  assert.match(threadId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(await page.textContent("#thread-id"), threadId);
  assert.ok(!requests.includes(`/threads/${threadId}`), "a made-up thread is not looked up");
  assert.equal(await page.evaluate(() => sessionStorage.getItem("agentd.threadId")), threadId);
  assert.equal(await page.isVisible("#empty-chat"), true);
});

f.test("a message gets a streamed reply", async (page) => {
  const threadId = await openFreshPage(page, f.baseUrl);
  await send(page, "hello from the browser");
  // The cursor shows while deltas arrive, and the status says so (read in
  // the same moment: on a busy machine the short reply may end before a
  // second look).
  const seen = await page.waitForFunction(() =>
    document.querySelector("#messages li.msg.assistant.streaming") ? document.querySelector("#status").textContent : null,
  );
  assert.equal(await seen.jsonValue(), "running");
  await waitFinished(page);
  const shown = await bubbles(page);
  assert.deepEqual(shown.map(([role]) => role), ["user", "assistant"]);
  assert.equal(shown[0][1], "hello from the browser");
  assert.match(shown[1][1], /^I heard: hello from the browser\. This is turn 1\. agentd streams/);
  const stored = await getThread(f.baseUrl, threadId);
  assert.deepEqual(
    stored.messages.map((m) => [m.role, m.content]),
    shown,
    "the page shows exactly what the server stored",
  );
});

f.test("a server tool's call and result show in a card", async (page) => {
  await openFreshPage(page, f.baseUrl);
  await send(page, "what was the revenue? use query_data");
  const card = page.locator('#messages li.tool-card[data-tool-name="query_data"]');
  await card.locator('.badge[data-state="done"]').waitFor();
  await waitFinished(page);
  // The numbers show as a table; the JSON stays in the collapsed card until
  // it is opened, then it shows the arguments and result.
  const table = card.locator("table.query-table");
  assert.match(await table.locator("caption").textContent(), /^revenue · \d+ records$/);
  assert.equal(await table.locator("tbody tr").count(), 1);
  assert.equal(await card.locator(".args").isVisible(), false);
  await card.locator("summary").click();
  assert.deepEqual(JSON.parse(await card.locator(".args").textContent()), { metric: "revenue" });
  const result = JSON.parse(await card.locator(".result").textContent());
  assert.equal(typeof result, "object", "the result is the tool's JSON");
  assert.match(JSON.stringify(result), /revenue/);
  const shown = await bubbles(page);
  assert.match(shown.at(-1)[1], /^The tool returned: \{/);
});

f.test("a frontend tool (barChart) runs in the page and its result continues the thread", async (page) => {
  const threadId = await openFreshPage(page, f.baseUrl);
  await send(page, "please draw a barChart");
  const card = page.locator('#messages li.tool-card[data-tool-name="barChart"]');
  const chart = card.locator("svg.chart-bar");
  await chart.waitFor();
  // sim fills the required arguments: the title is the user's text.
  assert.equal(await chart.locator("text.title").textContent(), "please draw a barChart");
  assert.match(await chart.getAttribute("aria-label"), /^bar chart: please draw a barChart/);
  // The page sent the result in a second run, which must finish too.
  await waitFinished(page);
  const shown = await bubbles(page);
  assert.match(shown.at(-1)[1], /^The tool returned: \{"shown":true,"chart":"bar"/);
  const stored = await getThread(f.baseUrl, threadId);
  assert.deepEqual(stored.messages.map((m) => m.role), ["user", "assistant", "tool", "assistant"]);
  const [call] = stored.messages[1].toolCalls;
  assert.equal(call.function.name, "barChart");
  assert.equal(stored.messages[2].toolCallId, call.id);
  assert.equal(JSON.parse(stored.messages[2].content).shown, true);
});

f.test("showNotice shows a banner the user can dismiss", async (page) => {
  await openFreshPage(page, f.baseUrl);
  await send(page, "showNotice: the build is green");
  const notice = page.locator("#notices .notice");
  await notice.waitFor();
  assert.equal(await notice.locator("p").textContent(), "showNotice: the build is green");
  assert.equal(await notice.getAttribute("data-level"), "info");
  await waitFinished(page);
  await notice.getByRole("button", { name: "Dismiss" }).click();
  assert.equal(await page.locator("#notices .notice").count(), 0);
});

f.test("todos edited in the page go to the server as state and come back after a reload", async (page) => {
  const threadId = await openFreshPage(page, f.baseUrl);
  for (const title of ["Buy milk", "Write the report"]) {
    await page.fill("#todo-input", title);
    await page.press("#todo-input", "Enter");
  }
  await page.getByRole("checkbox", { name: "Buy milk" }).check();
  assert.equal(await page.textContent("#todo-counts"), "(1 of 2 done)");
  await send(page, "here is my list");
  await waitFinished(page);
  const want = [
    { id: "todo-1", title: "Buy milk", status: "done" },
    { id: "todo-2", title: "Write the report", status: "pending" },
  ];
  assert.deepEqual((await getThread(f.baseUrl, threadId)).state.todos, want);

  const before = await bubbles(page);
  await page.reload();
  await page.waitForSelector("#messages li.msg.assistant");
  assert.deepEqual(await bubbles(page), before, "the history comes back from GET /threads/{id}");
  assert.deepEqual(
    await page.$$eval("#todo-list li", (items) =>
      items.map((li) => ({ title: li.querySelector("label").textContent, checked: li.querySelector("input").checked })),
    ),
    [
      { title: "Buy milk", checked: true },
      { title: "Write the report", checked: false },
    ],
  );
  // Without a hash the page reopens the thread it remembers.
  await page.goto(f.baseUrl + "/");
  await page.waitForSelector("#messages li.msg.assistant");
  assert.equal(await page.textContent("#thread-id"), threadId);
});

f.test("a STATE_SNAPSHOT from the server updates the todo panel", async (page) => {
  const threadId = await openFreshPage(page, f.baseUrl);
  // Another client writes the thread's state while this page has it open
  // with none; the page's next run gets the stored state as a snapshot.
  await runFromOutside(f.baseUrl, {
    threadId,
    runId: randomUUID(),
    messages: [{ id: randomUUID(), role: "user", content: "seeded elsewhere" }],
    state: { todos: [{ id: "todo-1", title: "Set up by another client", status: "in_progress" }] },
  });
  assert.equal(await page.locator("#todo-list li").count(), 0);
  const sse = page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/");
  await send(page, "anything new?");
  const item = page.locator("#todo-list li", { hasText: "Set up by another client" });
  await item.waitFor({ timeout: UI_TIMEOUT_MS });
  assert.equal(await item.locator(".status").textContent(), "in progress");
  await waitFinished(page);
  assert.match((await (await sse).body()).toString(), /"type":"STATE_SNAPSHOT"/);
  assert.match(await page.textContent("#state-json"), /"in_progress"/);
});

f.test("screenshot of a conversation", async (page) => {
  await openFreshPage(page, f.baseUrl);
  await page.fill("#todo-input", "Check the chart");
  await page.press("#todo-input", "Enter");
  await send(page, "hello there");
  await waitFinished(page);
  await send(page, "please draw a pieChart");
  await page.locator("svg.chart-pie").waitFor();
  await waitFinished(page);
  await send(page, "what was the revenue? use query_data");
  await waitFinished(page);
  const dir = process.env.SCREENSHOT_DIR || (await mkdtemp(path.join(os.tmpdir(), "agentd-webui-shot-")));
  const file = path.join(dir, "chat.png");
  await page.screenshot({ path: file });
  process.stderr.write(`screenshot: ${file}\n`);
});
