// The command line's error policy: whatever goes wrong (a bad flag, a missing file, a library TypeError /
// RangeError) ends with ONE line "wasm-rnn: error: …" on stderr and a non-zero exit code (1; 2 when training
// stopped on a NaN). WASM_RNN_DEBUG=1 adds the stack. Also the value parsers for numeric flags, which reject
// bad values through commander's InvalidArgumentError so they get the same one-line treatment.

import { CommanderError, InvalidArgumentError } from "commander";

/** An error meant for the user: its message is printed as is, and the process exits with `exitCode`. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = "CliError";
  }
}

export function fail(message: string, exitCode = 1): never {
  throw new CliError(message, exitCode);
}

/** Collapses a message onto one line. */
export function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, " ").trim();
}

/** Commander's own exits that are not errors (help, version). */
const QUIET_CODES = new Set(["commander.help", "commander.helpDisplayed", "commander.version"]);

/** Prints `error` as one line on stderr (the stack too with WASM_RNN_DEBUG=1) and returns the exit code. */
export function reportError(error: unknown, stderr: (text: string) => void = (t) => void process.stderr.write(t)): number {
  if (error instanceof CommanderError) {
    if (QUIET_CODES.has(error.code)) return error.exitCode;
    stderr(`wasm-rnn: error: ${oneLine(error.message.replace(/^error:\s*/, ""))}\n`);
    return error.exitCode || 1;
  }
  const message = error instanceof Error ? error.message : String(error);
  stderr(`wasm-rnn: error: ${oneLine(message) || "unknown error"}\n`);
  if (process.env.WASM_RNN_DEBUG === "1" && error instanceof Error && error.stack) stderr(`${error.stack}\n`);
  return error instanceof CliError ? error.exitCode : 1;
}

// ------------------------------------------------------------------------------------ value parsers ----

const INTEGER = /^\+?\d+$/;
const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function number(value: string, what: string): number {
  if (!FLOAT.test(value.trim())) throw new InvalidArgumentError(`Expected ${what}.`);
  return Number(value);
}

function integer(value: string, what: string): number {
  if (!INTEGER.test(value.trim())) throw new InvalidArgumentError(`Expected ${what}.`);
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`Expected ${what}.`);
  return n;
}

/** An integer ≥ 1. */
export function positiveInt(value: string): number {
  const n = integer(value, "an integer ≥ 1");
  if (n < 1) throw new InvalidArgumentError("Expected an integer ≥ 1.");
  return n;
}

/** An integer ≥ 0. */
export function nonNegativeInt(value: string): number {
  return integer(value, "an integer ≥ 0");
}

/** A finite number > 0. */
export function positiveFloat(value: string): number {
  const n = number(value, "a number > 0");
  if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError("Expected a number > 0.");
  return n;
}

/** A finite number ≥ 0. */
export function nonNegativeFloat(value: string): number {
  const n = number(value, "a number ≥ 0");
  if (!(n >= 0) || !Number.isFinite(n)) throw new InvalidArgumentError("Expected a number ≥ 0.");
  return n;
}

/** A probability in (0, 1]. */
export function probability(value: string): number {
  const n = number(value, "a number in (0, 1]");
  if (!(n > 0 && n <= 1)) throw new InvalidArgumentError("Expected a number in (0, 1].");
  return n;
}

/** A fraction in [0, 1). */
export function fraction(value: string): number {
  const n = number(value, "a number in [0, 1)");
  if (!(n >= 0 && n < 1)) throw new InvalidArgumentError("Expected a number in [0, 1).");
  return n;
}
