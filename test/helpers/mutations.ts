// Mutations for fuzzing the decoders (test/io/fuzz.test.ts, task-fuzz.test.ts): hostile JSON values and edits
// at random paths, damage to the float data, and byte-level damage.

import fc from "fast-check";

/** Values a hostile header may hold where a number, string, array or object belongs. */
export const hostile = fc.oneof(
  fc.constantFrom(0, -1, 1, 1.5, -0, 2 ** 24, 2 ** 31, 2 ** 32 + 1, 2 ** 53, 1e308, 7000, 1e6, "7", "", "<unk>", "__proto__", null, true, false, [], {}),
  fc.integer({ min: -10, max: 100 }),
  fc.string({ maxLength: 8 }),
  fc.array(fc.oneof(fc.integer({ min: -2, max: 50 }), fc.string({ maxLength: 3 })), { maxLength: 6 }),
  fc.integer({ min: 1, max: 200 }).map((depth) => JSON.parse("[".repeat(depth) + "]".repeat(depth))),
  fc.nat({ max: 5000 }).map((n) => "x".repeat(n)),
);

/** A path into a JSON value: indices pick keys / elements at each level (modulo their count). */
export const pathArb = fc.array(fc.nat(), { minLength: 1, maxLength: 5 });

export type Json = Record<string, unknown> | unknown[];

/** Replaces (or deletes, or adds a key at) the node at `path`, walking only containers. */
export function editJson(root: Json, path: number[], value: unknown, mode: "set" | "delete" | "add"): void {
  let node: Json = root;
  for (let level = 0; level < path.length; level++) {
    const keys = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
    if (keys.length === 0) break;
    const key = keys[path[level] % keys.length];
    const child = (node as Record<string | number, unknown>)[key];
    const last = level === path.length - 1 || typeof child !== "object" || child === null;
    if (last) {
      if (mode === "delete") {
        if (Array.isArray(node)) node.splice(key as number, 1);
        else delete (node as Record<string, unknown>)[key as string];
      } else if (mode === "add" && !Array.isArray(node)) {
        (node as Record<string, unknown>)[`extra${path.length}`] = value;
      } else {
        (node as Record<string | number, unknown>)[key] = value;
      }
      return;
    }
    node = child as Json;
  }
}

export const jsonEdit = fc.record({ path: pathArb, value: hostile, mode: fc.constantFrom("set", "set", "set", "delete", "add") as fc.Arbitrary<"set" | "delete" | "add"> });

/** Damage to the data section, in floats: NaN / ±Infinity / huge / random values at some positions. */
export const dataEdit = fc.record({ at: fc.nat(), value: fc.constantFrom(NaN, Infinity, -Infinity, 3.4e38, 0, -0, 1e-45) });

export const byteEdit = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant("overwrite" as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
);

export function applyByteEdit(bytes: Uint8Array, e: fc.Arbitrary<unknown> extends never ? never : { kind: string; at: number; bit?: number; bytes?: Uint8Array }): Uint8Array {
  const at = bytes.length === 0 ? 0 : e.at % bytes.length;
  switch (e.kind) {
    case "flip": { const out = bytes.slice(); out[at] ^= 1 << e.bit!; return out; }
    case "truncate": return bytes.slice(0, at);
    case "insert": { const out = new Uint8Array(bytes.length + e.bytes!.length); out.set(bytes.subarray(0, at)); out.set(e.bytes!, at); out.set(bytes.subarray(at), at + e.bytes!.length); return out; }
    default: { const out = bytes.slice(); out.set(e.bytes!.subarray(0, Math.max(0, out.length - at)), at); return out; }
  }
}

export function applyDataEdits(data: Uint8Array, edits: { at: number; value: number }[]): Uint8Array {
  const out = data.slice();
  const floats = Math.floor(out.length / 4);
  if (floats === 0) return out;
  const view = new DataView(out.buffer);
  for (const e of edits) view.setFloat32((e.at % floats) * 4, e.value, true);
  return out;
}
