// docs/security.md shows agentd-route.mjs whole; the copy must be the file
// these tests run, or the doc would describe a configuration nobody tested.

import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";

test("docs/security.md quotes agentd-route.mjs exactly", async () => {
  const doc = await readFile(new URL("../../docs/security.md", import.meta.url), "utf8");
  const file = await readFile(new URL("../agentd-route.mjs", import.meta.url), "utf8");
  const m = /<!-- copilotkit\/agentd-route\.mjs -->\n```js\n([\s\S]*?)```\n<!-- end -->/.exec(doc);
  assert.ok(m, "docs/security.md has no quoted copilotkit/agentd-route.mjs block");
  assert.equal(m[1], file);
});
