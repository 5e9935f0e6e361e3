// The ONNX interop fixtures (test/fixtures/interop/onnx, see the README there): each NAME.onnx with its
// NAME.json of inputs and expected outputs, and how a lifted model's axes relate to the graph's.

import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Feed } from "./onnx-check.js";

export const ONNX_FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), "../../../test/fixtures/interop/onnx");

export interface OnnxFixture {
  name: string;
  path: string;
  bytes: Uint8Array;
  inputs: Record<string, Feed>;
  outputs: Record<string, { shape: number[]; data: number[] }>;
}

/** More graphs made for the lifter (see make_fixtures.py there): a batch-first LSTM stack with zero states. */
export const ONNX_EXTRA_FIXTURES = resolve(ONNX_FIXTURES, "../onnx-extra");

export function onnxFixtures(dir = ONNX_FIXTURES): OnnxFixture[] {
  return readdirSync(dir).filter((f) => f.endsWith(".onnx")).sort().map((f) => {
    const name = f.slice(0, -5), path = join(dir, f);
    const json = JSON.parse(readFileSync(join(dir, `${name}.json`), "utf8")) as Pick<OnnxFixture, "inputs" | "outputs">;
    return { name, path, bytes: new Uint8Array(readFileSync(path)), inputs: json.inputs, outputs: json.outputs };
  });
}

/**
 * ONNX's Y [T, D, B, H] (a recurrent node's own output) in our layer's layout [T, B, D·H]: step t, batch row
 * b holds direction d's H values at columns d·H … d·H + H − 1.
 */
export function onnxYToSteps(y: ArrayLike<number>, shape: number[]): Float32Array {
  const [T, D, B, H] = shape;
  const out = new Float32Array(T * B * D * H);
  for (let t = 0; t < T; t++) for (let d = 0; d < D; d++) for (let b = 0; b < B; b++) for (let h = 0; h < H; h++) {
    out[((t * B + b) * D + d) * H + h] = y[((t * D + d) * B + b) * H + h];
  }
  return out;
}
