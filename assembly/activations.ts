// Vectorized exp, sigmoid and tanh (f32x4), plus array kernels for them, relu and their derivatives.
//
// exp: Cody–Waite reduction x = n·ln2 + r with |r| ≤ ln2/2, e^r by its degree-7 Taylor polynomial
// (truncation < 6e-9 relative), 2^n assembled in the exponent bits. Inputs are clamped first, so ±Infinity
// and huge |x| saturate instead of overflowing into Inf/Inf = NaN.
// tanh: an odd Taylor polynomial near 0 (keeps relative accuracy for tiny x), 1 − 2/(1 + e^{2|x|}) elsewhere.
// The error bounds are measured in test/activations.test.ts and quoted in the README.

import { madd } from "./simd";

// Every constant sits in a static table, four lanes each, and is read with a v128.load from a fixed address:
// V8 folds that into the arithmetic instruction, whereas a v128.const or splat is rebuilt at every use inside
// the loop (measured: ~2× slower kernels).
const K_LOG2E = 0, K_MAGIC = 1, K_LN2_HI = 2, K_LN2_LO = 3, K_EXP_MIN = 4, K_EXP_MAX = 5;
const K_P7 = 6, K_P6 = 7, K_P5 = 8, K_P4 = 9, K_P3 = 10, K_P2 = 11, K_ONE = 12, K_TWO = 13;
const K_T9 = 14, K_T7 = 15, K_T5 = 16, K_T3 = 17, K_TANH_SMALL = 18, K_TANH_CLAMP = 19, K_SIGN = 20, K_ZERO = 21;

const TABLE: usize = memory.data<f32>([
  1.4426950408889634, 1.4426950408889634, 1.4426950408889634, 1.4426950408889634, // log2(e)
  // 1.5·2^23 + 127: adding it rounds x·log2(e) to an integer n held in the low mantissa bits, biased by 127,
  // so the bit pattern shifted left by 23 is the float 2^n (cheaper than nearest + trunc_sat in V8)
  12583039.0, 12583039.0, 12583039.0, 12583039.0,
  0.693359375, 0.693359375, 0.693359375, 0.693359375, // ln2, high part: few mantissa bits, so n·LN2_HI is exact
  -2.12194440e-4, -2.12194440e-4, -2.12194440e-4, -2.12194440e-4, // ln2 − LN2_HI
  -87.0, -87.0, -87.0, -87.0, // e^-87 ≈ 1.6e-38 is still a normal float
  88.0, 88.0, 88.0, 88.0,
  1.9841269841e-4, 1.9841269841e-4, 1.9841269841e-4, 1.9841269841e-4, // 1/7!
  1.3888888889e-3, 1.3888888889e-3, 1.3888888889e-3, 1.3888888889e-3, // 1/6!
  8.3333333333e-3, 8.3333333333e-3, 8.3333333333e-3, 8.3333333333e-3, // 1/5!
  4.1666666667e-2, 4.1666666667e-2, 4.1666666667e-2, 4.1666666667e-2, // 1/4!
  0.16666666667, 0.16666666667, 0.16666666667, 0.16666666667, // 1/3!
  0.5, 0.5, 0.5, 0.5, // 1/2!
  1.0, 1.0, 1.0, 1.0,
  2.0, 2.0, 2.0, 2.0,
  2.1869488536e-2, 2.1869488536e-2, 2.1869488536e-2, 2.1869488536e-2, // tanh series: 62/2835
  -5.3968253968e-2, -5.3968253968e-2, -5.3968253968e-2, -5.3968253968e-2, // −17/315
  0.13333333333, 0.13333333333, 0.13333333333, 0.13333333333, // 2/15
  -0.33333333333, -0.33333333333, -0.33333333333, -0.33333333333, // −1/3
  0.3, 0.3, 0.3, 0.3, // below this |x| the series is used
  10.0, 10.0, 10.0, 10.0, // 1 − 2/(1 + e^20) rounds to exactly 1 in f32 (at 9 it would not)
  -0.0, -0.0, -0.0, -0.0, // sign bit
  0.0, 0.0, 0.0, 0.0,
], 16);

// @ts-ignore: decorator
@inline function k(i: i32): v128 {
  return v128.load(TABLE + (<usize>i << 4));
}

// @ts-ignore: decorator
@inline export function exp4(x: v128): v128 {
  // pmin/pmax in this order let NaN through (NaN in, NaN out), so a diverging model is noticed
  x = f32x4.pmin(f32x4.pmax(x, k(K_EXP_MIN)), k(K_EXP_MAX));
  const m = madd(x, k(K_LOG2E), k(K_MAGIC));
  const n = f32x4.sub(m, k(K_MAGIC));
  let r = f32x4.sub(x, f32x4.mul(n, k(K_LN2_HI)));
  r = f32x4.sub(r, f32x4.mul(n, k(K_LN2_LO)));
  // Horner form of Σ r^k / k!, k = 0..7
  let p = madd(k(K_P7), r, k(K_P6));
  p = madd(p, r, k(K_P5));
  p = madd(p, r, k(K_P4));
  p = madd(p, r, k(K_P3));
  p = madd(p, r, k(K_P2));
  p = madd(p, r, k(K_ONE));
  p = madd(p, r, k(K_ONE));
  return f32x4.mul(p, i32x4.shl(m, 23));
}

