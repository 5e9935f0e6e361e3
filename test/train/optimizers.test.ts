// Optimizers against PyTorch's update formulas (torch.optim.SGD, Adam, AdamW), computed per element in float64.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { init, Optimizer } from "../../src/index.js";
import { tinyModel, checkOptimizer, type Ref } from "../helpers/tiny-lm.js";

// Top-level await, not test.before: uvu swallows errors thrown in before hooks.
await init();

test("SGD, with momentum, dampening, nesterov and weight decay, follows torch.optim.SGD", () => {
  checkOptimizer({ name: "sgd", lr: 0.1 }, (p, g) => p - 0.1 * g);
  const mom = (lr: number, mu: number, damp: number, wd: number, nesterov: boolean): Ref => (p, g, s, t) => {
    const d = g + wd * p;
    s.buf = t === 1 ? d : mu * s.buf + (1 - damp) * d;
    return p - lr * (nesterov ? d + mu * s.buf : s.buf);
  };
  checkOptimizer({ name: "sgd", lr: 0.05, momentum: 0.9, weightDecay: 0.01 }, mom(0.05, 0.9, 0, 0.01, false));
  checkOptimizer({ name: "sgd", lr: 0.05, momentum: 0.8, dampening: 0.3 }, mom(0.05, 0.8, 0.3, 0, false));
  checkOptimizer({ name: "sgd", lr: 0.05, momentum: 0.9, nesterov: true }, mom(0.05, 0.9, 0, 0, true));
});

test("Adam and AdamW follow torch.optim.Adam / AdamW, bias correction included", () => {
  const adam = (lr: number, b1: number, b2: number, eps: number, wd: number, decoupled: boolean): Ref => (p, g, s, t) => {
    if (decoupled) p *= 1 - lr * wd;
    else g += wd * p;
    s.m = b1 * (s.m ?? 0) + (1 - b1) * g;
    s.v = b2 * (s.v ?? 0) + (1 - b2) * g * g;
    const mhat = s.m / (1 - b1 ** t), vhat = s.v / (1 - b2 ** t);
    return p - (lr * mhat) / (Math.sqrt(vhat) + eps);
  };
  checkOptimizer({ name: "adam", lr: 0.01 }, adam(0.01, 0.9, 0.999, 1e-8, 0, false));
  checkOptimizer({ name: "adam", lr: 0.01, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0.1 }, adam(0.01, 0.8, 0.99, 1e-6, 0.1, false));
  checkOptimizer({ name: "adamw", lr: 0.01 }, adam(0.01, 0.9, 0.999, 1e-8, 0.01, true));
});

test("optimizer options are checked", () => {
  const { lm } = tinyModel();
  assert.throws(() => new Optimizer(lm.parameterGroups(), { name: "rmsprop" as never, lr: 1 }), /"sgd", "adam" or "adamw", got "rmsprop"/);
  assert.throws(() => new Optimizer(lm.parameterGroups(), { name: "sgd", lr: -1 }), /lr must be a number > 0, got -1/);
  assert.throws(() => new Optimizer(lm.parameterGroups(), { name: "sgd", lr: 1, nesterov: true }), /nesterov needs momentum > 0/);
  assert.throws(() => new Optimizer(lm.parameterGroups(), { name: "adam", lr: 1, beta: 0.9 } as never), /unknown option "beta"/);
  lm.dispose();
});

test.run();
