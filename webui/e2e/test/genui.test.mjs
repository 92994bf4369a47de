// The page renders what the agent makes, not its JSON: generate_form's
// A2UI surface as real inputs whose submission reaches the agent,
// plan_visualization's plan as a card, widgetRenderer's HTML in a sandboxed
// frame, and the charts. Screenshots of these conversations go to
// SCREENSHOT_DIR when it is set.

import assert from "node:assert/strict";

import { getThread, openFreshPage, screenshot, send, useFixture, waitFinished } from "./helpers.mjs";

const f = useFixture();

/** Fails if a tool's raw JSON result shows without the user opening it. */
async function assertNoRawJSON(page) {
  for (const pre of await page.locator("#messages li.tool-card pre").all()) {
    assert.equal(await pre.isVisible(), false, "a tool's JSON shows in the conversation");
  }
}

f.test("generate_form renders inputs and its submission reaches the agent", async (page) => {
  const threadId = await openFreshPage(page, f.baseUrl);
  await send(page, "I want to sign in, use generate_form");
  const form = page.locator('#messages li.tool-card[data-tool-name="generate_form"] form.a2ui-surface');
  await form.waitFor();
  await waitFinished(page);
  await assertNoRawJSON(page);
  assert.equal(await form.locator("h3").textContent(), "Sign in");
  await form.getByLabel("Email").fill("ada@example.com");
  assert.equal(await form.getByLabel("Password").getAttribute("type"), "password");
  await form.getByLabel("Password").fill("correct horse");
  await form.getByLabel("Remember me").check();
  await screenshot(page, "form");
  await form.getByRole("button", { name: "Sign in" }).click();
  await waitFinished(page);
  assert.equal(await form.getAttribute("data-submitted"), "true");
  assert.equal(await form.getByLabel("Email").isDisabled(), true, "a submitted form is not sent twice");

  const stored = await getThread(f.baseUrl, threadId);
  const submitted = stored.messages.find((m) => m.role === "user" && m.content.startsWith("Submitted the form"));
  assert.ok(submitted, `no submission in ${JSON.stringify(stored.messages.map((m) => m.role))}`);
  assert.equal(submitted.content, 'Submitted the form (action sign_in): email: "ada@example.com", password: (hidden), remember_me: true');
  assert.equal(stored.messages.at(-1).role, "assistant", "the agent answered the submission");
  assert.ok(!JSON.stringify(stored).includes("correct horse"), "the password is not stored");

  // The form is drawn again from the saved thread, as submitted.
  await page.reload();
  const again = page.locator('li.tool-card[data-tool-name="generate_form"] form.a2ui-surface');
  await again.locator('input[type="password"]').waitFor();
  assert.equal(await again.getAttribute("data-submitted"), "true");
  assert.equal(await again.getByRole("button", { name: "Sign in" }).isDisabled(), true);
});

f.test("plan_visualization shows as a plan card", async (page) => {
  await openFreshPage(page, f.baseUrl);
  await send(page, "compare revenue across regions, use plan_visualization");
  const card = page.locator('li.tool-card[data-tool-name="plan_visualization"] .plan-card');
  await card.waitFor();
  await waitFinished(page);
  await assertNoRawJSON(page);
  assert.match(await card.locator("h3").textContent(), /^Plan/);
  assert.equal(await card.locator("dt").first().textContent(), "Chart");
  assert.match(await card.locator("dd").first().textContent(), /^(barChart|pieChart|widgetRenderer)$/);
});

f.test("widgetRenderer HTML runs in a sandboxed frame with its own policy", async (page) => {
  await openFreshPage(page, f.baseUrl);
  // sim passes the user's words as the html argument.
  await send(
    page,
    `widgetRenderer <p id="w">waiting</p><script>let t = "script ran, no access to the page"; ` +
      `try { t = parent.document.title; } catch (e) {} document.getElementById("w").textContent = t;</script>`,
  );
  const frame = page.locator('li.tool-card[data-tool-name="widgetRenderer"] iframe.widget-frame');
  await frame.waitFor();
  await waitFinished(page);
  assert.equal(await frame.getAttribute("sandbox"), "allow-scripts");
  const src = new URL(await frame.getAttribute("src"));
  assert.equal(src.search, "?frame=widget");
  const frameDoc = await fetch(src);
  await frameDoc.text();
  assert.match(frameDoc.headers.get("content-security-policy"), /script-src 'unsafe-inline'.*sandbox allow-scripts/);
  await page.frameLocator("iframe.widget-frame").locator("#w", { hasText: "script ran, no access to the page" }).waitFor();
});
