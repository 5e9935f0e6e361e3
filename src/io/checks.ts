// What a decoder verifies before it builds anything: the configuration against the tensors actually in the
// file (so a header cannot make us allocate more than the file holds), finite weights, optimizer state that
// fits the model, and JSON that later code can walk without running out of stack. Every failure is one
// sentence naming the file (`source`). The language models' configuration checks are in lm-checks.ts.

import { shapeText } from "../errors.js";
import { resolveOptimizerOptions, type ResolvedOptimizerOptions } from "../train/optimizers.js";

export { checkJsonDepth, MAX_JSON_DEPTH } from "./json.js";

/** The first non-finite value of each tensor is an error unless the caller opted in. */
export function checkFiniteTensors(tensors: Record<string, Float32Array>, source: string, allowNonFinite: boolean, kind = "tensor"): void {
  if (allowNonFinite) return;
  for (const [name, data] of Object.entries(tensors)) {
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (v - v !== 0) {
        throw new Error(`${source} has a non-finite value in ${kind} "${name}" (${v} at index ${i}); it would make every output NaN. Pass { allowNonFinite: true } (CLI: --allow-non-finite) to load it anyway`);
      }
    }
  }
}

/**
 * The file's tensors (`shapes`) must be exactly the `expected` parameters: same names, same shapes. `claim`
 * says what the configuration implies, for the message.
 */
export function checkTensorShapes(expected: Record<string, number[]>, shapes: Record<string, number[]>, source: string, claim: string): void {
  const names = Object.keys(expected);
  const missing = names.filter((n) => !Object.hasOwn(shapes, n));
  const extra = Object.keys(shapes).filter((n) => !Object.hasOwn(expected, n));
  if (missing.length > 0) throw new Error(`${source} does not match its configuration: ${claim}, but tensor ${quoteList(missing)} ${missing.length === 1 ? "is" : "are"} missing`);
  if (extra.length > 0) throw new Error(`${source} does not match its configuration: unexpected tensor ${quoteList(extra)} (expected: ${names.join(", ")})`);
  for (const name of names) {
    if (shapeText(shapes[name]) !== shapeText(expected[name])) {
      throw new Error(`${source} does not match its configuration: ${claim}, so "${name}" must have shape ${shapeText(expected[name])}, but the file's has ${shapeText(shapes[name])}`);
    }
  }
}

/**
 * Optimizer state ("<group>.first" / "<group>.second") must fit the model (`sizes`: parameters per group, in
 * the model's order): each tensor names a group and has
 * its size, and the set is what the optimizer needs (`options` when the checkpoint records them; else the
 * same set for every group). Returns the resolved options when recorded.
 */
export function checkOptimizerState(
  state: Record<string, Float32Array>, options: unknown, sizes: Map<string, number>, source: string,
): ResolvedOptimizerOptions | undefined {
  for (const [name, data] of Object.entries(state)) {
    const [group, which, ...rest] = name.split(".");
    if (rest.length > 0 || !sizes.has(group) || (which !== "first" && which !== "second")) {
      throw new Error(`${source} is corrupt: optimizer state "${name}" is not <group>.first or <group>.second of a group of this model (${[...sizes.keys()].join(", ")})`);
    }
    if (data.length !== sizes.get(group)) {
      throw new Error(`${source} is corrupt: optimizer state "${name}" has ${data.length} values, but group "${group}" has ${sizes.get(group)} parameters`);
    }
  }
  let resolved: ResolvedOptimizerOptions | undefined;
  let needs: ("first" | "second")[] | undefined;
  if (options !== undefined) {
    try {
      resolved = resolveOptimizerOptions(options);
    } catch (e) {
      throw new Error(`${source} is corrupt: its optimizer settings are invalid: ${(e as Error).message}`, { cause: e });
    }
    needs = resolved.name !== "sgd" ? ["first", "second"] : resolved.momentum > 0 ? ["first"] : [];
  } else {
    // older checkpoints do not record the optimizer: the state must at least be the same for every group
    const first = Object.hasOwn(state, `${[...sizes.keys()][0]}.first`), second = Object.hasOwn(state, `${[...sizes.keys()][0]}.second`);
    needs = [...(first ? ["first" as const] : []), ...(second ? ["second" as const] : [])];
  }
  for (const group of sizes.keys()) {
    for (const which of ["first", "second"] as const) {
      const present = Object.hasOwn(state, `${group}.${which}`);
      if (present !== needs.includes(which)) {
        const optimizer = resolved ? `its ${resolved.name}${resolved.name === "sgd" ? ` (momentum ${resolved.momentum})` : ""} optimizer` : "the other groups";
        throw new Error(`${source} is corrupt: optimizer state "${group}.${which}" is ${present ? "present" : "missing"}, but ${optimizer} ${present ? "keeps none" : "needs it"}`);
      }
    }
  }
  return resolved;
}

function quoteList(names: string[]): string {
  const shown = names.slice(0, 4).map((n) => `"${n}"`).join(", ");
  return names.length > 4 ? `${shown} and ${names.length - 4} more` : shown;
}
