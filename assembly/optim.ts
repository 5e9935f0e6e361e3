// Optimizer updates over flat parameter / gradient buffers (n floats each), PyTorch's formulas.

import { ld, st, add, sub, mul, splat } from "./lanes";

/** Σ x² in f64 (for the global gradient norm). */
export function sumSquares(x: usize, n: i32): f64 {
  let i = 0;
  let total: f64 = 0;
  // f32 partial sums over blocks of 4096, accumulated in f64, keep the norm accurate for millions of weights
  if (ASC_FEATURE_SIMD) while (i + 8 <= n) {
    let a = f32x4.splat(0), b = f32x4.splat(0);
    const end = min(n, i + 4096) & ~7;
    for (; i < end; i += 8) {
      const u = v128.load(x + (<usize>i << 2)), v = v128.load(x + (<usize>i << 2), 16);
      a = f32x4.add(a, f32x4.mul(u, u));
      b = f32x4.add(b, f32x4.mul(v, v));
    }
    const s = f32x4.add(a, b);
    total += <f64>f32x4.extract_lane(s, 0) + <f64>f32x4.extract_lane(s, 1) + <f64>f32x4.extract_lane(s, 2) + <f64>f32x4.extract_lane(s, 3);
  }
  for (; i < n; i++) {
    const v = <f64>load<f32>(x + (<usize>i << 2));
    total += v * v;
  }
  return total;
}

/** x *= s. */
export function scaleInPlace(x: usize, n: i32, s: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) for (; i + 4 <= n; i += 4) v128.store(x + (<usize>i << 2), f32x4.mul(v128.load(x + (<usize>i << 2)), f32x4.splat(s)));
  for (; i < n; i++) store<f32>(x + (<usize>i << 2), load<f32>(x + (<usize>i << 2)) * s);
}

/**
 * SGD (torch.optim.SGD): g' = g + wd·p; with momentum μ: buf = g' on the first step, else μ·buf + (1 − dampening)·g';
 * nesterov: g' + μ·buf; then p −= lr·(update). buf may be 0 when μ = 0.
 */
export function sgdStep(
  p: usize, g: usize, buf: usize, n: i32, lr: f32, momentum: f32, dampening: f32, weightDecay: f32, nesterov: bool, first: bool,
): void {
  // four lanes at a time with the same f32 operations in the same order as the scalar tail (no fused
  // multiply-add, also in the relaxed build), so every element gets the scalar formula's bits
  let i = 0;
  if (ASC_FEATURE_SIMD) for (; i + 4 <= n; i += 4) sgdAt<v128>(p, g, buf, <usize>i << 2, lr, momentum, dampening, weightDecay, nesterov, first);
  for (; i < n; i++) sgdAt<f32>(p, g, buf, <usize>i << 2, lr, momentum, dampening, weightDecay, nesterov, first);
}

// @ts-ignore: decorator
@inline function sgdAt<T>(
  p: usize, g: usize, buf: usize, o: usize, lr: f32, momentum: f32, dampening: f32, weightDecay: f32, nesterov: bool, first: bool,
): void {
  const w = ld<T>(p + o);
  let d = ld<T>(g + o);
  if (weightDecay != 0) d = add<T>(d, mul<T>(splat<T>(weightDecay), w));
  if (momentum != 0) {
    const b = first ? d : add<T>(mul<T>(splat<T>(momentum), ld<T>(buf + o)), mul<T>(splat<T>(1 - dampening), d));
    st<T>(buf + o, b);
    d = nesterov ? add<T>(d, mul<T>(splat<T>(momentum), b)) : b;
  }
  st<T>(p + o, sub<T>(w, mul<T>(splat<T>(lr), d)));
}

/**
 * Adam / AdamW (torch.optim.Adam, AdamW): m = β1·m + (1 − β1)·g, v = β2·v + (1 − β2)·g²,
 * p −= stepSize·m / (√v / bc2Sqrt + eps) with stepSize = lr / (1 − β1^t), bc2Sqrt = √(1 − β2^t).
 * Weight decay: decoupled (AdamW: p −= lr·wd·p first) or L2 (Adam: g += wd·p).
 */
export function adamStep(
  p: usize, g: usize, m: usize, v: usize, n: i32, lr: f32, beta1: f32, beta2: f32, eps: f32,
  weightDecay: f32, decoupled: bool, stepSize: f32, bc2Sqrt: f32,
): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) for (; i + 4 <= n; i += 4) {
    const b1 = f32x4.splat(beta1), c1 = f32x4.splat(1 - beta1), b2 = f32x4.splat(beta2), c2 = f32x4.splat(1 - beta2);
    const ss = f32x4.splat(stepSize), inv = f32x4.splat(1 / bc2Sqrt), ep = f32x4.splat(eps);
    const wd = f32x4.splat(weightDecay), decay = f32x4.splat(1 - lr * weightDecay);
    const o = <usize>i << 2;
    let w = v128.load(p + o), d = v128.load(g + o);
    if (weightDecay != 0) {
      if (decoupled) w = f32x4.mul(w, decay);
      else d = f32x4.add(d, f32x4.mul(wd, w));
    }
    const mm = f32x4.add(f32x4.mul(b1, v128.load(m + o)), f32x4.mul(c1, d));
    const vv = f32x4.add(f32x4.mul(b2, v128.load(v + o)), f32x4.mul(c2, f32x4.mul(d, d)));
    v128.store(m + o, mm);
    v128.store(v + o, vv);
    const denom = f32x4.add(f32x4.mul(f32x4.sqrt(vv), inv), ep);
    v128.store(p + o, f32x4.sub(w, f32x4.div(f32x4.mul(ss, mm), denom)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    let w = load<f32>(p + o), d = load<f32>(g + o);
    if (weightDecay != 0) {
      if (decoupled) w *= 1 - lr * weightDecay;
      else d += weightDecay * w;
    }
    const mm = beta1 * load<f32>(m + o) + (1 - beta1) * d;
    const vv = beta2 * load<f32>(v + o) + (1 - beta2) * d * d;
    store<f32>(m + o, mm);
    store<f32>(v + o, vv);
    store<f32>(p + o, w - stepSize * mm / (Mathf.sqrt(vv) / bc2Sqrt + eps));
  }
}

/** Whether all n floats are finite (no NaN / ±Infinity). */
export function allFinite(x: usize, n: i32): bool {
  for (let i = 0; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    if (v - v != 0) return false;
  }
  return true;
}
