// SGD (with momentum), Adam and AdamW over the model's parameter groups. Each step is one wasm call per
// group; the optimizer's state (momentum, moments) lives in linear memory beside the parameters.

import { F32Buffer, matOf } from "../../bindings/index.js";
import { runtime } from "../init.js";
import { checkKnownKeys, checkObject, describe } from "../errors.js";
import type { HasParameters, ParameterGroup } from "../nn/module.js";

export type OptimizerName = "sgd" | "adam" | "adamw";

export interface OptimizerOptions {
  name: OptimizerName;
  /** Learning rate (the schedule scales it). */
  lr: number;
  /** SGD: momentum μ (default 0), dampening (0), nesterov (false). */
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
  /** Adam / AdamW: β1, β2 (0.9, 0.999) and ε (1e-8). */
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** L2 penalty (SGD, Adam) or decoupled decay (AdamW). Default 0, AdamW 0.01 (PyTorch's defaults). */
  weightDecay?: number;
}

const KEYS = ["name", "lr", "momentum", "dampening", "nesterov", "beta1", "beta2", "eps", "weightDecay"];

export type ResolvedOptimizerOptions = Required<OptimizerOptions>;

export function resolveOptimizerOptions(input: unknown): ResolvedOptimizerOptions {
  const o = checkObject("optimizer options", input);
  checkKnownKeys("optimizer options", o, KEYS);
  if (o.name !== "sgd" && o.name !== "adam" && o.name !== "adamw") {
    throw new TypeError(`optimizer must be "sgd", "adam" or "adamw", got ${describe(o.name)}`);
  }
  const num = (key: string, fallback: number, ok: (v: number) => boolean, range: string): number => {
    const v = o[key] ?? fallback;
    if (typeof v !== "number" || !Number.isFinite(v) || !ok(v)) throw new RangeError(`optimizer ${key} must be ${range}, got ${describe(v)}`);
    return v;
  };
  if (o.lr === undefined) throw new TypeError("optimizer options need a learning rate (lr)");
  const nesterov = o.nesterov ?? false;
  if (typeof nesterov !== "boolean") throw new TypeError(`optimizer nesterov must be true or false, got ${describe(nesterov)}`);
  const resolved: ResolvedOptimizerOptions = {
    name: o.name,
    lr: num("lr", 0, (v) => v > 0, "a number > 0"),
    momentum: num("momentum", 0, (v) => v >= 0 && v < 1, "in [0, 1)"),
    dampening: num("dampening", 0, (v) => v >= 0 && v <= 1, "in [0, 1]"),
    nesterov,
    beta1: num("beta1", 0.9, (v) => v >= 0 && v < 1, "in [0, 1)"),
    beta2: num("beta2", 0.999, (v) => v >= 0 && v < 1, "in [0, 1)"),
    eps: num("eps", 1e-8, (v) => v > 0, "a number > 0"),
    weightDecay: num("weightDecay", o.name === "adamw" ? 0.01 : 0, (v) => v >= 0, "≥ 0"),
  };
  if (resolved.nesterov && (resolved.momentum === 0 || resolved.dampening !== 0)) {
    throw new RangeError("optimizer nesterov needs momentum > 0 and dampening 0 (as in PyTorch)");
  }
  return resolved;
}

export class Optimizer {
  readonly options: ResolvedOptimizerOptions;
  /** Learning rate of the next step (a schedule may change it). */
  lr: number;
  /** Updates applied so far. */
  stepCount = 0;
  private readonly state: { first: F32Buffer | null; second: F32Buffer | null }[];
  private disposed = false;

  private readonly groups: readonly ParameterGroup[];

  /** Over a model's, layer's or module's parameters (`new Optimizer(lm, …)`), or a list of parameter groups. */
  constructor(parameters: HasParameters | readonly ParameterGroup[], options: OptimizerOptions) {
    this.options = resolveOptimizerOptions(options);
    this.lr = this.options.lr;
    const groups = (this.groups = groupsOf("new Optimizer", parameters));
    const heap = runtime().heap;
    const adam = this.options.name !== "sgd";
    const perGroup = (adam ? 2 : this.options.momentum > 0 ? 1 : 0);
    const floats = groups.reduce((n, g) => n + g.params.length, 0) * perGroup;
    heap.checkFits(floats * 4 + 64 * groups.length * perGroup, `new Optimizer(${this.options.name}) for ${floats / Math.max(perGroup, 1)} parameters`, "train a smaller model");
    const alloc = (n: number) => {
      const b = F32Buffer.alloc(heap, n);
      b.zero();
      return b;
    };
    this.state = heap.scope(() => groups.map((g) => ({
      first: adam || this.options.momentum > 0 ? alloc(g.params.length) : null,
      second: adam ? alloc(g.params.length) : null,
    })));
  }

