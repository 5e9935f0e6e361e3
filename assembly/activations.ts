// exp, sigmoid and tanh for f32x4 vectors and single floats (one formula, see lanes.ts), plus array kernels
// for them, relu and their derivatives.
//
// exp: Cody–Waite reduction x = n·ln2 + r with |r| ≤ ln2/2, e^r by its degree-7 Taylor polynomial
// (truncation < 6e-9 relative), 2^n assembled in the exponent bits. Inputs are clamped first, so ±Infinity
// and huge |x| saturate instead of overflowing into Inf/Inf = NaN.
// tanh: an odd Taylor polynomial near 0 (keeps relative accuracy for tiny x), 1 − 2/(1 + e^{2|x|}) elsewhere.
// The error bounds are measured in test/activations.test.ts and quoted in the README.

import {
  ld, st, splat, add, sub, mul, div, madd, neg, abs, pmin, pmax, selectLess, wherePositiveElseZero, whereInsideUnit, withSignOf, shiftedToExponent,
} from "./lanes";

// Every constant sits in a static table, four lanes each, and is read with a v128.load from a fixed address:
// V8 folds that into the arithmetic instruction, whereas a v128.const or splat is rebuilt at every use inside
// the loop (measured: ~2× slower kernels).
const K_LOG2E = 0, K_MAGIC = 1, K_LN2_HI = 2, K_LN2_LO = 3, K_EXP_MIN = 4, K_EXP_MAX = 5;
const K_P7 = 6, K_P6 = 7, K_P5 = 8, K_P4 = 9, K_P3 = 10, K_P2 = 11, K_ONE = 12, K_TWO = 13;
const K_T9 = 14, K_T7 = 15, K_T5 = 16, K_T3 = 17, K_TANH_SMALL = 18, K_TANH_CLAMP = 19, K_SIGN = 20, K_ZERO = 21;
const K_HARD_SLOPE = 22;

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
  0.2, 0.2, 0.2, 0.2, // hard sigmoid's slope (Keras, TensorFlow.js, ONNX HardSigmoid's default alpha)
], 16);

/** Constant i of the table as T. */
// @ts-ignore: decorator
@inline function k<T>(i: i32): T {
  if (isVector<T>()) return v128.load(TABLE + (<usize>i << 4)) as T;
  else return load<f32>(TABLE + (<usize>i << 4)) as T;
}

// @ts-ignore: decorator
@inline export function exp<T>(x: T): T {
  // pmin/pmax in this order let NaN through (NaN in, NaN out), so a diverging model is noticed
  x = pmin<T>(pmax<T>(x, k<T>(K_EXP_MIN)), k<T>(K_EXP_MAX));
  const m = madd<T>(x, k<T>(K_LOG2E), k<T>(K_MAGIC));
  const n = sub<T>(m, k<T>(K_MAGIC));
  let r = sub<T>(x, mul<T>(n, k<T>(K_LN2_HI)));
  r = sub<T>(r, mul<T>(n, k<T>(K_LN2_LO)));
  // Horner form of Σ r^k / k!, k = 0..7
  let p = madd<T>(k<T>(K_P7), r, k<T>(K_P6));
  p = madd<T>(p, r, k<T>(K_P5));
  p = madd<T>(p, r, k<T>(K_P4));
  p = madd<T>(p, r, k<T>(K_P3));
  p = madd<T>(p, r, k<T>(K_P2));
  p = madd<T>(p, r, k<T>(K_ONE));
  p = madd<T>(p, r, k<T>(K_ONE));
  return mul<T>(p, shiftedToExponent<T>(m));
}

// @ts-ignore: decorator
@inline export function sigmoid<T>(x: T): T {
  return div<T>(k<T>(K_ONE), add<T>(k<T>(K_ONE), exp<T>(neg<T>(x))));
}

// @ts-ignore: decorator
@inline export function tanh<T>(x: T): T {
  const a = pmin<T>(abs<T>(x), k<T>(K_TANH_CLAMP)); // NaN stays NaN
  const big = sub<T>(k<T>(K_ONE), div<T>(k<T>(K_TWO), add<T>(k<T>(K_ONE), exp<T>(add<T>(a, a)))));
  // tanh a = a − a³/3 + 2a⁵/15 − 17a⁷/315 + 62a⁹/2835 − …  (next term < 2e-8 at a = 0.3)
  const a2 = mul<T>(a, a);
  let p = madd<T>(k<T>(K_T9), a2, k<T>(K_T7));
  p = madd<T>(p, a2, k<T>(K_T5));
  p = madd<T>(p, a2, k<T>(K_T3));
  const small = madd<T>(mul<T>(a, a2), p, a);
  return withSignOf<T>(selectLess<T>(a, k<T>(K_TANH_SMALL), small, big), x);
}

