// Perplexity: exp(mean cross-entropy) of a token stream, read in lanes with the state carried.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { init, evaluatePerplexity } from "../../src/index.js";
import { tinyModel } from "../helpers/tiny-lm.js";

// Top-level await, not test.before: uvu swallows errors thrown in before hooks.
await init();

test("perplexity of a model that predicts uniformly is exactly the vocabulary size", () => {
  const { lm, vocab, ids } = tinyModel();
  const p = lm.torchParams();
  p["fc.weight"].fill(0);
  p["fc.bias"].fill(0);
  lm.loadTorchParams(p);
  const r = evaluatePerplexity(lm, ids, { batchSize: 5, seqLen: 16 });
  assert.ok(Math.abs(r.perplexity - vocab.size) < 1e-3 * vocab.size, `${r.perplexity} vs ${vocab.size}`);
  assert.ok(r.tokens > ids.length - 10, "nearly every token predicted");
  lm.dispose();
});

test.run();
