// Learning-rate schedules, as a factor of the base rate at each update step (0-based).

import { describe } from "../errors.js";

export type Schedule =
  | { kind: "constant" }
  /** lr · gamma^floor(step / every) (torch StepLR). */
  | { kind: "step"; every: number; gamma: number }
  /** cosine from lr down to lr · minFactor over `total` steps (torch CosineAnnealingLR), then flat. */
  | { kind: "cosine"; total: number; minFactor?: number };

export function learningRate(schedule: Schedule, baseLr: number, step: number): number {
  switch (schedule.kind) {
    case "constant":
      return baseLr;
    case "step":
      return baseLr * schedule.gamma ** Math.floor(step / schedule.every);
    case "cosine": {
      const min = baseLr * (schedule.minFactor ?? 0);
      const t = Math.min(step, schedule.total) / schedule.total;
      return min + ((baseLr - min) * (1 + Math.cos(Math.PI * t))) / 2;
    }
  }
}

export function checkSchedule(value: unknown): Schedule {
  const s = value as Schedule;
  const bad = (why: string) => new TypeError(`schedule ${why}, got ${describe(value)}${typeof value === "object" ? ` ${JSON.stringify(value)}` : ""}`);
  if (typeof s !== "object" || s === null) throw bad('must be { kind: "constant" | "step" | "cosine", … }');
  if (s.kind === "constant") return s;
  if (s.kind === "step") {
    if (!Number.isInteger(s.every) || s.every < 1 || !(s.gamma > 0 && s.gamma <= 1)) throw bad("step needs every (integer ≥ 1) and gamma in (0, 1]");
    return s;
  }
  if (s.kind === "cosine") {
    if (!Number.isInteger(s.total) || s.total < 1 || !((s.minFactor ?? 0) >= 0 && (s.minFactor ?? 0) <= 1)) throw bad("cosine needs total (integer ≥ 1) and minFactor in [0, 1]");
    return s;
  }
  throw bad('kind must be "constant", "step" or "cosine"');
}