// @ts-ignore: decorator
@inline export function sigmoid4(x: v128): v128 {
  return f32x4.div(k(K_ONE), f32x4.add(k(K_ONE), exp4(f32x4.neg(x))));
}

// @ts-ignore: decorator
@inline export function tanh4(x: v128): v128 {
  const a = f32x4.pmin(f32x4.abs(x), k(K_TANH_CLAMP)); // NaN stays NaN
  const big = f32x4.sub(k(K_ONE), f32x4.div(k(K_TWO), f32x4.add(k(K_ONE), exp4(f32x4.add(a, a)))));
  // tanh a = a − a³/3 + 2a⁵/15 − 17a⁷/315 + 62a⁹/2835 − …  (next term < 2e-8 at a = 0.3)
  const a2 = f32x4.mul(a, a);
  let p = madd(k(K_T9), a2, k(K_T7));
  p = madd(p, a2, k(K_T5));
  p = madd(p, a2, k(K_T3));
  const small = madd(f32x4.mul(a, a2), p, a);
  const t = v128.bitselect(small, big, f32x4.lt(a, k(K_TANH_SMALL)));
  // restore the sign of x
  return v128.or(t, v128.and(x, k(K_SIGN)));
}

/** max(x, 0), letting NaN through. */
// @ts-ignore: decorator
@inline export function relu4(x: v128): v128 {
  return f32x4.pmax(x, k(K_ZERO));
}

// Scalar forms for the tails of vector loops: same formulas through lane 0 of the vector code, so a tail
// element gets exactly what it would have got inside a vector.
// @ts-ignore: decorator
@inline export function sigmoid1(x: f32): f32 {
  return f32x4.extract_lane(sigmoid4(f32x4.splat(x)), 0);
}
// @ts-ignore: decorator
@inline export function tanh1(x: f32): f32 {
  return f32x4.extract_lane(tanh4(f32x4.splat(x)), 0);
}

// ---- array kernels: y = f(x), and dx = dy · f'(·) from the saved output y (or input x for relu) ----

export function tanhArray(x: usize, y: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(y + (<usize>i << 2), tanh4(v128.load(x + (<usize>i << 2))));
  for (; i < n; i++) store<f32>(y + (<usize>i << 2), tanh1(load<f32>(x + (<usize>i << 2))));
}

export function sigmoidArray(x: usize, y: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(y + (<usize>i << 2), sigmoid4(v128.load(x + (<usize>i << 2))));
  for (; i < n; i++) store<f32>(y + (<usize>i << 2), sigmoid1(load<f32>(x + (<usize>i << 2))));
}

export function reluArray(x: usize, y: usize, n: i32): void {
  let i = 0;
  const zero = f32x4.splat(0);
  for (; i + 4 <= n; i += 4) v128.store(y + (<usize>i << 2), relu4(v128.load(x + (<usize>i << 2))));
  for (; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    store<f32>(y + (<usize>i << 2), v < 0 ? 0 : v); // NaN passes, as in PyTorch
  }
}

/** dx = dy · (1 − y²), y = tanh(x). */
export function tanhBackward(y: usize, dy: usize, dx: usize, n: i32): void {
  let i = 0;
  const one = f32x4.splat(1);
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const t = v128.load(y + o);
    v128.store(dx + o, f32x4.mul(v128.load(dy + o), f32x4.sub(one, f32x4.mul(t, t))));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const t = load<f32>(y + o);
    store<f32>(dx + o, load<f32>(dy + o) * (1 - t * t));
  }
}

/** dx = dy · y(1 − y), y = σ(x). */
export function sigmoidBackward(y: usize, dy: usize, dx: usize, n: i32): void {
  let i = 0;
  const one = f32x4.splat(1);
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const s = v128.load(y + o);
    v128.store(dx + o, f32x4.mul(v128.load(dy + o), f32x4.mul(s, f32x4.sub(one, s))));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const s = load<f32>(y + o);
    store<f32>(dx + o, load<f32>(dy + o) * s * (1 - s));
  }
}

/** dx = dy where y > 0, else 0 (y = relu(x); PyTorch's convention: derivative 0 at 0). */
export function reluBackward(y: usize, dy: usize, dx: usize, n: i32): void {
  let i = 0;
  const zero = f32x4.splat(0);
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dx + o, v128.and(v128.load(dy + o), f32x4.gt(v128.load(y + o), zero)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dx + o, load<f32>(y + o) > 0 ? load<f32>(dy + o) : 0);
  }
}
