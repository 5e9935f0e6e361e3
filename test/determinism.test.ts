// Public results do not change by accident: layer outputs and gradients (batch > 1 and the batch-1 paths,
// lengths, batch-first, streams), trained weights, losses, perplexity and generated text, fingerprinted and
// compared with the values recorded before the module refactor, on the build this run loads.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import * as lib from "../src/index.js";
import { runtime } from "../src/init.js";
import { fingerprints } from "./helpers/determinism.js";

await lib.init();
const recorded = JSON.parse(readFileSync(new URL("../../test/fixtures/determinism.json", import.meta.url), "utf8")) as { builds: Record<string, Record<string, unknown>> };

test(`every fingerprint equals the one recorded for the ${runtime().build} build, bit for bit`, () => {
  const want = recorded.builds[runtime().build];
  assert.ok(want, `a recording for the ${runtime().build} build`);
  const got = fingerprints(lib);
  for (const key of Object.keys(want)) assert.equal(got[key], want[key], key);
  assert.equal(Object.keys(got), Object.keys(want));
});

test.run();
