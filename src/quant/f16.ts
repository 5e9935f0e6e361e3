// IEEE 754 half precision for weights stored at half the bytes. Weights are rounded to f16 (to nearest, ties to
// even) when a model is quantized and widened back to f32 when it is loaded, so a f16 model computes exactly
// what the f32 kernels compute on the f16-rounded weights (as tfjs's float16 weight quantization does).

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The f16 bits nearest to x (ties to even); ±∞ past 65504, NaN stays NaN. */
export function toF16Bits(x: number): number {
  f32[0] = x;
  const b = u32[0];
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  let man = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (man ? 0x200 : 0); // ∞ or NaN
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00; // overflows to ∞
  if (e <= 0) {
    // subnormal (or zero): shift the full mantissa into place and round
    if (e < -10) return sign;
    man |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let h = man >>> shift;
    const rest = man & ((1 << shift) - 1);
    if (rest > half || (rest === half && (h & 1))) h++;
    return sign | h;
  }
  let h = (e << 10) | (man >>> 13);
  const rest = man & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (h & 1))) h++; // may carry into the exponent: still right (up to ∞)
  return sign | h;
}

/** The value of f16 bits. */
export function fromF16Bits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f, m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

/** f16 bits of every weight; throws when one is not finite or beyond f16's range (±65504), naming `what`. */
export function toF16Array(w: Float32Array, what = "weight"): Uint16Array {
  const out = new Uint16Array(w.length);
  for (let i = 0; i < w.length; i++) {
    const v = w[i];
    if (!Number.isFinite(v) || Math.abs(v) > 65504) throw new Error(`cannot store ${what} as f16: value ${v} at index ${i} is outside f16's finite range (±65504)`);
    out[i] = toF16Bits(v);
  }
  return out;
}

export function fromF16Array(h: Uint16Array): Float32Array {
  const out = new Float32Array(h.length);
  for (let i = 0; i < h.length; i++) out[i] = fromF16Bits(h[i]);
  return out;
}
