// Element-wise math written once for two lane types: T = v128 (four f32 lanes, the SIMD builds) and T = f32
// (one lane: vector-loop tails, and the whole scalar build). isVector<T>() is a compile-time constant, so
// each instantiation keeps only its own branch and inlines to plain instructions.
//
//   for (; j + 4 <= n; j += 4) step<v128>(…)   // only when ASC_FEATURE_SIMD
//   for (; j < n; j++) step<f32>(…)

import { madd as maddV } from "./simd";

/** Bytes per value of T. */
// @ts-ignore: decorator
@inline export function width<T>(): usize {
  return isVector<T>() ? 16 : 4;
}

// @ts-ignore: decorator
@inline export function ld<T>(p: usize): T {
  if (isVector<T>()) return v128.load(p) as T;
  else return load<f32>(p) as T;
}

// @ts-ignore: decorator
@inline export function st<T>(p: usize, v: T): void {
  if (isVector<T>()) v128.store(p, v as v128);
  else store<f32>(p, v as f32);
}

// @ts-ignore: decorator
@inline export function splat<T>(x: f32): T {
  if (isVector<T>()) return f32x4.splat(x) as T;
  else return x as T;
}

// @ts-ignore: decorator
@inline export function add<T>(a: T, b: T): T {
  if (isVector<T>()) return f32x4.add(a as v128, b as v128) as T;
  else return ((a as f32) + (b as f32)) as T;
}

// @ts-ignore: decorator
@inline export function sub<T>(a: T, b: T): T {
  if (isVector<T>()) return f32x4.sub(a as v128, b as v128) as T;
  else return ((a as f32) - (b as f32)) as T;
}

// @ts-ignore: decorator
@inline export function mul<T>(a: T, b: T): T {
  if (isVector<T>()) return f32x4.mul(a as v128, b as v128) as T;
  else return ((a as f32) * (b as f32)) as T;
}

// @ts-ignore: decorator
@inline export function div<T>(a: T, b: T): T {
  if (isVector<T>()) return f32x4.div(a as v128, b as v128) as T;
  else return ((a as f32) / (b as f32)) as T;
}

/** a·b + c (fused in the relaxed build's vector lanes). */
// @ts-ignore: decorator
@inline export function madd<T>(a: T, b: T, c: T): T {
  if (isVector<T>()) return maddV(a as v128, b as v128, c as v128) as T;
  else return ((a as f32) * (b as f32) + (c as f32)) as T;
}

// @ts-ignore: decorator
@inline export function neg<T>(a: T): T {
  if (isVector<T>()) return f32x4.neg(a as v128) as T;
  else return -(a as f32) as T;
}

// @ts-ignore: decorator
@inline export function abs<T>(a: T): T {
  if (isVector<T>()) return f32x4.abs(a as v128) as T;
  else return Mathf.abs(a as f32) as T;
}

/** b < a ? b : a — wasm's pmin, which keeps a NaN in `a`. */
// @ts-ignore: decorator
@inline export function pmin<T>(a: T, b: T): T {
  if (isVector<T>()) return f32x4.pmin(a as v128, b as v128) as T;
  else return ((b as f32) < (a as f32) ? b : a) as T;
}

/** a < b ? b : a — wasm's pmax, which keeps a NaN in `a`. */
// @ts-ignore: decorator
@inline export function pmax<T>(a: T, b: T): T {
  if (isVector<T>()) return f32x4.pmax(a as v128, b as v128) as T;
  else return ((a as f32) < (b as f32) ? b : a) as T;
}

/** x < y ? ifLess : otherwise, lane by lane. */
// @ts-ignore: decorator
@inline export function selectLess<T>(x: T, y: T, ifLess: T, otherwise: T): T {
  if (isVector<T>()) return v128.bitselect(ifLess as v128, otherwise as v128, f32x4.lt(x as v128, y as v128)) as T;
  else return ((x as f32) < (y as f32) ? ifLess : otherwise) as T;
}

/** d where h > 0, else 0 (relu's derivative at the output h). */
// @ts-ignore: decorator
@inline export function wherePositiveElseZero<T>(h: T, d: T): T {
  if (isVector<T>()) return v128.and(d as v128, f32x4.gt(h as v128, f32x4.splat(0))) as T;
  else return ((h as f32) > 0 ? d : 0) as T;
}

/** d where 0 < y < 1, else 0 (the hard sigmoid's derivative, scaled, at its output y). */
// @ts-ignore: decorator
@inline export function whereInsideUnit<T>(y: T, d: T): T {
  if (isVector<T>()) {
    const inside = v128.and(f32x4.gt(y as v128, f32x4.splat(0)), f32x4.lt(y as v128, f32x4.splat(1)));
    return v128.and(d as v128, inside) as T;
  } else return ((y as f32) > 0 && (y as f32) < 1 ? d : 0) as T;
}

/** |t| with the sign bit of x. */
// @ts-ignore: decorator
@inline export function withSignOf<T>(t: T, x: T): T {
  if (isVector<T>()) return v128.or(t as v128, v128.and(x as v128, i32x4.splat(0x80000000))) as T;
  else return reinterpret<f32>(reinterpret<i32>(t as f32) | (reinterpret<i32>(x as f32) & 0x80000000)) as T;
}

/** The float whose bits are m's bits shifted left by 23 (2^n from a rounded exponent, see exp in activations). */
// @ts-ignore: decorator
@inline export function shiftedToExponent<T>(m: T): T {
  if (isVector<T>()) return i32x4.shl(m as v128, 23) as T;
  else return reinterpret<f32>(reinterpret<i32>(m as f32) << 23) as T;
}

/** Sum of the lanes, in f64. */
// @ts-ignore: decorator
@inline export function lanesSum<T>(v: T): f64 {
  if (isVector<T>()) {
    const x = v as v128;
    return <f64>f32x4.extract_lane(x, 0) + <f64>f32x4.extract_lane(x, 1) + <f64>f32x4.extract_lane(x, 2) + <f64>f32x4.extract_lane(x, 3);
  } else return <f64>(v as f32);
}

/** Largest lane. */
// @ts-ignore: decorator
@inline export function lanesMax<T>(v: T): f32 {
  if (isVector<T>()) {
    const x = v as v128;
    return max(max(f32x4.extract_lane(x, 0), f32x4.extract_lane(x, 1)), max(f32x4.extract_lane(x, 2), f32x4.extract_lane(x, 3)));
  } else return v as f32;
}
