// Per-row symmetric int8 weights: row r of W[rows, cols] ≈ scale[r] · q[r, :], q ∈ [-127, 127], scale[r] =
// max_k |W[r, k]| / 127 (0 for a zero row). -128 is never used, so negation stays exact and a weight times a
// 7-bit activation pairs into x86's 16-bit dot product without saturating (see assembly/quant.ts).

/** int8 weights of one matrix with their per-row f32 scales. */
export interface Int8Rows {
  q: Int8Array;
  scales: Float32Array;
  rows: number;
  cols: number;
}

/** Round half to even, as f32.nearest and PyTorch's quantizers do. */
export function roundHalfEven(v: number): number {
  const f = Math.floor(v), d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** Quantizes W [rows, cols] (row-major f32) row by row; throws on a non-finite weight, naming `what`. */
export function quantizeRowsInt8(w: Float32Array, rows: number, cols: number, what = "weight"): Int8Rows {
  if (w.length !== rows * cols) throw new Error(`quantizeRowsInt8: ${what} has ${w.length} values, expected ${rows}×${cols}`);
  const q = new Int8Array(rows * cols), scales = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let max = 0;
    for (let k = 0; k < cols; k++) {
      const v = w[r * cols + k];
      if (!Number.isFinite(v)) throw new Error(`cannot quantize ${what}: row ${r} holds ${v} at column ${k} (int8 needs finite weights)`);
      max = Math.max(max, Math.abs(v));
    }
    const s = Math.fround(max / 127);
    scales[r] = s;
    if (s === 0) continue;
    for (let k = 0; k < cols; k++) q[r * cols + k] = Math.max(-127, Math.min(127, roundHalfEven(w[r * cols + k] / s)));
  }
  return { q, scales, rows, cols };
}

/** The f32 weights an int8 matrix stands for: scale[r] · q[r, k], rounded to f32. */
export function dequantizeRowsInt8(m: Int8Rows): Float32Array {
  const w = new Float32Array(m.rows * m.cols);
  for (let r = 0; r < m.rows; r++) for (let k = 0; k < m.cols; k++) w[r * m.cols + k] = m.scales[r] * m.q[r * m.cols + k];
  return w;
}
