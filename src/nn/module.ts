// The module contract every trainable piece implements, and its parameters.
//
// A module owns its parameters and their gradients (one block each in linear memory: a ParameterGroup, which
// an optimizer updates in one wasm call), names them by its path in the model (PyTorch's state_dict keys:
// "embedding.weight", "rnn.weight_ih_l0", "fc.bias"), declares the buffers a pass needs through a plan
// (see bindings/plan.ts), computes forward and backward over views of them, and gives its memory back on
// dispose(). Models are compositions of modules; optimizers, clipping and the trainer see parameter groups.

import { F32Buffer, matOf, type IntVec, type Mat, type PlanBuilder, type Runtime } from "../../bindings/index.js";
import { checkFloats, checkObject, shapeText } from "../errors.js";

/** One set of parameters and their gradients in two buffers, updated by the optimizers in one call each. */
export interface ParameterGroup {
  /** The owning module's path ("rnn", "fc", …), which names its optimizer state in checkpoints. */
  name: string;
  params: F32Buffer;
  grads: F32Buffer;
}

/** Anything that has parameters (a module, a layer, a model): what optimizers and clipping take. */
export interface HasParameters {
  parameterGroups(): readonly ParameterGroup[];
}

/**
 * The contract of a module: a computation over the rows of a pass of T steps of B sequences (time-major,
 * row t·B + b). The owner of a model declares every module's buffers of a shape in one plan (laid out in one
 * arena, reused while the shape repeats), then runs forward through the modules and backward in reverse.
 * A module records what backward needs (its input) in its activations.
 */
export interface Module<In extends Mat | IntVec = Mat, Acts = unknown, Grads = unknown> extends HasParameters {
  /** Where the module sits in its model ("rnn", "fc"; "" at the top): its parameters' name prefix. */
  readonly path: string;
  /** Its parameters by full name, in PyTorch's state_dict order. */
  parameters(): readonly Parameter[];
  /** Declares the buffers a forward pass over T × B keeps for backward (its output among them). */
  declare(plan: PlanBuilder, T: number, B: number): Acts;
  /** Declares the scratch of a backward pass over T × B. */
  declareGrads(plan: PlanBuilder, T: number, B: number): Grads;
  /** Computes the output (a view into `acts`) from the input rows (`pass`: each sequence's length, if any). */
  forward(input: In, acts: Acts, pass?: Pass): Mat;
  /**
   * From ∂L/∂output (rows of the output's shape), fills the parameters' gradients (overwriting them) and
   * returns ∂L/∂input (a view into `grads` or `acts`), or null when the input has none (token ids).
   */
  backward(dOutput: Mat, acts: Acts, grads: Grads): Mat | null;
  /** Gives back the module's memory; it cannot be used afterwards. */
  dispose(): void;
}

/** What a forward pass may need beyond its input: the length of each sequence [B] (null: all T steps). */
export interface Pass {
  lens: IntVec | null;
}

/** A parameter's full name, shape and place in its group's buffers (floats). */
export interface Parameter {
  name: string;
  shape: readonly number[];
  offset: number;
  length: number;
  group: ParameterGroup;
}

export type ParameterValues = Record<string, Float32Array | Float64Array | readonly number[]>;

/** A module's own parameters: allocated together (call inside a heap scope), viewed by name. */
export class ParameterBlock {
  readonly group: ParameterGroup;
  readonly entries: readonly Parameter[];
  private readonly byName = new Map<string, Parameter>();

  /** `specs` are [name within the module, shape]; full names are `${path}.${name}` (just `name` at the top). */
  constructor(rt: Runtime, path: string, specs: readonly (readonly [string, readonly number[]])[]) {
    const total = specs.reduce((n, [, shape]) => n + count(shape), 0);
    const params = F32Buffer.alloc(rt.heap, total);
    const grads = F32Buffer.alloc(rt.heap, total);
    grads.zero();
    this.group = { name: path, params, grads };
    let offset = 0;
    this.entries = specs.map(([name, shape]) => {
      const entry = { name: path ? `${path}.${name}` : name, shape: [...shape], offset, length: count(shape), group: this.group };
      offset += entry.length;
      this.byName.set(name, entry);
      return entry;
    });
  }

  get count(): number {
    return this.group.params.length;
  }

  /** The parameter `name` (as the module names it) as a [rows, cols] view; vectors are [1, n]. */
  value(name: string): Mat {
    return this.view(this.group.params, name);
  }

  grad(name: string): Mat {
    return this.view(this.group.grads, name);
  }

  /** Whole-block views, for kernels that touch every parameter at once. */
  get values(): Mat {
    return matOf(this.group.params, 1, this.count);
  }

  get grads(): Mat {
    return matOf(this.group.grads, 1, this.count);
  }

  dispose(): void {
    this.group.params.free();
    this.group.grads.free();
  }

  private view(buffer: F32Buffer, name: string): Mat {
    const e = this.byName.get(name);
    if (!e) throw new Error(`ParameterBlock: no parameter "${name}"`);
    const cols = e.shape.length > 1 ? e.shape[e.shape.length - 1] : e.length;
    return matOf(buffer, e.length / cols, cols, e.offset);
  }
}

/** Copies of every parameter by full name. */
export function readParameters(parameters: readonly Parameter[]): Record<string, Float32Array> {
  return Object.fromEntries(parameters.map((p) => [p.name, p.group.params.copyOut(p.offset, p.length)]));
}

/**
 * Loads parameters by full name: every one must be present with its exact shape and nothing else may be;
 * everything is checked before anything is written, so a failed load changes nothing.
 */
export function writeParameters(what: string, parameters: readonly Parameter[], values: ParameterValues): void {
  const given = checkObject(`${what}(params)`, values, "an object of named parameters");
  const expected = parameters.map((p) => p.name);
  const extra = Object.keys(given).filter((n) => !expected.includes(n));
  if (extra.length > 0) throw new TypeError(`${what}: unexpected parameter ${extra.map((n) => `"${n}"`).join(", ")} (expected: ${expected.join(", ")})`);
  const missing = expected.filter((n) => !(n in given));
  if (missing.length > 0) throw new TypeError(`${what}: missing parameter ${missing.map((n) => `"${n}"`).join(", ")}`);
  const checked = parameters.map((p) => checkFloats(`${what}: ${p.name}`, given[p.name], p.shape));
  parameters.forEach((p, i) => p.group.params.write(checked[i], p.offset));
}

/** Names and shapes, in order. */
export function shapesOf(parameters: readonly Parameter[]): Record<string, number[]> {
  return Object.fromEntries(parameters.map((p) => [p.name, [...p.shape]]));
}

export function count(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export { shapeText };
