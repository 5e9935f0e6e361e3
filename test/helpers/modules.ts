// Running a module by hand, as an owner (a layer, a model) does: declare its buffers in a plan, take the
// plan's memory, write inputs into views, read results back.

import { matOf, F32Buffer, type IntVec, type Mat, type PlanBuilder, type PlanRecord } from "../../bindings/index.js";
import { runtime } from "../../src/init.js";

/** Lays out whatever `declare` asks for in a fresh arena and takes its memory; dispose() gives it back. */
export function planned<T>(declare: (p: PlanBuilder) => T): T & { dispose(): void } {
  const rt = runtime();
  const cache = rt.ops.planCache<PlanRecord & { value: T }>();
  const plan = cache.get("only", (p) => ({ value: declare(p) }));
  cache.take(plan, () => 0, () => {}, () => "test plan", "make it smaller");
  return Object.assign(plan.value as object, { dispose: () => cache.dispose() }) as T & { dispose(): void };
}

/** A matrix of its own holding `values` (row-major). */
export function matrixOf(rows: number, cols: number, values: ArrayLike<number>): { m: Mat; free(): void } {
  const rt = runtime();
  const buffer = F32Buffer.alloc(rt.heap, rows * cols);
  const m = matOf(buffer, rows, cols);
  rt.ops.write(m, values);
  return { m, free: () => buffer.free() };
}

export const read = (m: Mat): Float32Array => runtime().ops.read(m);
export const write = (m: Mat, values: ArrayLike<number>): void => runtime().ops.write(m, values);
export const writeInts = (v: IntVec, values: ArrayLike<number>): void => runtime().ops.writeInts(v, values);

/** |got − want| ≤ 1e-4 + 1e-3·|want| everywhere (f32 against a float64 reference). */
export function close(got: ArrayLike<number>, want: ArrayLike<number>, what: string): string | null {
  if (got.length !== want.length) return `${what}: length ${got.length}, want ${want.length}`;
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= 1e-4 + 1e-3 * Math.abs(want[i]))) return `${what}[${i}] = ${got[i]}, want ${want[i]}`;
  }
  return null;
}
