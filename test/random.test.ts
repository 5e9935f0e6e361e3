// The seeded generator: Random.create for users, the same stream as the library's own for the same seed.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { init, Random } from "../src/index.js";
import { runtime } from "../src/init.js";
import { throwsWith } from "./helpers/errors.js";

// Top-level await, not test.before: uvu swallows errors thrown in before hooks.
await init();

test("Random.create(seed) draws the same numbers as the library's generator of that seed; other seeds differ", () => {
  const a = Random.create(42), b = new Random(runtime(), 42), c = Random.create(43);
  const draw = (r: Random) => Array.from({ length: 8 }, () => r.next());
  const x = draw(a);
  assert.equal(x, draw(b));
  assert.not.equal(x, draw(c));
  assert.ok(x.every((v) => v >= 0 && v < 1));
  for (const r of [a, b, c]) r.dispose();
  throwsWith(() => Random.create(-1), RangeError, /seed must be a non-negative safe integer, got -1/);
});

test.run();
