// The page's first impression without an API key: the demo model reads the
// request, queries the data and draws with the page's own chart tools.

import assert from "node:assert/strict";

import { bubbles, getThread, openFreshPage, screenshot, send, useFixture, waitFinished } from "./helpers.mjs";

// The last --model wins: the fixture's default is sim.
const f = useFixture({ extraArgs: ["--model", "demo"] });

f.test("revenue by region becomes a bar chart of the four regions and a summary", async (page) => {
  const threadId = await openFreshPage(page, f.baseUrl);
  await send(page, "Show me revenue by region as a bar chart");
  const chart = page.locator('#messages li.tool-card[data-tool-name="barChart"] svg.chart-bar');
  await chart.waitFor();
  assert.equal(await chart.locator("text.title").textContent(), "Revenue by region");
  assert.equal(await chart.locator("rect").count(), 4);
  const label = await chart.getAttribute("aria-label");
  for (const region of ["North", "South", "East", "West"]) assert.match(label, new RegExp(`${region}: \\d`));
  // The page sends the chart's result in a second run, which sums up.
  await waitFinished(page);
  const answer = (await bubbles(page)).at(-1);
  assert.equal(answer[0], "assistant");
  assert.match(answer[1], /^Here is the bar chart of revenue by region\. .* (North|South|East|West) leads with \$[\d,]+, \d+% of the total\.$/);
  const stored = await getThread(f.baseUrl, threadId);
  const names = stored.messages.flatMap((m) => (m.toolCalls || []).map((c) => c.function.name));
  assert.deepEqual(names, ["query_data", "plan_visualization", "barChart"]);
});

f.test("a todo from the user's words shows in the todo panel", async (page) => {
  await openFreshPage(page, f.baseUrl);
  await send(page, "add a todo: call the supplier");
  await page.locator("#todo-list li", { hasText: "Call the supplier" }).waitFor();
  await waitFinished(page);
  assert.match((await bubbles(page)).at(-1)[1], /^Added "Call the supplier"\./);
});

// The README's picture: what a first visit can look like.
f.test("screenshot of a demo conversation: a chart, its summary and a form", async (page) => {
  await page.setViewportSize({ width: 1280, height: 1000 });
  await openFreshPage(page, f.baseUrl);
  await send(page, "add a todo: review the regional numbers");
  await page.locator("#todo-list li").first().waitFor();
  await waitFinished(page);
  await send(page, "pie chart of revenue share by category");
  await page.locator("svg.chart-pie").waitFor();
  await waitFinished(page);
  await send(page, "show me a sign-in form");
  const form = page.locator("form.a2ui-surface");
  await form.waitFor();
  await waitFinished(page);
  await form.getByLabel("Email").fill("ada@example.com");
  for (const pre of await page.locator("#messages li.tool-card pre").all()) {
    assert.equal(await pre.isVisible(), false, "a tool's JSON shows in the conversation");
  }
  await screenshot(page, "demo");
});