  /** The buffers of the optimizer's state (for snapshots that must undo a step). */
  stateBuffers(): F32Buffer[] {
    return this.state.flatMap((s) => [s.first, s.second].filter((b): b is F32Buffer => b !== null));
  }

  /** Applies one update from the gradients currently in the groups' gradient buffers. */
  step(): void {
    if (this.disposed) throw new Error("Optimizer.step: the optimizer was disposed");
    checkGroups("Optimizer.step", this.groups);
    const ops = runtime().ops, o = this.options, t = this.stepCount + 1;
    const whole = (b: F32Buffer) => matOf(b, 1, b.length);
    this.groups.forEach((g, i) => {
      const s = this.state[i], p = whole(g.params), grad = whole(g.grads);
      if (o.name === "sgd") {
        ops.sgdStep({ p, g: grad, momentum: s.first ? whole(s.first) : null, lr: this.lr, mu: o.momentum, dampening: o.dampening, weightDecay: o.weightDecay, nesterov: o.nesterov, first: t === 1 });
      } else {
        const stepSize = this.lr / (1 - o.beta1 ** t), bc2Sqrt = Math.sqrt(1 - o.beta2 ** t);
        ops.adamStep({ p, g: grad, m: whole(s.first!), v: whole(s.second!), lr: this.lr, beta1: o.beta1, beta2: o.beta2, eps: o.eps, weightDecay: o.weightDecay, decoupled: o.name === "adamw", stepSize, bc2Sqrt });
      }
      g.params.markChanged(); // the next forward repacks the weights, whoever owns them
    });
    this.stepCount = t;
  }

  /** The state buffers as named copies (for checkpoints): "<group>.first" / "<group>.second". */
  stateTensors(): Record<string, Float32Array> {
    const out: Record<string, Float32Array> = {};
    this.groups.forEach((g, i) => {
      const s = this.state[i];
      if (s.first) out[`${g.name}.first`] = s.first.copyOut();
      if (s.second) out[`${g.name}.second`] = s.second.copyOut();
    });
    return out;
  }

  /** Restores what stateTensors() returned and the step count; checks every buffer first. */
  loadState(tensors: Record<string, Float32Array>, stepCount: number, lr: number): void {
    this.groups.forEach((g, i) => {
      for (const which of ["first", "second"] as const) {
        const buffer = this.state[i][which];
        if (!buffer) continue;
        const t = tensors[`${g.name}.${which}`];
        if (!t || t.length !== buffer.length) {
          throw new TypeError(`checkpoint: optimizer state ${g.name}.${which} must have ${buffer.length} values, got ${t ? t.length : "none"}`);
        }
      }
    });
    this.groups.forEach((g, i) => {
      for (const which of ["first", "second"] as const) this.state[i][which]?.write(tensors[`${g.name}.${which}`]);
    });
    this.stepCount = stepCount;
    this.lr = lr;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const s of this.state) {
      s.first?.free();
      s.second?.free();
    }
  }
}

/**
 * The parameter groups of a model, layer or module (or a list of groups). Every group's buffers must be alive
 * and agree in length: an optimizer never writes into freed memory.
 */
export function groupsOf(what: string, of: HasParameters | readonly ParameterGroup[]): readonly ParameterGroup[] {
  const groups = Array.isArray(of) ? of as readonly ParameterGroup[] : typeof (of as HasParameters)?.parameterGroups === "function" ? (of as HasParameters).parameterGroups() : null;
  if (!groups) throw new TypeError(`${what}: expected a model, layer or module (anything with parameterGroups()) or an array of parameter groups, got ${describe(of)}`);
  checkGroups(what, groups);
  return groups;
}

/** Every group's buffers must be alive and agree in length. */
export function checkGroups(what: string, groups: readonly ParameterGroup[]): void {
  if (!Array.isArray(groups) || groups.length === 0) throw new TypeError(`${what}: expected a non-empty array of parameter groups, got ${describe(groups)}`);
  for (const g of groups) {
    if (typeof g !== "object" || g === null || !(g.params instanceof F32Buffer) || !(g.grads instanceof F32Buffer)) {
      throw new TypeError(`${what}: a parameter group must be { name, params: F32Buffer, grads: F32Buffer } (model.parameterGroups()), got ${describe(g)}`);
    }
    if (g.params.isFreed || g.grads.isFreed) throw new Error(`${what}: the parameters of group "${g.name}" were freed (their layer or model was disposed)`);
    if (g.params.length !== g.grads.length) throw new RangeError(`${what}: group "${g.name}" has ${g.params.length} parameters but ${g.grads.length} gradients`);
  }
}
