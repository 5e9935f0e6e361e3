// Softmax cross-entropy over rows of logits, fused with its gradient: the loss of a language model.

import { exp4 } from "./activations";
import { row } from "./simd";

/** max over n floats at p. */
function rowMax(p: usize, n: i32): f32 {
  let m = f32x4.splat(-Infinity);
  let j = 0;
  for (; j + 4 <= n; j += 4) m = f32x4.pmax(m, v128.load(p + (<usize>j << 2)));
  let s = max(max(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1)), max(f32x4.extract_lane(m, 2), f32x4.extract_lane(m, 3)));
  for (; j < n; j++) s = max(s, load<f32>(p + (<usize>j << 2)));
  return s;
}

/** out[j] = e^{(x[j] − shift)·invTemp}; returns Σ out (f64). out may alias x. */
function expShifted(x: usize, out: usize, n: i32, shift: f32, invTemp: f32): f64 {
  const sv = f32x4.splat(shift), tv = f32x4.splat(invTemp);
  let acc = f32x4.splat(0);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const e = exp4(f32x4.mul(f32x4.sub(v128.load(x + (<usize>j << 2)), sv), tv));
    v128.store(out + (<usize>j << 2), e);
    acc = f32x4.add(acc, e);
  }
  let sum: f64 = <f64>f32x4.extract_lane(acc, 0) + <f64>f32x4.extract_lane(acc, 1) + <f64>f32x4.extract_lane(acc, 2) + <f64>f32x4.extract_lane(acc, 3);
  for (; j < n; j++) {
    const e = f32x4.extract_lane(exp4(f32x4.splat((load<f32>(x + (<usize>j << 2)) - shift) * invTemp)), 0);
    store<f32>(out + (<usize>j << 2), e);
    sum += e;
  }
  return sum;
}

/**
 * Mean-able cross-entropy: returns Σ_rows (logsumexp(logits_r) − logits_r[target_r]) in f64, and, when
 * dlogits ≠ 0, writes dlogits_r = (softmax(logits_r) − onehot(target_r))·scale (scale = 1/rows for the mean).
 * targets: Int32 [rows], each in [0, V). logits/dlogits: rows × V with row stride ld. dlogits may alias logits.
 */
export function softmaxCrossEntropy(logits: usize, targets: usize, rows: i32, V: i32, ld: i32, dlogits: usize, scale: f32): f64 {
  let total: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const x = row(logits, r, ld);
    const target = load<i32>(targets + (<usize>r << 2));
    const m = rowMax(x, V);
    const picked = load<f32>(x + (<usize>target << 2));
    if (dlogits) {
      const d = row(dlogits, r, ld);
      const sum = expShifted(x, d, V, m, 1);
      total += Math.log(sum) + <f64>m - <f64>picked;
      const k = f32x4.splat(<f32>(<f64>scale / sum));
      let j = 0;
      for (; j + 4 <= V; j += 4) v128.store(d + (<usize>j << 2), f32x4.mul(v128.load(d + (<usize>j << 2)), k));
      const ks = <f32>(<f64>scale / sum);
      for (; j < V; j++) store<f32>(d + (<usize>j << 2), load<f32>(d + (<usize>j << 2)) * ks);
      store<f32>(d + (<usize>target << 2), load<f32>(d + (<usize>target << 2)) - scale);
    } else {
      // loss only: exponentials go to a throwaway pass that accumulates without storing
      total += Math.log(sumExpShifted(x, V, m)) + <f64>m - <f64>picked;
    }
  }
  return total;
}

function sumExpShifted(x: usize, n: i32, shift: f32): f64 {
  const sv = f32x4.splat(shift);
  let acc = f32x4.splat(0);
  let j = 0;
  for (; j + 4 <= n; j += 4) acc = f32x4.add(acc, exp4(f32x4.sub(v128.load(x + (<usize>j << 2)), sv)));
  let sum: f64 = <f64>f32x4.extract_lane(acc, 0) + <f64>f32x4.extract_lane(acc, 1) + <f64>f32x4.extract_lane(acc, 2) + <f64>f32x4.extract_lane(acc, 3);
  for (; j < n; j++) sum += f32x4.extract_lane(exp4(f32x4.splat(load<f32>(x + (<usize>j << 2)) - shift)), 0);
  return sum;
}

/** probs = softmax(logits / temperature) for one row of V (invTemp = 1/temperature > 0). */
export function softmaxRow(logits: usize, probs: usize, V: i32, invTemp: f32): void {
  const m = rowMax(logits, V);
  const sum = expShifted(logits, probs, V, m, invTemp);
  const k = <f32>(1.0 / sum);
  let j = 0;
  for (; j + 4 <= V; j += 4) v128.store(probs + (<usize>j << 2), f32x4.mul(v128.load(probs + (<usize>j << 2)), f32x4.splat(k)));
  for (; j < V; j++) store<f32>(probs + (<usize>j << 2), load<f32>(probs + (<usize>j << 2)) * k);
}
