// What a numeric setting may be, written once and used twice: to parse a flag (rejecting bad text through
// commander's InvalidArgumentError, so it gets the one-line error treatment) and to check the same setting
// read back from a checkpoint (see train-settings.ts). Also byte sizes for --max-bytes.

import { InvalidArgumentError } from "commander";

export interface NumberRule {
  /** "an integer ≥ 1": what the messages say was expected. */
  expected: string;
  integer: boolean;
  accepts(n: number): boolean;
}

export const POSITIVE_INT: NumberRule = { expected: "an integer ≥ 1", integer: true, accepts: (n) => n >= 1 };
export const NON_NEGATIVE_INT: NumberRule = { expected: "an integer ≥ 0", integer: true, accepts: (n) => n >= 0 };
/** Seeds: 32 bits are plenty, and the library derives further seeds by adding to them (seed + 1, + 2). */
export const SEED: NumberRule = { expected: "an integer in [0, 4294967295]", integer: true, accepts: (n) => n >= 0 && n <= 0xffffffff };
export const POSITIVE_FLOAT: NumberRule = { expected: "a number > 0", integer: false, accepts: (n) => n > 0 };
export const NON_NEGATIVE_FLOAT: NumberRule = { expected: "a number ≥ 0", integer: false, accepts: (n) => n >= 0 };
export const PROBABILITY: NumberRule = { expected: "a number in (0, 1]", integer: false, accepts: (n) => n > 0 && n <= 1 };
export const FRACTION: NumberRule = { expected: "a number in [0, 1)", integer: false, accepts: (n) => n >= 0 && n < 1 };

/** Whether a value (from a flag or a file) satisfies the rule: a finite number, a safe integer where asked. */
export function satisfies(rule: NumberRule, value: unknown): value is number {
  if (typeof value !== "number" || !Number.isFinite(value)) return false;
  if (rule.integer && !Number.isSafeInteger(value)) return false;
  return rule.accepts(value);
}

const INTEGER = /^\+?\d+$/;
const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** A commander value parser for the rule. */
export function parser(rule: NumberRule): (value: string) => number {
  return (value: string) => {
    const text = value.trim();
    const n = (rule.integer ? INTEGER : FLOAT).test(text) ? Number(text) : NaN;
    if (!satisfies(rule, n)) throw new InvalidArgumentError(`Expected ${rule.expected}.`);
    return n;
  };
}

export const positiveInt = parser(POSITIVE_INT);
export const nonNegativeInt = parser(NON_NEGATIVE_INT);
export const seed = parser(SEED);
export const positiveFloat = parser(POSITIVE_FLOAT);
export const nonNegativeFloat = parser(NON_NEGATIVE_FLOAT);
export const probability = parser(PROBABILITY);
export const fraction = parser(FRACTION);

/** A file path: not empty and without NUL (which the file system would refuse less clearly). */
export function filePath(value: string): string {
  if (value === "" || value.includes("\0")) throw new InvalidArgumentError("Expected a file path (not empty, without NUL characters).");
  return value;
}

const SIZE = /^(\d+)\s*(|b|k|kb|kib|m|mb|mib|g|gb|gib|t|tb|tib)$/i;
const UNIT: Record<string, number> = { "": 1, b: 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

/** A byte count: 1000000, 512K, 256M, 2G (K, M, G, T are powers of 1024; KB, KiB alike). */
export function byteSize(value: string): number {
  const m = SIZE.exec(value.trim());
  const n = m ? Number(m[1]) * UNIT[m[2].charAt(0).toLowerCase()] : NaN;
  if (!(Number.isSafeInteger(n) && n >= 1)) throw new InvalidArgumentError("Expected a size ≥ 1 in bytes, e.g. 1000000, 512K, 256M or 2G.");
  return n;
}
