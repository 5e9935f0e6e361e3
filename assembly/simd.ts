// Small SIMD helpers shared by every kernel. One source, two builds: the relaxed-SIMD build fuses
// multiply-add (one rounding), the plain SIMD build multiplies then adds.

// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

// @ts-ignore: decorator
@inline export function splat(x: f32): v128 {
  return f32x4.splat(x);
}

/** Stores the first n (0..4) lanes of v at p. Lane indices must be constants, hence the ladder. */
// @ts-ignore: decorator
@inline export function storePartial(p: usize, v: v128, n: i32): void {
  if (n >= 4) { v128.store(p, v); return; }
  if (n > 0) store<f32>(p, f32x4.extract_lane(v, 0));
  if (n > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (n > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}

/** Loads the first n (0..4) floats at p into a vector, zero in the other lanes (never reads past p + 4n). */
// @ts-ignore: decorator
@inline export function loadPartial(p: usize, n: i32): v128 {
  if (n >= 4) return v128.load(p);
  let v = f32x4.splat(0);
  if (n > 0) v = f32x4.replace_lane(v, 0, load<f32>(p));
  if (n > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (n > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}

/** Loads n (1..4) floats: a full vector when n = 4 (the common case), else zero-padded. */
// @ts-ignore: decorator
@inline export function ldv(p: usize, n: i32): v128 {
  return n == 4 ? v128.load(p) : loadPartial(p, n);
}

/** Stores n (1..4) lanes of v. */
// @ts-ignore: decorator
@inline export function stv(p: usize, v: v128, n: i32): void {
  if (n == 4) v128.store(p, v);
  else storePartial(p, v, n);
}

/** Whether batch row b is still inside its sequence at time t (lens = 0: every row runs all steps). */
// @ts-ignore: decorator
@inline export function isActive(lens: usize, b: i32, t: i32): bool {
  return lens == 0 || load<i32>(lens + (<usize>b << 2)) > t;
}

/** Row r of a row-major matrix with `ld` floats per row. */
// @ts-ignore: decorator
@inline export function row(base: usize, r: i32, ld: i32): usize {
  return base + ((<usize>r * <usize>ld) << 2);
}
