// A run that fails: the model never sends its first token in time, and the
// page shows the RUN_ERROR with its code, then accepts a new message.

import assert from "node:assert/strict";

import { openFreshPage, send, useFixture, waitIdle } from "./helpers.mjs";

const f = useFixture({ extraArgs: ["--sim-first-token", "2s", "--first-token-timeout", "300ms", "--model-attempts", "1"] });

f.test("a RUN_ERROR is shown with its code", async (page) => {
  await openFreshPage(page, f.baseUrl);
  await send(page, "hello?");
  const error = page.locator("#messages li.msg.error");
  await error.waitFor();
  assert.equal(await error.getAttribute("data-error-code"), "first_token_timeout");
  assert.equal(await error.getAttribute("role"), "alert");
  assert.equal(await error.locator(".role").textContent(), "Run error · first_token_timeout");
  assert.match(await error.locator(".text").textContent(), /first token/);
  assert.equal(await error.locator(".hint").textContent(), "The model did not start answering in time.");
  assert.equal(await error.locator("button.retry").isEnabled(), true);
  await waitIdle(page);
  assert.equal(await page.textContent("#status"), "error");
  assert.equal(await page.textContent("#status-detail"), "first_token_timeout");
});