/** clip(0.2·x + 0.5, 0, 1): Keras / TensorFlow.js's hard sigmoid, ONNX HardSigmoid(α 0.2, β 0.5). NaN stays NaN. */
// @ts-ignore: decorator
@inline export function hardSigmoid<T>(x: T): T {
  return pmin<T>(pmax<T>(madd<T>(x, k<T>(K_HARD_SLOPE), k<T>(K_P2)), k<T>(K_ZERO)), k<T>(K_ONE));
}

// Gate activations of GRU and LSTM (their σ gates): `hard` is a constant at every call site, so each kernel
// instantiation keeps one branch (the σ kernels compile to what they were before hard σ existed).

/** σ(x), or the hard sigmoid when `hard`. */
// @ts-ignore: decorator
@inline export function gate<T>(hard: bool, x: T): T {
  if (hard) return hardSigmoid<T>(x);
  return sigmoid<T>(x);
}

/** The gate's derivative from its output y: y(1 − y) for σ; 0.2 where 0 < y < 1, else 0, for the hard sigmoid. */
// @ts-ignore: decorator
@inline export function gateGrad<T>(hard: bool, y: T): T {
  if (hard) return whereInsideUnit<T>(y, k<T>(K_HARD_SLOPE));
  return mul<T>(y, sub<T>(splat<T>(1), y));
}

/** max(x, 0), letting NaN through. */
// @ts-ignore: decorator
@inline export function relu<T>(x: T): T {
  return pmax<T>(x, k<T>(K_ZERO));
}

// ---- array kernels: y = f(x), and dx = dy · f'(·) from the saved output y ----

export function tanhArray(x: usize, y: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) for (; i + 4 <= n; i += 4) st<v128>(y + (<usize>i << 2), tanh<v128>(ld<v128>(x + (<usize>i << 2))));
  for (; i < n; i++) st<f32>(y + (<usize>i << 2), tanh<f32>(ld<f32>(x + (<usize>i << 2))));
}

export function sigmoidArray(x: usize, y: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) for (; i + 4 <= n; i += 4) st<v128>(y + (<usize>i << 2), sigmoid<v128>(ld<v128>(x + (<usize>i << 2))));
  for (; i < n; i++) st<f32>(y + (<usize>i << 2), sigmoid<f32>(ld<f32>(x + (<usize>i << 2))));
}

export function reluArray(x: usize, y: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) for (; i + 4 <= n; i += 4) st<v128>(y + (<usize>i << 2), relu<v128>(ld<v128>(x + (<usize>i << 2))));
  for (; i < n; i++) st<f32>(y + (<usize>i << 2), relu<f32>(ld<f32>(x + (<usize>i << 2))));
}

// @ts-ignore: decorator
@inline function tanhGradAt<T>(y: usize, dy: usize, dx: usize): void {
  const t = ld<T>(y);
  st<T>(dx, mul<T>(ld<T>(dy), sub<T>(splat<T>(1), mul<T>(t, t))));
}

// @ts-ignore: decorator
@inline function sigmoidGradAt<T>(y: usize, dy: usize, dx: usize): void {
  const s = ld<T>(y);
  st<T>(dx, mul<T>(ld<T>(dy), mul<T>(s, sub<T>(splat<T>(1), s))));
}

/** dx = dy · (1 − y²), y = tanh(x). */
export function tanhBackward(y: usize, dy: usize, dx: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) for (; i + 4 <= n; i += 4) tanhGradAt<v128>(y + (<usize>i << 2), dy + (<usize>i << 2), dx + (<usize>i << 2));
  for (; i < n; i++) tanhGradAt<f32>(y + (<usize>i << 2), dy + (<usize>i << 2), dx + (<usize>i << 2));
}

/** dx = dy · y(1 − y), y = σ(x). */
export function sigmoidBackward(y: usize, dy: usize, dx: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) for (; i + 4 <= n; i += 4) sigmoidGradAt<v128>(y + (<usize>i << 2), dy + (<usize>i << 2), dx + (<usize>i << 2));
  for (; i < n; i++) sigmoidGradAt<f32>(y + (<usize>i << 2), dy + (<usize>i << 2), dx + (<usize>i << 2));
}

/** dx = dy where y > 0, else 0 (y = relu(x); PyTorch's convention: derivative 0 at 0). */
export function reluBackward(y: usize, dy: usize, dx: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) for (; i + 4 <= n; i += 4) st<v128>(dx + (<usize>i << 2), wherePositiveElseZero<v128>(ld<v128>(y + (<usize>i << 2)), ld<v128>(dy + (<usize>i << 2))));
  for (; i < n; i++) st<f32>(dx + (<usize>i << 2), wherePositiveElseZero<f32>(ld<f32>(y + (<usize>i << 2)), ld<f32>(dy + (<usize>i << 2))));
}
