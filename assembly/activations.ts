// Vectorized exp, sigmoid and tanh (f32x4), plus array kernels for them, relu and their derivatives.
//
// exp: Cody–Waite reduction x = n·ln2 + r with |r| ≤ ln2/2, e^r by its degree-7 Taylor polynomial
// (truncation < 6e-9 relative), 2^n assembled in the exponent bits. Inputs are clamped first, so ±Infinity
// and huge |x| saturate instead of overflowing into Inf/Inf = NaN.
// tanh: an odd Taylor polynomial near 0 (keeps relative accuracy for tiny x), 1 − 2/(1 + e^{2|x|}) elsewhere.
// The error bounds are measured in test/activations.test.ts and quoted in the README.

const LOG2E: f32 = 1.4426950408889634;
const LN2_HI: f32 = 0.693359375; // few mantissa bits, so n·LN2_HI is exact
const LN2_LO: f32 = -2.12194440e-4;
const EXP_MIN: f32 = -87.0; // e^-87 ≈ 1.6e-38 is still a normal float
const EXP_MAX: f32 = 88.0;
const TANH_SMALL: f32 = 0.3;
const TANH_CLAMP: f32 = 9.0; // tanh(9) rounds to 1 in f32

// @ts-ignore: decorator
@inline export function exp4(x: v128): v128 {
  // pmin/pmax in this order let NaN through (NaN in, NaN out), so a diverging model is noticed
  x = f32x4.pmin(f32x4.pmax(x, f32x4.splat(EXP_MIN)), f32x4.splat(EXP_MAX));
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(LOG2E)));
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(LN2_HI)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(LN2_LO)));
  // Horner form of Σ r^k / k!, k = 0..7
  let p = f32x4.splat(1.0 / 5040.0);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 720.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 120.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 24.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 6.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(0.5));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0));
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return f32x4.mul(p, scale);
}

// @ts-ignore: decorator
@inline export function sigmoid4(x: v128): v128 {
  const one = f32x4.splat(1);
  return f32x4.div(one, f32x4.add(one, exp4(f32x4.neg(x))));
}

// @ts-ignore: decorator
@inline export function tanh4(x: v128): v128 {
  const a = f32x4.pmin(f32x4.abs(x), f32x4.splat(TANH_CLAMP)); // NaN stays NaN
  const one = f32x4.splat(1);
  const big = f32x4.sub(one, f32x4.div(f32x4.splat(2), f32x4.add(one, exp4(f32x4.add(a, a)))));
  // tanh a = a − a³/3 + 2a⁵/15 − 17a⁷/315 + 62a⁹/2835 − …  (next term < 2e-8 at a = 0.3)
  const a2 = f32x4.mul(a, a);
  let p = f32x4.splat(62.0 / 2835.0);
  p = f32x4.sub(f32x4.mul(p, a2), f32x4.splat(17.0 / 315.0));
  p = f32x4.add(f32x4.mul(p, a2), f32x4.splat(2.0 / 15.0));
  p = f32x4.sub(f32x4.mul(p, a2), f32x4.splat(1.0 / 3.0));
  const small = f32x4.add(a, f32x4.mul(f32x4.mul(a, a2), p));
  const t = v128.bitselect(small, big, f32x4.lt(a, f32x4.splat(TANH_SMALL)));
  // a NaN input stays NaN (the clamp above keeps it); restore the sign of x
  return v128.or(t, v128.and(x, i32x4.splat(0x80000000)));
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
  for (; i + 4 <= n; i += 4) v128.store(y + (<usize>i << 2), f32x4.pmax(v128.load(x + (<usize>i << 2)), zero));
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
