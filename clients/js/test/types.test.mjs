// The hand-written declarations (src/index.d.ts) compile against
// @ag-ui/client's own types: types/usage.ts uses every export and expects
// errors for wrong options.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const here = path.dirname(fileURLToPath(import.meta.url));

test("the type declarations accept the documented use and reject wrong options", { timeout: 60_000 }, async () => {
  const tsc = path.join(here, "..", "node_modules", ".bin", "tsc");
  const { stdout, stderr } = await promisify(execFile)(tsc, ["-p", path.join(here, "types")]).catch((err) => {
    assert.fail(`tsc failed:\n${err.stdout}${err.stderr}`);
  });
  assert.equal(stdout + stderr, "");
});
