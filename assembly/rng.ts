// The library's one seeded generator: xoshiro128** (Blackman & Vigna), 32-bit integer arithmetic only, so the
// same seed gives the same stream in every wasm runtime. State: four u32 words at `state`.

// @ts-ignore: decorator
@inline function rotl(x: u32, k: u32): u32 {
  return (x << k) | (x >>> (32 - k));
}

/** Advances the generator at `state` and returns 32 random bits. */
export function rngNext(state: usize): u32 {
  const s0 = load<u32>(state), s1 = load<u32>(state, 4), s2 = load<u32>(state, 8), s3 = load<u32>(state, 12);
  const result = rotl(s1 * 5, 7) * 9;
  const t = s1 << 9;
  const n2 = s2 ^ s0, n3 = s3 ^ s1;
  const n1 = s1 ^ n2, n0 = s0 ^ n3;
  store<u32>(state, n0);
  store<u32>(state, n1, 4);
  store<u32>(state, n2 ^ t, 8);
  store<u32>(state, rotl(n3, 11), 12);
  return result;
}

/** Seeds the state from a 64-bit seed given as two u32 halves, expanded by splitmix32. Its four outputs come
 * from distinct inputs of a bijection, so at most one is zero and the state is never all zero. */
export function rngSeed(state: usize, lo: u32, hi: u32): void {
  let z: u32 = lo ^ (hi * 0x9e3779b9);
  for (let i = 0; i < 4; i++) {
    z += 0x9e3779b9;
    let x = z;
    x = (x ^ (x >>> 16)) * 0x85ebca6b;
    x = (x ^ (x >>> 13)) * 0xc2b2ae35;
    x ^= x >>> 16;
    store<u32>(state + (<usize>i << 2), x);
  }
}

/** A double in [0, 1) with 53 random bits. */
export function rngFloat(state: usize): f64 {
  const hi = <u64>(rngNext(state) >>> 5), lo = <u64>(rngNext(state) >>> 6);
  return <f64>((hi << 26) | lo) * 1.1102230246251565e-16; // 2^-53
}

/** out[i] = lo + (hi − lo)·u, u uniform in [0, 1) with 24 random bits (exact in f32). */
export function rngUniform(state: usize, out: usize, n: i32, lo: f32, hi: f32): void {
  const span = hi - lo;
  for (let i = 0; i < n; i++) {
    const u = <f32>(rngNext(state) >>> 8) * (1.0 / 16777216.0);
    store<f32>(out + (<usize>i << 2), lo + span * u);
  }
}

/**
 * out[i] = mean + std·N(0, 1) by Box–Muller on pairs of draws. Math.log / cos / sin are AssemblyScript's own
 * (compiled into the module), so the numbers are identical in every runtime.
 */
export function rngNormal(state: usize, out: usize, n: i32, mean: f32, std: f32): void {
  for (let i = 0; i < n; i += 2) {
    const u1 = 1.0 - rngFloat(state); // (0, 1]: log stays finite
    const u2 = rngFloat(state);
    const radius = Math.sqrt(-2.0 * Math.log(u1));
    const angle = 2.0 * Math.PI * u2;
    store<f32>(out + (<usize>i << 2), <f32>(<f64>mean + <f64>std * radius * Math.cos(angle)));
    if (i + 1 < n) store<f32>(out + (<usize>(i + 1) << 2), <f32>(<f64>mean + <f64>std * radius * Math.sin(angle)));
  }
}

/** Inverted dropout mask: each of n entries is 0 with probability p, else 1/(1 − p). */
export function dropoutMask(state: usize, mask: usize, n: i32, p: f32): void {
  const keep: f32 = 1 / (1 - p);
  for (let i = 0; i < n; i++) {
    const u = <f32>(rngNext(state) >>> 8) * (1.0 / 16777216.0);
    store<f32>(mask + (<usize>i << 2), u < p ? 0 : keep);
  }
}
