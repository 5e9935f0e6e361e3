// Softmax cross-entropy over rows of logits, fused with its gradient: the loss of a language model.
// Vector loops with single-float tails, over lane types (see lanes.ts).

import { exp } from "./activations";
import { ld, st, sub, mul, add, splat, pmax, lanesSum, lanesMax } from "./lanes";
import { row } from "./simd";

/** max over n floats at p. */
function rowMax(p: usize, n: i32): f32 {
  let m: f32 = -Infinity;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    let v = f32x4.splat(-Infinity);
    for (; j + 4 <= n; j += 4) v = pmax<v128>(v, ld<v128>(p + (<usize>j << 2)));
    m = lanesMax<v128>(v);
  }
  for (; j < n; j++) m = max(m, load<f32>(p + (<usize>j << 2)));
  return m;
}

// @ts-ignore: decorator
@inline function expAt<T>(x: usize, out: usize, shift: f32, invTemp: f32, store_: bool): T {
  const e = exp<T>(mul<T>(sub<T>(ld<T>(x), splat<T>(shift)), splat<T>(invTemp)));
  if (store_) st<T>(out, e);
  return e;
}

/** out[j] = e^{(x[j] − shift)·invTemp} (stored when out ≠ 0); returns Σ (f64). out may alias x. */
function expShifted(x: usize, out: usize, n: i32, shift: f32, invTemp: f32): f64 {
  let sum: f64 = 0;
  let j = 0;
  const keep = out != 0;
  if (ASC_FEATURE_SIMD) {
    let acc = f32x4.splat(0);
    for (; j + 4 <= n; j += 4) acc = add<v128>(acc, expAt<v128>(x + (<usize>j << 2), out + (<usize>j << 2), shift, invTemp, keep));
    sum = lanesSum<v128>(acc);
  }
  for (; j < n; j++) sum += expAt<f32>(x + (<usize>j << 2), out + (<usize>j << 2), shift, invTemp, keep);
  return sum;
}

/** x[j] *= s for n floats. */
function scaleRow(x: usize, n: i32, s: f32): void {
  let j = 0;
  if (ASC_FEATURE_SIMD) for (; j + 4 <= n; j += 4) st<v128>(x + (<usize>j << 2), mul<v128>(ld<v128>(x + (<usize>j << 2)), splat<v128>(s)));
  for (; j < n; j++) store<f32>(x + (<usize>j << 2), load<f32>(x + (<usize>j << 2)) * s);
}

/**
 * Mean-able cross-entropy: returns Σ_rows (logsumexp(logits_r) − logits_r[target_r]) in f64, and, when
 * dlogits ≠ 0, writes dlogits_r = (softmax(logits_r) − onehot(target_r))·scale (scale = 1/rows for the mean).
 * targets: Int32 [rows], each in [0, V). logits/dlogits: rows × V with row stride ld. dlogits may alias logits.
 */
export function softmaxCrossEntropy(logits: usize, targets: usize, rows: i32, V: i32, ld_: i32, dlogits: usize, scale: f32): f64 {
  let total: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const x = row(logits, r, ld_);
    const target = load<i32>(targets + (<usize>r << 2));
    const m = rowMax(x, V);
    const picked = load<f32>(x + (<usize>target << 2));
    const d = dlogits ? row(dlogits, r, ld_) : 0;
    const sum = expShifted(x, d, V, m, 1);
    total += Math.log(sum) + <f64>m - <f64>picked;
    if (d) {
      scaleRow(d, V, <f32>(<f64>scale / sum));
      store<f32>(d + (<usize>target << 2), load<f32>(d + (<usize>target << 2)) - scale);
    }
  }
  return total;
}

/** probs = softmax(logits / temperature) for one row of V (invTemp = 1/temperature > 0). */
export function softmaxRow(logits: usize, probs: usize, V: i32, invTemp: f32): void {
  const m = rowMax(logits, V);
  scaleRow(probs, V, <f32>(1.0 / expShifted(logits, probs, V, m, invTemp)));
}
