// The page's first impression without an API key: the demo model reads the
// request, queries the data and draws with the page's own chart tools.

import assert from "node:assert/strict";

import { bubbles, getThread, openFreshPage, send, useFixture, waitFinished } from "./helpers.mjs";

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
